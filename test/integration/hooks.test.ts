// OCI hooks, all six kinds, with real containers: the order they run in, the
// state each reads on stdin, their args and env, the namespaces they run in,
// and every way a hook fails (exit status, timeout, missing program): create
// and start fail and leave nothing behind, poststart and poststop only warn.
// Compared with runc 1.1.5 where it behaves the same.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  isOcits,
  makeBundle,
  makeTempDir,
  procAlive,
  referenceRunc,
  runtime,
  stateOf,
  traceOf,
  waitFor,
  type Bundle,
  type Runtime,
  type RuntimeOptions,
  runtimeBin,
  withReference,
} from '../helpers'

const OCITS = isOcits()
const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const
type Kind = (typeof KINDS)[number]
const CREATE_KINDS: Kind[] = ['prestart', 'createRuntime', 'createContainer']

/**
 * A hook that appends one record to LOG: its name ($0), the state on stdin,
 * its argv[0] and environment (as execve gave them), its mount and pid
 * namespaces, whether it sees the container's root (a marker file), its uid.
 * The program is /bin/busybox with args[0] "sh": on the host and (through the
 * bind mount of the log dir) in the container.
 */
function recorder(log: string): string {
  return [
    'st=$(cat)',
    // opened by the shell itself (/proc/$$ would be another process before pivot_root: the host's /proc)
    'exec 3</proc/self/cmdline 4</proc/self/environ',
    "a0=$(tr '\\0' '\\n' <&3 | head -n 1)",
    "env=$(tr '\\0' ';' <&4)",
    'mnt=$(readlink /proc/self/ns/mnt)',
    'pidns=$(readlink /proc/self/ns/pid)',
    'in=no; [ -e /ocits-hook-marker ] && in=yes',
    `printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$0" "$st" "$a0" "$env" "$mnt" "$pidns" "$in" "$(id -u)" >> ${log}`,
  ].join('; ')
}

interface Rec {
  name: string
  state: Record<string, any>
  argv0: string
  env: string[]
  mnt: string
  pidns: string
  inContainer: boolean
  uid: string
}

function records(log: string): Rec[] {
  let text = ''
  try {
    text = fs.readFileSync(log, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, st, argv0, env, mnt, pidns, inC, uid] = line.split('\t')
      let state: Record<string, any> = {}
      try {
        state = JSON.parse(st)
      } catch {
        state = { unparsed: st }
      }
      return { name, state, argv0, env: env ? env.split(';').filter(Boolean) : [], mnt, pidns, inContainer: inC === 'yes', uid }
    })
}

interface HookSetup {
  dir: string
  log: string
  hook: (name: string, extra?: { env?: string[]; timeout?: number; script?: string }) => Record<string, unknown>
}

/** A log dir bound into the container at the same path, so one hook path works on both sides. */
function hookSetup(t: Test): HookSetup {
  const dir = fs.realpathSync(makeTempDir(t, 'hooks'))
  const log = path.join(dir, 'log')
  const hook = (name: string, extra: { env?: string[]; timeout?: number; script?: string } = {}) => {
    const h: Record<string, unknown> = { path: '/bin/busybox', args: ['sh', '-c', extra.script ?? recorder(log), name] }
    if (extra.env) h.env = extra.env
    if (extra.timeout) h.timeout = extra.timeout
    return h
  }
  return { dir, log, hook }
}

function bindLogDir(b: Bundle, dir: string): void {
  b.config.mounts.push({ destination: dir, type: 'bind', source: dir, options: ['rbind', 'rw'] })
  fs.writeFileSync(path.join(b.rootfs, 'ocits-hook-marker'), '')
}

/**
 * The runtime under test, started without tap's NODE_OPTIONS and _TAPJS_*
 * variables (through a small wrapper: tap patches this process's spawn to
 * add them back): tap's process-info loader in the runtime would patch its
 * child_process and add its variables to every hook's environment.
 */
