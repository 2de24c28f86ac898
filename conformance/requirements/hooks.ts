// config.md's POSIX-platform Hooks and runtime.md's lifecycle steps that run
// them. Every hook is a small shell script that saves its stdin (the state)
// and appends "<name> mnt=<its mount namespace> env=... args=..." to a log.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expect, expectEqual, readFile, type Bundle, type Ctx } from '../harness'
import { existingCgroupDirs, nsLink, procAlive, sleep, waitFor } from '../host'
import type { Requirement } from '../requirement'

const HOOK_SCRIPT = `#!/bin/sh
# usage: hook.sh NAME LOGDIR [EXIT [SLEEP]]
name=$1; dir=$2
cat > "$dir/$name.json"
[ -n "$4" ] && exec sleep "$4"
echo "$name mnt=$(readlink /proc/self/ns/mnt) env=$HOOK_ENV args=$*" >> "$dir/order"
exit \${3:-0}
`

type HookName = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop'
const HOST_NS: HookName[] = ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']

interface HookSpec {
  /** log name (defaults to the hook kind) */
  name?: string
  exit?: number
  sleep?: number
  timeout?: number
  env?: string[]
}

interface HookRun {
  b: Bundle
  log: string
  /** "name mnt=... env=... args=..." lines, in order */
  lines: () => string[]
  names: () => string[]
  line: (name: string) => string | undefined
  state: (name: string) => Record<string, any> | undefined
}

/**
 * A bundle whose hooks record themselves. `hooks` maps a kind to its entries
 * (default: one recording hook of every kind). The user program appends
 * "process mnt=..." to the same log, then sleeps.
 */
function hookBundle(c: Ctx, hooks?: Partial<Record<HookName, HookSpec[]>>): HookRun {
  const log = c.tempDir('hooklog')
  fs.chmodSync(log, 0o777)
  const script = path.join(c.tempDir('hookbin'), 'hook.sh')
  fs.writeFileSync(script, HOOK_SCRIPT, { mode: 0o755 })
  const all: Record<HookName, HookSpec[]> = {
    prestart: [{}],
    createRuntime: [{}],
    createContainer: [{}],
    startContainer: [{}],
    poststart: [{}],
    poststop: [{}],
  }
  const kinds = hooks ? (hooks as Record<HookName, HookSpec[]>) : all
  const b = c.bundle(['sh', '-c', 'echo "process mnt=$(readlink /proc/self/ns/mnt) env= args=" >> /hooklog/order; exec sleep 1000'], (cfg, bb) => {
    fs.mkdirSync(path.join(bb.rootfs, 'hooks'))
    fs.writeFileSync(path.join(bb.rootfs, 'hooks', 'hook.sh'), HOOK_SCRIPT, { mode: 0o755 })
    cfg.mounts.push({ destination: '/hooklog', type: 'none', source: log, options: ['rbind', 'rw'] })
    cfg.hooks = {}
    for (const [kind, list] of Object.entries(kinds) as Array<[HookName, HookSpec[]]>) {
      cfg.hooks[kind] = list.map((h) => {
        const inContainer = !HOST_NS.includes(kind)
        const p = inContainer ? '/hooks/hook.sh' : script
        const args = [p, h.name ?? kind, inContainer ? '/hooklog' : log]
        if (h.exit !== undefined || h.sleep !== undefined) args.push(String(h.exit ?? 0))
        if (h.sleep !== undefined) args.push(String(h.sleep))
        return { path: p, args, ...(h.env ? { env: h.env } : {}), ...(h.timeout ? { timeout: h.timeout } : {}) }
      })
    }
  })
  const lines = () => readFile(path.join(log, 'order')).split('\n').filter(Boolean)
  return {
    b,
    log,
    lines,
    names: () => lines().map((l) => l.split(' ')[0]),
    line: (name) => lines().find((l) => l.split(' ')[0] === name),
    state: (name) => {
      try {
        return JSON.parse(readFile(path.join(log, `${name}.json`)))
      } catch {
        return undefined
      }
    },
  }
}

const mntOf = (line: string | undefined) => /mnt=(\S*)/.exec(line ?? '')?.[1] ?? ''

interface Lifecycle {
  afterCreate: string[]
  afterStart: string[]
  beforeDelete: string[]
  afterDelete: string[]
  pid: number
  containerMnt: string
  deleteCode: number | null
}

/** create, start, kill, delete a hookBundle, recording the log after each step. */
async function lifecycle(c: Ctx, h: HookRun): Promise<Lifecycle> {
  await c.mustCreate(h.b)
  const afterCreate = h.names()
  const st = await c.state(h.b.id)
  const pid = st?.pid ?? 0
  const containerMnt = nsLink(pid, 'mnt')
  await c.mustStart(h.b.id)
  const afterStart = h.names()
  await c.rt(['kill', h.b.id, 'KILL'])
  await c.waitStatus(h.b.id, 'stopped')
  const beforeDelete = h.names()
  const d = await c.rt(['delete', h.b.id])
  return { afterCreate, afterStart, beforeDelete, afterDelete: h.names(), pid, containerMnt, deleteCode: d.code }
}

const S = 'config.md' as const
const R = 'runtime.md' as const

/** A failing hook of `kind` during create: create fails, nothing left, the program never ran. */
function createHookFails(kind: 'prestart' | 'createRuntime' | 'createContainer'): Requirement {
  return {
    id: `rt.lifecycle.${kind}-fails`,
    spec: R,
    section: 'Lifecycle',
    level: 'MUST',
    text: `If any ${kind} hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.`,
    how: `outside: a ${kind} hook exiting 1 makes create fail; afterwards state fails, the cgroup is gone and the user program never ran`,
    async check(c) {
      const h = hookBundle(c, { [kind]: [{ exit: 1 }] })
      const r = await c.create(h.b)
      expect(r.code !== 0, `create succeeded although a ${kind} hook failed`)
      expect(h.names().includes(kind), `the ${kind} hook did not run`, { log: h.lines() })
      await sleep(200)
      expect(!h.names().includes('process'), 'the user program ran', { log: h.lines() })
      expect((await c.state(h.b.id)) === undefined, 'the container still exists (state succeeds)')
      const left = await waitFor(() => existingCgroupDirs(h.b.cgroupsPath).length === 0, 2000)
      expect(left, 'the container\'s cgroup is left', { dirs: existingCgroupDirs(h.b.cgroupsPath) })
    },
  }
}