function hookRuntime(t: Test, opts: RuntimeOptions = {}): Runtime {
  const real = opts.bin ?? runtimeBin()
  const wrapper = path.join(makeTempDir(t, 'wrap'), 'runtime')
  const script = `#!/bin/sh\nfor v in $(env | sed -n 's/^\\(_TAPJS[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset "$v"; done\nunset NODE_OPTIONS\nexec ${real} "$@"\n`
  fs.writeFileSync(wrapper, script, { mode: 0o755 })
  return runtime(t, { ...opts, bin: wrapper })
}

const nsOf = (pid: number | 'self', ns: string) => fs.readlinkSync(`/proc/${pid}/ns/${ns}`)

async function deleteAll(r: Runtime, id: string): Promise<void> {
  await r.rt(['delete', '--force', id])
}

t.test('all six kinds: order, state on stdin, args, env and namespaces', async (t) => {
  const r = hookRuntime(t)
  const h = hookSetup(t)
  const b = makeBundle(t, (c, bb) => {
    bindLogDir(bb, h.dir)
    c.annotations = { 'org.example.key': 'value' }
    c.hooks = {}
    for (const k of KINDS) c.hooks[k] = [h.hook(k, { env: [`KIND=${k}`, 'TWO=a b'] })]
    // a second prestart without env: it gets an empty environment, as runc
    c.hooks.prestart.push(h.hook('prestart-noenv'))
  })
  t.teardown(() => deleteAll(r, b.id))
  const created = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(created.code, 0, 'create', diag(created))
  const st = await stateOf(r, b.id)
  const pid = st?.pid as number
  t.ok(pid > 0, 'the init has a pid')
  // runc 1.1.5 runs poststart at create (status "created"), right after createContainer
  const atCreate = ['prestart', 'prestart-noenv', 'createRuntime', 'createContainer', ...(OCITS ? [] : ['poststart'])]
  t.same(records(h.log).map((x) => x.name), atCreate, 'create runs prestart, createRuntime, createContainer in order')
  const initMnt = nsOf(pid, 'mnt')
  const initPidNs = nsOf(pid, 'pid')

  const started = await r.rt(['start', b.id])
  t.equal(started.code, 0, 'start', diag(started))
  const atStart = OCITS ? ['startContainer', 'poststart'] : ['startContainer']
  t.same(records(h.log).map((x) => x.name), [...atCreate, ...atStart], 'start runs startContainer, then poststart')
  t.equal((await stateOf(r, b.id))?.status, 'running', 'running after start')
  process.kill(pid, 'SIGKILL')
  await waitFor(() => !procAlive(pid), { timeout: 5000 })
  const del = await r.rt(['delete', b.id])
  t.equal(del.code, 0, 'delete', diag(del))
  await assertNoTrace(t, traceOf(r.root, b))

  const recs = records(h.log)
  t.same(recs.map((x) => x.name), [...atCreate, ...atStart, 'poststop'], 'every hook once, in lifecycle order')
  const status: Record<string, string> = {
    prestart: 'creating',
    'prestart-noenv': 'creating',
    createRuntime: 'creating',
    createContainer: 'creating',
    startContainer: 'created',
    poststart: OCITS ? 'running' : 'created',
    poststop: 'stopped',
  }
  const hostMnt = nsOf('self', 'mnt')
  for (const x of recs) {
    t.equal(x.state.status, status[x.name], `${x.name}: status ${status[x.name]}`)
    t.equal(x.state.id, b.id, `${x.name}: id`)
    t.equal(x.state.bundle, b.dir, `${x.name}: bundle`)
    t.same(x.state.annotations, { 'org.example.key': 'value' }, `${x.name}: annotations`)
    t.match(x.state.ociVersion, /^\d+\.\d+\.\d+/, `${x.name}: ociVersion`)
    t.equal(x.argv0, 'sh', `${x.name}: args[0] is argv[0]`)
    if (x.name === 'poststop') t.notOk('pid' in x.state, 'poststop: no pid, as runc')
    // runtime.md State: hooks in the container's namespaces get the pid as the container sees it (1: a new pid namespace)
    else if (['createContainer', 'startContainer'].includes(x.name)) t.equal(x.state.pid, 1, `${x.name}: pid as seen in the container`)
    else t.equal(x.state.pid, pid, `${x.name}: pid is the init's host pid`)
    // runc 1.1.5 gives a hook without env its own environment
    if (x.name === 'prestart-noenv') {
      if (OCITS) t.same(x.env, [], 'no env given: an empty environment')
    }
    else t.same(x.env, [`KIND=${x.name}`, 'TWO=a b'], `${x.name}: exactly its env`)
  }
  const rec = (n: string) => recs.find((x) => x.name === n)!
  for (const n of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
    t.equal(rec(n).mnt, hostMnt, `${n}: in the runtime's mount namespace`)
    t.notOk(rec(n).inContainer, `${n}: on the host's filesystem`)
  }
  t.equal(rec('createContainer').mnt, initMnt, "createContainer: in the container's mount namespace")
  t.equal(rec('createContainer').pidns, initPidNs, "createContainer: in the container's pid namespace")
  t.notOk(rec('createContainer').inContainer, 'createContainer: before pivot_root (the host path resolves)')
  t.equal(rec('startContainer').mnt, initMnt, "startContainer: in the container's mount namespace")
  t.equal(rec('startContainer').pidns, initPidNs, "startContainer: in the container's pid namespace")
  t.ok(rec('startContainer').inContainer, "startContainer: in the container's root")
})