export const hookRequirements: Requirement[] = [
  {
    id: 'cfg.hooks.prestart',
    spec: S,
    section: 'POSIX-platform Hooks / Prestart',
    level: 'MUST',
    text: 'The prestart hooks MUST be called as part of the create operation after the runtime environment has been created (according to the configuration in config.json) but before the pivot_root or any equivalent operation has been executed. ... The prestart hooks MUST be executed in the runtime namespace. (runtime.md, Lifecycle 3: The prestart hooks MUST be invoked by the runtime.)',
    how: 'outside: the prestart hook has run when create returns, in the host\'s mount namespace',
    async check(c) {
      const h = hookBundle(c, { prestart: [{}] })
      const l = await lifecycle(c, h)
      expect(l.afterCreate.includes('prestart'), 'prestart did not run during create', { log: h.lines() })
      expectEqual(mntOf(h.line('prestart')), nsLink('self', 'mnt'), 'mount namespace of the prestart hook')
    },
  },
  {
    id: 'cfg.hooks.prestart-before-createRuntime',
    spec: S,
    section: 'Prestart',
    level: 'MUST',
    text: 'The prestart hooks MUST be called before the createRuntime hooks.',
    how: 'outside: in the hook log, prestart comes before createRuntime',
    async check(c) {
      const h = hookBundle(c, { prestart: [{}], createRuntime: [{}] })
      await lifecycle(c, h)
      const n = h.names()
      expect(n.indexOf('prestart') >= 0 && n.indexOf('prestart') < n.indexOf('createRuntime'), 'prestart is not before createRuntime', { log: n })
    },
  },
  {
    id: 'cfg.hooks.createRuntime',
    spec: S,
    section: 'CreateRuntime Hooks',
    level: 'MUST',
    text: 'The createRuntime hooks MUST be called as part of the create operation ... The createRuntime hooks\' path MUST resolve in the runtime namespace. The createRuntime hooks MUST be executed in the runtime namespace. (runtime.md, Lifecycle 4: The createRuntime hooks MUST be invoked by the runtime.)',
    how: 'outside: a hook at a host path (absent from the rootfs) has run when create returns, not before, in the host\'s mount namespace',
    async check(c) {
      const h = hookBundle(c, { createRuntime: [{}] })
      const l = await lifecycle(c, h)
      expect(l.afterCreate.includes('createRuntime'), 'createRuntime did not run during create', { log: h.lines() })
      expectEqual(mntOf(h.line('createRuntime')), nsLink('self', 'mnt'), 'mount namespace of the createRuntime hook')
    },
  },
  {
    id: 'cfg.hooks.createContainer',
    spec: S,
    section: 'CreateContainer Hooks',
    level: 'MUST',
    text: 'The createContainer hooks MUST be called after the createRuntime hooks. The createContainer hooks\' path MUST resolve in the runtime namespace. The createContainer hooks MUST be executed in the container namespace. (runtime.md, Lifecycle 5: MUST be invoked by the runtime.)',
    how: 'outside: a hook at a host path (absent from the rootfs) has run when create returns, after createRuntime, in the container process\'s mount namespace',
    async check(c) {
      const h = hookBundle(c, { createRuntime: [{}], createContainer: [{}] })
      const l = await lifecycle(c, h)
      expect(l.afterCreate.includes('createContainer'), 'createContainer did not run during create', { log: h.lines() })
      const n = h.names()
      expect(n.indexOf('createRuntime') < n.indexOf('createContainer'), 'createContainer ran before createRuntime', { log: n })
      expectEqual(mntOf(h.line('createContainer')), l.containerMnt, 'mount namespace of the createContainer hook (the container\'s)')
    },
  },
  {
    id: 'cfg.hooks.startContainer',
    spec: S,
    section: 'StartContainer Hooks',
    level: 'MUST',
    text: 'The startContainer hooks MUST be called before the user-specified process is executed as part of the start operation. ... The startContainer hooks\' path MUST resolve in the container namespace. The startContainer hooks MUST be executed in the container namespace.',
    how: 'inside+outside: a hook at /hooks/hook.sh (only in the rootfs) runs during start (not create), before the user program logs itself, in the container\'s mount namespace',
    async check(c) {
      const h = hookBundle(c, { startContainer: [{}] })
      const l = await lifecycle(c, h)
      expect(!l.afterCreate.includes('startContainer'), 'startContainer ran during create', { log: l.afterCreate })
      const n = h.names()
      expect(n.includes('startContainer'), 'startContainer did not run', { log: h.lines() })
      expect(n.indexOf('startContainer') < n.indexOf('process') || !n.includes('process'), 'the user program ran before startContainer', { log: n })
      expectEqual(mntOf(h.line('startContainer')), l.containerMnt, 'mount namespace of the startContainer hook (the container\'s)')
    },
  },
  {
    id: 'cfg.hooks.poststart',
    spec: S,
    section: 'Poststart',
    level: 'MUST',
    text: 'The poststart hooks MUST be called after the user-specified process is executed but before the start operation returns. ... The poststart hooks MUST be executed in the runtime namespace. (runtime.md, Lifecycle 9: MUST be invoked by the runtime.)',
    how: 'outside: the poststart hook has not run when create returns and has run when start returns, in the host\'s mount namespace',
    async check(c) {
      const h = hookBundle(c, { poststart: [{}] })
      const l = await lifecycle(c, h)
      expect(!l.afterCreate.includes('poststart'), 'poststart ran during create (before the user process was executed)', { log: l.afterCreate })
      expect(l.afterStart.includes('poststart'), 'poststart had not run when start returned', { log: l.afterStart })
      expectEqual(mntOf(h.line('poststart')), nsLink('self', 'mnt'), 'mount namespace of the poststart hook')
    },
  },
  {
    id: 'cfg.hooks.poststop',
    spec: S,
    section: 'Poststop',
    level: 'MUST',
    text: 'The poststop hooks MUST be called after the container is deleted but before the delete operation returns. ... The poststop hooks MUST be executed in the runtime namespace. (runtime.md, Lifecycle 13: MUST be invoked by the runtime.)',
    how: 'outside: the poststop hook has not run before delete and has run when delete returns, in the host\'s mount namespace, after the container process is gone',
    async check(c) {
      const h = hookBundle(c, { poststop: [{}] })
      const l = await lifecycle(c, h)
      expect(!l.beforeDelete.includes('poststop'), 'poststop ran before delete', { log: l.beforeDelete })
      expect(l.afterDelete.includes('poststop'), 'poststop had not run when delete returned', { log: l.afterDelete })
      expectEqual(mntOf(h.line('poststop')), nsLink('self', 'mnt'), 'mount namespace of the poststop hook')
      expect(!procAlive(l.pid), 'the container process is still alive after delete')
    },
  },
  {
    id: 'cfg.hooks.order',
    spec: S,
    section: 'POSIX-platform Hooks',
    level: 'MUST',
    text: 'Hooks MUST be called in the listed order.',
    how: 'outside: three createRuntime and three poststop hooks log themselves in the listed order; over the lifecycle the kinds run in the order prestart, createRuntime, createContainer, startContainer, poststart, poststop',
    async check(c) {
      const three = (k: string) => [1, 2, 3].map((i) => ({ name: `${k}-${i}` }))
      const h = hookBundle(c, {
        prestart: [{}],
        createRuntime: three('createRuntime'),
        createContainer: [{}],
        startContainer: [{}],
        poststart: [{}],
        poststop: three('poststop'),
      })
      await lifecycle(c, h)
      const n = h.names().filter((x) => x !== 'process')
      expectEqual(n, [
        'prestart', 'createRuntime-1', 'createRuntime-2', 'createRuntime-3', 'createContainer', 'startContainer', 'poststart',
        'poststop-1', 'poststop-2', 'poststop-3',
      ], 'hook order')
    },
  },
  {
    id: 'cfg.hooks.state-stdin',
    spec: S,
    section: 'POSIX-platform Hooks',
    level: 'MUST',
    text: 'The state of the container MUST be passed to hooks over stdin so that they may do work appropriate to the current state of the container.',
    how: 'outside: every hook\'s stdin is a state JSON with ociVersion, the container id, a status, the bundle path, and a pid for the hooks before poststop',
    async check(c) {
      const h = hookBundle(c)
      await lifecycle(c, h)
      for (const k of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
        const st = h.state(k)
        expect(st, `${k}: stdin is not a JSON state`, { raw: readFile(path.join(h.log, `${k}.json`)) })
        expect(typeof st.ociVersion === 'string' && typeof st.status === 'string', `${k}: ociVersion/status missing`, { state: st })
        expectEqual([st.id, st.bundle], [h.b.id, h.b.dir], `${k}: id, bundle`)
        if (k !== 'poststop') expect(Number.isInteger(st.pid) && st.pid > 0, `${k}: pid missing`, { state: st })
      }
    },
  },
  {
    id: 'rt.state.pid-in-hooks',
    spec: R,
    section: 'State',
    level: 'MUST',
    text: 'pid (int, REQUIRED when status is created or running on Linux, OPTIONAL on other platforms) is the ID of the container process. For hooks executed in the runtime namespace, it is the pid as seen by the runtime. For hooks executed in the container namespace, it is the pid as seen by the container.',
    how: 'outside: in the states on the hooks\' stdin, prestart, createRuntime and poststart get the host pid of the container process (state\'s pid); createContainer and startContainer (container namespace, new pid namespace) get 1',
    async check(c) {
      const h = hookBundle(c, { prestart: [{}], createRuntime: [{}], createContainer: [{}], startContainer: [{}], poststart: [{}] })
      await c.mustCreate(h.b)
      const pid = (await c.state(h.b.id))?.pid
      await c.mustStart(h.b.id)
      const got = Object.fromEntries(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart'].map((k) => [k, h.state(k)?.pid]))
      expectEqual(got, { prestart: pid, createRuntime: pid, createContainer: 1, startContainer: 1, poststart: pid }, 'pid in each hook\'s state')
    },
  },
  {
    id: 'cfg.hooks.args-env',
    spec: S,
    section: 'POSIX-platform Hooks',
    level: 'MUST',
    text: 'args (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008 execv\'s argv. / env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008\'s environ.',
    basis: APPLY_HOOKS(),
    how: 'outside: a createRuntime hook with env ["HOOK_ENV=from-config"] sees that value and its configured arguments',
    async check(c) {
      const h = hookBundle(c, { createRuntime: [{ env: ['HOOK_ENV=from-config', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'] }] })
      await lifecycle(c, h)
      const line = h.line('createRuntime') ?? ''
      expect(/env=from-config /.test(line), 'the hook did not get its env', { line })
      expect(line.endsWith(`args=createRuntime ${h.log}`), 'the hook did not get its args', { line })
    },
  },
  {
    id: 'cfg.hooks.timeout',
    spec: S,
    section: 'POSIX-platform Hooks',
    level: 'MUST',
    text: 'timeout (int, OPTIONAL) is the number of seconds before aborting the hook.',
    basis: APPLY_HOOKS(),
    how: 'outside: a createRuntime hook that execs sleep 20 with timeout 1 makes create fail within 8 s',
    async check(c) {
      const h = hookBundle(c, { createRuntime: [{ sleep: 20, timeout: 1 }] })
      const t0 = Date.now()
      const r = await c.create(h.b, h.b.id, { timeout: 25000 })
      const ms = Date.now() - t0
      expect(r.code !== 0, 'create succeeded although the hook timed out')
      expect(ms < 8000, `create took ${ms} ms: the hook was not aborted after 1 s`)
    },
  },
  {
    id: 'rt.create.config-changes-ignored-hooks',
    spec: R,
    section: 'Lifecycle (step 2)',
    level: 'MUST',
    text: 'Any updates to config.json after this step MUST NOT affect the container.',
    how: 'outside: the hooks are removed from config.json after create; the startContainer, poststart and poststop hooks still run',
    async check(c) {
      const h = hookBundle(c, { startContainer: [{}], poststart: [{}], poststop: [{}] })
      await c.mustCreate(h.b)
      delete h.b.config.hooks
      h.b.write()
      await c.mustStart(h.b.id)
      await c.rt(['kill', h.b.id, 'KILL'])
      await c.waitStatus(h.b.id, 'stopped')
      await c.rt(['delete', h.b.id])
      const n = h.names()
      for (const k of ['startContainer', 'poststart', 'poststop']) expect(n.includes(k), `${k} did not run after config.json lost its hooks`, { log: n })
    },
  },
  createHookFails('prestart'),
  createHookFails('createRuntime'),
  createHookFails('createContainer'),
  {
    id: 'rt.lifecycle.failed-create-poststop',
    spec: R,
    section: 'Lifecycle (steps 4, 12, 13)',
    level: 'MUST',
    text: 'If any createRuntime hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12. ... 12. The container MUST be destroyed by undoing the steps performed during create phase (step 2). 13. The poststop hooks MUST be invoked by the runtime.',
    how: 'outside: with a failing createRuntime hook and a poststop hook, create fails and the poststop hook has run when it returns (the lifecycle continues at step 12, then 13)',
    async check(c) {
      const h = hookBundle(c, { createRuntime: [{ exit: 1 }], poststop: [{}] })
      const r = await c.create(h.b)
      expect(r.code !== 0, 'create succeeded although a createRuntime hook failed')
      expect(h.names().includes('poststop'), 'no poststop hook ran after the failed create', { log: h.lines() })
    },
  },
  {
    id: 'rt.lifecycle.startContainer-fails',
    spec: R,
    section: 'Lifecycle',
    level: 'MUST',
    text: 'If any startContainer hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.',
    how: 'outside: a startContainer hook exiting 1 makes start fail; the user program never runs and the container process is gone',
    async check(c) {
      const h = hookBundle(c, { startContainer: [{ exit: 1 }] })
      await c.mustCreate(h.b)
      const pid = (await c.state(h.b.id))?.pid ?? 0
      const r = await c.rt(['start', h.b.id])
      expect(r.code !== 0, 'start succeeded although a startContainer hook failed')
      await sleep(200)
      expect(!h.names().includes('process'), 'the user program ran', { log: h.lines() })
      expect(await waitFor(() => !procAlive(pid), 10000), 'the container process is still alive')
      const st = await c.state(h.b.id)
      expect(st === undefined || st.status === 'stopped', `container status after the failure: ${st?.status}`)
    },
  },
  {
    id: 'rt.lifecycle.poststart-fails',
    spec: R,
    section: 'Lifecycle',
    level: 'MUST',
    text: 'If any poststart hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.',
    how: 'outside: of two poststart hooks the first exits 1; start still succeeds, the second hook runs and the container keeps running',
    async check(c) {
      const h = hookBundle(c, { poststart: [{ name: 'poststart-1', exit: 1 }, { name: 'poststart-2' }] })
      await c.mustCreate(h.b)
      const r = await c.rt(['start', h.b.id])
      expect(h.names().includes('poststart-2'), 'the second poststart hook did not run', { log: h.lines(), stderr: r.stderr })
      expect(r.code === 0, `start failed (exit ${r.code}) because of a poststart hook`, { stderr: r.stderr })
      expectEqual((await c.state(h.b.id))?.status, 'running', 'status after start')
    },
  },
  {
    id: 'rt.lifecycle.poststop-fails',
    spec: R,
    section: 'Lifecycle',
    level: 'MUST',
    text: 'If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.',
    how: 'outside: of two poststop hooks the first exits 1; delete still succeeds, the second hook runs and the container is gone',
    async check(c) {
      const h = hookBundle(c, { poststop: [{ name: 'poststop-1', exit: 1 }, { name: 'poststop-2' }] })
      const l = await lifecycle(c, h)
      expect(l.afterDelete.includes('poststop-2'), 'the second poststop hook did not run', { log: l.afterDelete })
      expect(l.deleteCode === 0, `delete failed (exit ${l.deleteCode}) because of a poststop hook`)
      expect((await c.state(h.b.id)) === undefined, 'the container still exists')
    },
  },
]

function APPLY_HOOKS(): string {
  return 'runtime.md, Lifecycle: "The createRuntime hooks MUST be invoked by the runtime." (a hook is invoked as configured)'
}