t.test('hooks are kept at create: editing config.json later changes nothing', async (t) => {
  const r = hookRuntime(t)
  const h = hookSetup(t)
  const b = makeBundle(t, (c, bb) => {
    bindLogDir(bb, h.dir)
    c.process.args = ['true']
    c.hooks = { poststart: [h.hook('poststart')], poststop: [h.hook('poststop')] }
  })
  t.teardown(() => deleteAll(r, b.id))
  t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
  b.config.hooks = { poststart: [h.hook('edited-poststart')], poststop: [h.hook('edited-poststop')] }
  b.writeConfig()
  t.equal((await r.rt(['start', b.id])).code, 0, 'start')
  await waitFor(async () => (await stateOf(r, b.id))?.status === 'stopped', { timeout: 5000 })
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  t.same(records(h.log).map((x) => x.name), ['poststart', 'poststop'], 'the hooks of create time ran')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('run: every hook, and poststop after the container exited', async (t) => {
  const r = hookRuntime(t)
  const h = hookSetup(t)
  const b = makeBundle(t, (c, bb) => {
    bindLogDir(bb, h.dir)
    c.process.args = ['sh', '-c', 'exit 7']
    c.hooks = {}
    for (const k of KINDS) c.hooks[k] = [h.hook(k)]
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 7, "run's exit code is the container's", diag(res))
  const names = records(h.log).map((x) => x.name)
  if (OCITS) t.same(names, [...KINDS], 'all six in lifecycle order')
  else t.same([...names].sort(), [...KINDS].sort(), 'all six ran')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('create-time order is runc\'s', { skip: OCITS && referenceRunc() ? false : 'needs ocits under test and runc installed' }, async (t) => {
  const orders: string[][] = []
  for (const bin of [undefined, referenceRunc()!]) {
    const r = hookRuntime(t, bin ? { bin } : {})
    const h = hookSetup(t)
    const b = makeBundle(t, (c, bb) => {
      bindLogDir(bb, h.dir)
      c.hooks = {}
      for (const k of KINDS) c.hooks[k] = [h.hook(`${k}-1`), h.hook(`${k}-2`)]
    })
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, `${bin ?? "ocits"}: create`, diag(res))
    orders.push(records(h.log).map((x) => x.name).filter((n) => CREATE_KINDS.some((k) => n.startsWith(k))))
    t.equal((await r.rt(['delete', '--force', b.id])).code, 0, `${bin ?? "ocits"}: delete --force`)
    await assertNoTrace(t, traceOf(r.root, b))
  }
  t.same(orders[0], ['prestart-1', 'prestart-2', 'createRuntime-1', 'createRuntime-2', 'createContainer-1', 'createContainer-2'], 'ocits: in order')
  t.same(orders[0], orders[1], 'the same as runc')
})

type Failure = 'exit' | 'timeout' | 'missing'
const FAILURES: Failure[] = ['exit', 'timeout', 'missing']

/** A hook list whose second hook fails the given way (the first succeeds and records). */
function failing(h: HookSetup, kind: Kind, how: Failure): Record<string, unknown>[] {
  const bad =
    how === 'exit'
      ? h.hook(`${kind}-bad`, { script: `echo out-${kind}; echo err-${kind} >&2; exit 3` })
      : how === 'timeout'
        ? h.hook(`${kind}-bad`, { script: 'exec sleep 30', timeout: 1 })
        : { path: '/no/such/hook', args: ['hook'] }
  return [h.hook(`${kind}-ok`), bad, h.hook(`${kind}-after`)]
}

const CAUSE: Record<Failure, RegExp> = {
  exit: /exit status 3, stdout: out-\w+.{0,3}, stderr: err-\w+/,
  timeout: /hook ran past specified timeout of 1\.0s/,
  missing: /fork\/exec \/no\/such\/hook: no such file or directory/,
}

for (const kind of CREATE_KINDS) {
  for (const how of FAILURES) {
    t.test(`${kind} hook fails (${how}): create fails and leaves nothing`, async (t) => {
      const r = hookRuntime(t, { log: undefined })
      const h = hookSetup(t)
      const logFile = path.join(h.dir, 'runtime.log')
      const b = makeBundle(t, (c, bb) => {
        bindLogDir(bb, h.dir)
        c.hooks = { [kind]: failing(h, kind, how), poststop: [h.hook('poststop')] }
      })
      const t0 = Date.now()
      const res = await r.rt(['create', '--bundle', b.dir, b.id], { log: logFile, logFormat: 'json' })
      t.equal(res.code, 1, 'create fails', diag(res))
      if (how === 'timeout') t.ok(Date.now() - t0 < 10000, 'the hook is killed at its timeout')
      if (OCITS) {
        t.match(res.stderr, new RegExp(`^ocits: error running ${kind} hook #1: `), 'names the kind and the hook')
        t.match(res.stderr, CAUSE[how], 'carries the cause')
        const last = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.level === 'error').pop()
        t.match(last?.msg, new RegExp(`error running ${kind} hook #1: `), 'the last error line of the log carries it (containerd)')
      }
      const names = records(h.log).map((x) => x.name)
      t.ok(names.includes(`${kind}-ok`), 'the hook before ran')
      t.notOk(names.includes(`${kind}-after`), 'no hook after the failed one runs')
      // runtime.md lifecycle: a failed prestart/createRuntime/createContainer hook goes on at step 12 (destroy), 13 (poststop)
      t.equal(names[names.length - 1], 'poststop', 'the poststop hooks run, last', { names })
      await assertNoTrace(t, traceOf(r.root, b))
    })
  }
}

for (const how of FAILURES) {
  t.test(`startContainer hook fails (${how}): start fails, the init is gone`, async (t) => {
    const r = hookRuntime(t)
    const h = hookSetup(t)
    const b = makeBundle(t, (c, bb) => {
      bindLogDir(bb, h.dir)
      c.hooks = { startContainer: failing(h, 'startContainer', how), poststart: [h.hook('poststart')], poststop: [h.hook('poststop')] }
    })
    t.teardown(() => deleteAll(r, b.id))
    t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
    const pid = (await stateOf(r, b.id))?.pid as number
    const res = await r.rt(['start', b.id])
    if (OCITS) {
      t.equal(res.code, 1, 'start fails', diag(res))
      t.match(res.stderr, /ocits: error running startContainer hook #1: /, 'with the hook error')
      t.match(res.stderr, CAUSE[how], 'carries the cause')
    }
    await waitFor(() => !procAlive(pid), { timeout: 5000 })
    t.notOk(procAlive(pid), 'the init is gone')
    t.equal((await stateOf(r, b.id))?.status, 'stopped', 'the container is stopped')
    const names = records(h.log).map((x) => x.name)
    t.ok(names.includes('startContainer-ok'), 'the hook before ran')
    t.notOk(names.includes('startContainer-after'), 'no hook after the failed one runs')
    if (OCITS) t.notOk(names.includes('poststart'), 'no poststart after a failed start')
    t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
    t.ok(records(h.log).some((x) => x.name === 'poststop'), 'delete runs poststop')
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

for (const how of FAILURES) {
  t.test(`poststart hook fails (${how}): a warning, the container runs on`, { skip: OCITS ? false : 'runc 1.1.5 runs poststart at create' }, async (t) => {
    const r = hookRuntime(t)
    const h = hookSetup(t)
    const b = makeBundle(t, (c, bb) => {
      bindLogDir(bb, h.dir)
      c.hooks = { poststart: failing(h, 'poststart', how) }
    })
    t.teardown(() => deleteAll(r, b.id))
    t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
    const res = await r.rt(['start', b.id])
    t.equal(res.code, 0, 'start succeeds', diag(res))
    t.match(res.stderr, /warning.*error running poststart hook #1: /, 'logged as a warning')
    t.match(res.stderr, CAUSE[how], 'with the cause')
    t.same(records(h.log).map((x) => x.name), ['poststart-ok', 'poststart-after'], 'the remaining hooks still run')
    t.equal((await stateOf(r, b.id))?.status, 'running', 'the container runs')
    t.equal((await r.rt(['delete', '--force', b.id])).code, 0, 'delete --force')
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

for (const how of FAILURES) {
  t.test(`poststop hook fails (${how}): a warning, delete goes on`, async (t) => {
    const r = hookRuntime(t)
    const h = hookSetup(t)
    const b = makeBundle(t, (c, bb) => {
      bindLogDir(bb, h.dir)
      c.hooks = { poststop: failing(h, 'poststop', how) }
    })
    t.teardown(() => deleteAll(r, b.id))
    t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
    t.equal((await r.rt(['start', b.id])).code, 0, 'start')
    const res = await r.rt(['delete', '--force', b.id])
    t.equal(res.code, 0, 'delete --force succeeds', diag(res))
    if (OCITS) {
      t.match(res.stderr, /warning.*error running poststop hook #1: /, 'logged as a warning')
      t.match(res.stderr, CAUSE[how], 'with the cause')
      t.same(records(h.log).map((x) => x.name), ['poststop-ok', 'poststop-after'], 'the remaining hooks still run')
    }
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

t.test('delete of a created container runs poststop', async (t) => {
  const r = hookRuntime(t)
  const h = hookSetup(t)
  const b = makeBundle(t, (c, bb) => {
    bindLogDir(bb, h.dir)
    c.hooks = { poststop: [h.hook('poststop')] }
  })
  t.teardown(() => deleteAll(r, b.id))
  t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  t.same(records(h.log).map((x) => x.name), ['poststop'], 'poststop ran')
  t.equal(records(h.log)[0]?.state.status, 'stopped', 'status stopped')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('a hook that does not read its stdin, and one that writes much', async (t) => {
  const r = hookRuntime(t)
  const h = hookSetup(t)
  // more than a pipe holds; the init's states (two of them) travel in one message, in parts when large
  const big = 'x'.repeat(90 * 1024)
  const b = makeBundle(t, (c, bb) => {
    bindLogDir(bb, h.dir)
    c.process.args = ['true']
    c.annotations = { big }
    const quiet = { script: 'exit 0' }
    const noisy = { script: 'i=0; while [ $i -lt 2000 ]; do echo 0123456789012345678901234567890123456789; i=$((i+1)); done; cat >/dev/null' }
    c.hooks = {}
    for (const k of KINDS) c.hooks[k] = [h.hook(`${k}-quiet`, quiet), h.hook(`${k}-noisy`, noisy), h.hook(k)]
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'run', diag(res))
  const recs = records(h.log)
  t.same(recs.map((x) => x.name).sort(), [...KINDS].sort(), 'every recorder ran')
  t.ok(recs.every((x) => x.state.annotations?.big === big), 'each read the whole state (90 KiB of annotations)')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('invalid hooks are refused before anything runs, naming the field', { skip: OCITS ? false : 'ocits-only wording' }, async (t) => {
  const cases: [string, (c: any) => void, string][] = [
    ['relative path', (c) => (c.hooks = { prestart: [{ path: 'bin/true' }] }), '/hooks/prestart/0/path'],
    ['fractional timeout', (c) => (c.hooks = { poststop: [{ path: '/bin/true' }, { path: '/bin/true', timeout: 1.5 }] }), '/hooks/poststop/1/timeout'],
  ]
  for (const [what, mutate, ptr] of cases) {
    const r = hookRuntime(t)
    const b = makeBundle(t, mutate)
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${what}: refused`, diag(res))
    t.match(res.stderr, new RegExp(`^ocits: .*${ptr.replace(/\//g, '\\/')}`), `${what}: names ${ptr}`)
    await assertNoTrace(t, traceOf(r.root, b))
  }
})

// runtime.md says nothing of a hook's working directory; runc runs
// createContainer hooks in the container's root (it chdirs there before
// them), startContainer ones in process.cwd, and the runtime's own in the
// bundle dir when the command is create or run (runc chdirs into the bundle),
// in the caller's working directory otherwise (start, delete).
t.test("each hook kind's working directory is runc's: createContainer in the rootfs", async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const logs = makeTempDir(t, 'tmp')
    const caller = makeTempDir(t, 'tmp')
    const b = makeBundle(t, (c) => {
      c.root.readonly = false
      c.process.cwd = '/tmp'
      c.process.args = ['true']
      c.mounts.push({ destination: logs, type: 'bind', source: logs, options: ['bind'] })
      c.hooks = {}
      for (const kind of KINDS) {
        const script = kind === 'createContainer' ? `pwd > ${logs}/${kind}; mkdir -p lib; echo from-the-hook > lib/x` : `pwd > ${logs}/${kind}`
        c.hooks[kind] = [{ path: '/bin/sh', args: ['sh', '-c', script] }]
      }
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id], { cwd: caller })
    t.equal(res.code, 0, `${name}: run`, diag(res))
    const pwd = (kind: Kind) => {
      try {
        return fs.readFileSync(path.join(logs, kind), 'utf8').trim()
      } catch {
        return '(did not run)'
      }
    }
    t.equal(pwd('createContainer'), b.rootfs, `${name}: createContainer runs in the rootfs`)
    t.equal(fs.readFileSync(path.join(b.rootfs, 'lib/x'), 'utf8'), 'from-the-hook\n', `${name}: so ./lib/x is written into the rootfs`)
    t.equal(pwd('startContainer'), '/tmp', `${name}: startContainer runs in process.cwd`)
    for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const) {
      t.equal(pwd(kind), b.dir, `${name}: ${kind} runs in the bundle dir (run)`)
    }
    await assertNoTrace(t, traceOf(r.root, b), name)
  }
  if (!OCITS) return
  // create, start and delete as three commands (runc 1.1.5 runs poststart at create)
  const r = runtime(t)
  const logs = makeTempDir(t, 'tmp')
  const caller = makeTempDir(t, 'tmp')
  const b = makeBundle(t, (c) => {
    c.hooks = {}
    for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const) c.hooks[kind] = [{ path: '/bin/sh', args: ['sh', '-c', `pwd > ${logs}/${kind}`] }]
  })
  for (const cmd of [['create', '--bundle', b.dir, '--pid-file', 'init.pid', b.id], ['start', b.id], ['kill', b.id, 'KILL']]) {
    const res = await r.rt(cmd, { cwd: caller })
    t.equal(res.code, 0, cmd[0], diag(res))
  }
  t.ok(fs.existsSync(path.join(caller, 'init.pid')), "a relative --pid-file is the caller's (as runc's revisePidFile)")
  await waitFor(async () => (await stateOf(r, b.id))?.status === 'stopped')
  t.equal((await r.rt(['delete', b.id], { cwd: caller })).code, 0, 'delete')
  const pwd = (kind: string) => fs.readFileSync(path.join(logs, kind), 'utf8').trim()
  t.equal(pwd('prestart'), b.dir, 'create: prestart in the bundle dir')
  t.equal(pwd('createRuntime'), b.dir, 'create: createRuntime in the bundle dir')
  t.equal(pwd('poststart'), caller, "start: poststart in the caller's working directory")
  t.equal(pwd('poststop'), caller, "delete: poststop in the caller's working directory")
})
