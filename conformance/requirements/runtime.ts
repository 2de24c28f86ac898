// runtime.md: state, lifecycle and the operations, observed from outside.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CheckFailure, expect, expectEqual, readFile, type Ctx } from '../harness'
import { existingCgroupDirs, nsLink, procAlive, readOr, sleep, waitFor } from '../host'
import type { Requirement } from '../requirement'

const S = 'runtime.md' as const

/** A created container running `sleep 1000`. */
async function created(c: Ctx, mutate?: Parameters<Ctx['bundle']>[1]) {
  const b = c.bundle(['sleep', '1000'], mutate)
  await c.mustCreate(b)
  return b
}

async function running(c: Ctx) {
  const b = await created(c)
  await c.mustStart(b.id)
  const st = await c.waitStatus(b.id, 'running', 10000)
  expect(st?.status === 'running', 'container is not running after start', { state: st })
  return { b, pid: st.pid as number }
}

async function stopped(c: Ctx) {
  const b = c.bundle(['true'])
  await c.mustCreate(b)
  await c.mustStart(b.id)
  const st = await c.waitStatus(b.id, 'stopped')
  expect(st?.status === 'stopped', 'container did not stop after its process exited', { state: st })
  return b
}

/** The runtime exits non-zero. */
function errors(r: { code: number | null; stderr: string; argv: string[] }, what: string): void {
  expect(r.code !== 0 && r.code !== null, `${what}: expected an error, got exit ${r.code}`, { argv: r.argv.join(' '), stderr: r.stderr })
}

/** Nothing of a container is left: state fails, no cgroup on any hierarchy. */
async function assertGone(c: Ctx, id: string, cgroupsPath: string, what: string): Promise<void> {
  expect((await c.state(id)) === undefined, `${what}: state still succeeds for ${id}`)
  const left = await waitFor(() => (existingCgroupDirs(cgroupsPath).length === 0 ? [] : undefined), 1000)
  expect(left !== undefined, `${what}: cgroup ${cgroupsPath} still exists`, { dirs: existingCgroupDirs(cgroupsPath) })
}

export const runtimeRequirements: Requirement[] = [
  {
    id: 'rt.scope.operations',
    spec: S,
    section: 'Scope of a Container',
    level: 'MUST',
    text: 'Barring access control concerns, the entity using a runtime to create a container MUST be able to use the operations defined in this specification against that same container.',
    how: 'outside: create, state, start, state, kill, state, delete on one container all succeed',
    async check(c) {
      const b = c.bundle(['sleep', '1000'])
      for (const args of [['create', '--bundle', b.dir, b.id], ['state', b.id], ['start', b.id], ['state', b.id], ['kill', b.id, 'KILL']]) {
        const r = args[0] === 'create' ? await c.create(b) : await c.rt(args)
        expect(r.code === 0, `${args[0]} failed (exit ${r.code})`, { stderr: r.stderr || readFile(b.errFile) })
      }
      expect((await c.waitStatus(b.id, 'stopped'))?.status === 'stopped', 'not stopped after kill')
      const d = await c.rt(['delete', b.id])
      expect(d.code === 0, `delete failed (exit ${d.code})`, { stderr: d.stderr })
    },
  },
  {
    id: 'rt.state.fields',
    spec: S,
    section: 'State / Query State',
    level: 'MUST',
    text: 'This operation MUST return the state of a container as specified in the State section. (ociVersion, id, status, pid: REQUIRED when status is created or running; bundle: "the absolute path to the container\'s bundle directory")',
    how: 'outside: state of a created and of a running container is JSON with ociVersion (string), id, status, pid (integer), bundle equal to the bundle dir',
    async check(c) {
      const b = await created(c)
      for (const want of ['created', 'running']) {
        if (want === 'running') await c.mustStart(b.id)
        const st = await c.state(b.id)
        expect(st, `state is not JSON or failed (${want})`)
        expect(typeof st.ociVersion === 'string' && st.ociVersion !== '', `ociVersion missing (${want})`, { state: st })
        expectEqual(st.id, b.id, `id (${want})`)
        expectEqual(st.status, want, 'status')
        expect(Number.isInteger(st.pid) && st.pid > 0, `pid missing (${want})`, { state: st })
        expectEqual(st.bundle, b.dir, `bundle (${want})`)
      }
    },
  },
  {
    id: 'rt.state.pid',
    spec: S,
    section: 'State',
    level: 'MUST',
    text: 'pid (int, REQUIRED when status is created or running on Linux, OPTIONAL on other platforms) is the ID of the container process.',
    how: 'outside: the pid in state is a live host process whose root holds the bundle\'s rootfs files (same inode) and whose mount namespace is not the host\'s',
    async check(c) {
      const { b, pid } = await running(c)
      expect(procAlive(pid), `pid ${pid} is not a live process`)
      let same = false
      try {
        const a = fs.statSync(`/proc/${pid}/root/bin/busybox`)
        const r = fs.statSync(path.join(b.rootfs, 'bin/busybox'))
        same = a.ino === r.ino && a.dev === r.dev
      } catch {
        /* gone */
      }
      expect(same, `/proc/${pid}/root is not the bundle's rootfs`)
      expect(nsLink(pid, 'mnt') !== nsLink('self', 'mnt'), 'state pid is in the host mount namespace')
    },
  },
  {
    id: 'rt.state.annotations',
    spec: S,
    section: 'State',
    level: 'MUST',
    text: 'annotations (map, OPTIONAL) contains the list of annotations associated with the container. (with "This operation MUST return the state of a container as specified in the State section.")',
    how: 'outside: the config\'s annotations appear unchanged in state',
    async check(c) {
      const ann = { 'org.opencontainers.conformance.key': 'value', 'org.example.empty': '' }
      const b = await created(c, (cfg) => (cfg.annotations = ann))
      expectEqual((await c.state(b.id))?.annotations, ann, 'state annotations')
    },
  },
  {
    id: 'rt.state.status-values',
    spec: S,
    section: 'State',
    level: 'MUST',
    text: 'Additional values MAY be defined by the runtime, however, they MUST be used to represent new runtime states not defined above.',
    how: 'not observable: what a runtime-defined status means cannot be decided from outside',
    notObservable: 'the meaning of a runtime-defined status value cannot be observed',
  },
  {
    id: 'rt.state.id-unique-host',
    spec: S,
    section: 'State',
    level: 'MUST',
    text: 'id (string, REQUIRED) is the container\'s ID. This MUST be unique across all containers on this host.',
    how: 'not observable as a runtime duty: a runc-style CLI scopes ids to its --root (Create speaks of "the scope of the runtime"); uniqueness within one root is rt.create.duplicate-id',
    notObservable: 'ids are scoped by --root; within one root see rt.create.duplicate-id',
  },
  {
    id: 'rt.state.no-id',
    spec: S,
    section: 'Query State',
    level: 'MUST',
    text: 'This operation MUST generate an error if it is not provided the ID of a container.',
    how: 'outside: `state` without an id exits non-zero',
    async check(c) {
      errors(await c.rt(['state']), 'state without id')
    },
  },
  {
    id: 'rt.state.unknown',
    spec: S,
    section: 'Query State',
    level: 'MUST',
    text: 'Attempting to query a container that does not exist MUST generate an error.',
    how: 'outside: `state` of an id never created exits non-zero',
    async check(c) {
      errors(await c.rt(['state', c.newId()]), 'state of an unknown id')
    },
  },
  {
    id: 'rt.create.no-id',
    spec: S,
    section: 'Create',
    level: 'MUST',
    text: 'This operation MUST generate an error if it is not provided a path to the bundle and the container ID to associate with the container.',
    how: 'outside: `create --bundle DIR` without an id exits non-zero and creates nothing (a missing bundle path cannot be expressed: runc\'s CLI defaults it to the cwd)',
    async check(c) {
      const b = c.bundle()
      errors(await c.rt(['create', '--bundle', b.dir]), 'create without id')
      const entries = fs.readdirSync(c.root).filter((e) => !e.startsWith('.'))
      expectEqual(entries, [], 'entries in --root after a failed create')
      expectEqual(existingCgroupDirs(b.cgroupsPath), [], 'cgroup dirs after a failed create')
    },
  },
  {
    id: 'rt.create.duplicate-id',
    spec: S,
    section: 'Create / State',
    level: 'MUST',
    text: 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.',
    how: 'outside: a second create with an id in use fails, and the first container keeps its pid, bundle and status',
    async check(c) {
      const a = await created(c)
      const before = await c.state(a.id)
      const b2 = c.bundle(['sleep', '1000'])
      errors(await c.create(b2, a.id), 'create with an id in use')
      const after = await c.state(a.id)
      expectEqual([after?.pid, after?.bundle, after?.status], [before?.pid, a.dir, 'created'], 'first container (pid, bundle, status)')
      expectEqual(existingCgroupDirs(b2.cgroupsPath), [], 'cgroup of the refused container')
    },
  },
  {
    id: 'rt.create.invalid-id',
    spec: S,
    section: 'Create',
    level: 'MUST',
    text: 'If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.',
    how: 'outside: create with the id "../<unique>" (a path, not an id) fails; nothing appears next to --root; the cgroup is not created',
    async check(c) {
      const b = c.bundle()
      const name = `oc-escape-${path.basename(b.dir)}`
      const r = await c.create(b, `../${name}`)
      const escaped = fs.existsSync(path.join(path.dirname(c.root), name))
      errors(r, 'create with id ../x')
      expect(!escaped, 'a directory was created outside --root')
      expectEqual(existingCgroupDirs(b.cgroupsPath), [], 'cgroup dirs')
    },
  },
  {
    id: 'rt.create.status-created',
    spec: S,
    section: 'Create',
    level: 'MUST',
    text: 'Upon successful completion of this operation the status property of this container MUST be created.',
    how: 'outside: state right after create says "created"',
    async check(c) {
      const b = await created(c)
      expectEqual((await c.state(b.id))?.status, 'created', 'status after create')
    },
  },
  {
    id: 'rt.create.program-not-run',
    spec: S,
    section: 'Lifecycle (step 2) / Create',
    level: 'MUST',
    text: 'While the resources requested in the config.json MUST be created, the user-specified program (from process) MUST NOT be run at this time. / process.args MUST NOT be applied until triggered by the start operation.',
    how: 'inside+outside: the program writes a file into the (writable) rootfs; absent 500 ms after create, present after start',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'echo ran > /ran; sleep 1000'], (cfg) => (cfg.root.readonly = false))
      await c.mustCreate(b)
      await sleep(500)
      expect(!fs.existsSync(path.join(b.rootfs, 'ran')), 'the user program ran before start')
      await c.mustStart(b.id)
      expect(await waitFor(() => fs.existsSync(path.join(b.rootfs, 'ran')), 10000), 'the user program did not run after start')
    },
  },
  {
    id: 'rt.create.resources-created',
    spec: S,
    section: 'Lifecycle (step 2) / Create',
    level: 'MUST',
    text: 'Using the data in config.json, this operation MUST create a new container. This means that all of the resources associated with the container MUST be created.',
    how: 'outside: after create (before start) the process exists in new namespaces and in the cgroup of linux.cgroupsPath',
    async check(c) {
      const b = await created(c)
      const st = await c.state(b.id)
      expect(st && procAlive(st.pid), 'no live container process after create', { state: st })
      for (const ns of ['mnt', 'pid', 'net', 'ipc', 'uts']) {
        expect(nsLink(st.pid, ns) !== nsLink('self', ns), `the created process is in the host ${ns} namespace`)
      }
      const procs = existingCgroupDirs(b.cgroupsPath).map((d) => readOr(path.join(d, 'cgroup.procs')))
      expect(procs.length > 0 && procs.some((p) => p.split('\n').includes(String(st.pid))), 'the created process is not in its cgroup', { procs })
    },
  },
  {
    id: 'rt.create.error-leaves-nothing',
    spec: S,
    section: 'Create / Errors',
    level: 'MUST',
    text: 'If the runtime cannot create the container as specified in config.json, it MUST generate an error and a new container MUST NOT be created. / Unless otherwise stated, generating an error MUST leave the state of the environment as if the operation were never attempted',
    how: 'outside: a bind mount of a missing source fails create; afterwards state fails, no cgroup, nothing mounted under the bundle, no entry in --root',
    async check(c) {
      const b = c.bundle(['true'], (cfg, bb) =>
        cfg.mounts.push({ destination: '/mnt/x', type: 'bind', source: path.join(bb.dir, 'missing'), options: ['bind'] }),
      )
      errors(await c.create(b), 'create with a missing bind source')
      await assertGone(c, b.id, b.cgroupsPath, 'after a failed create')
      const mounted = readOr('/proc/self/mountinfo').split('\n').filter((l) => l.includes(b.dir))
      expectEqual(mounted, [], 'host mounts under the bundle')
      expectEqual(fs.readdirSync(c.root).filter((e) => !e.startsWith('.')), [], 'entries in --root')
    },
  },
  {
    id: 'rt.create.config-changes-ignored',
    spec: S,
    section: 'Lifecycle (step 2)',
    level: 'MUST',
    text: 'Any updates to config.json after this step MUST NOT affect the container.',
    how: 'inside: config.json is rewritten (other args and env) between create and start; the container prints what the original config said',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'echo "args=first env=$WHICH"'], (cfg) => cfg.process.env.push('WHICH=first'))
      await c.mustCreate(b)
      b.config.process.args = ['sh', '-c', 'echo "args=second env=$WHICH"']
      b.config.process.env = b.config.process.env.map((e: string) => (e === 'WHICH=first' ? 'WHICH=second' : e))
      b.write()
      await c.mustStart(b.id)
      await c.waitStatus(b.id, 'stopped')
      expectEqual(readFile(b.outFile).trim(), 'args=first env=first', 'container output')
    },
  },
  {
    id: 'rt.start.no-id',
    spec: S,
    section: 'Start',
    level: 'MUST',
    text: 'This operation MUST generate an error if it is not provided the container ID.',
    how: 'outside: `start` without an id exits non-zero',
    async check(c) {
      errors(await c.rt(['start']), 'start without id')
    },
  },
  {
    id: 'rt.start.unknown',
    spec: S,
    section: 'Start',
    level: 'MUST',
    text: 'Attempting to start a container that does not exist MUST generate an error.',
    how: 'outside: `start` of an id never created exits non-zero',
    async check(c) {
      errors(await c.rt(['start', c.newId()]), 'start of an unknown id')
    },
  },
  {
    id: 'rt.start.not-created',
    spec: S,
    section: 'Start',
    level: 'MUST',
    text: 'Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error.',
    how: 'outside: start of a running container fails and it keeps running with the same pid; start of a stopped container fails and it stays stopped',
    async check(c) {
      const { b, pid } = await running(c)
      errors(await c.rt(['start', b.id]), 'start of a running container')
      const st = await c.state(b.id)
      expectEqual([st?.status, st?.pid], ['running', pid], 'running container after a second start (status, pid)')
      const s = await stopped(c)
      errors(await c.rt(['start', s.id]), 'start of a stopped container')
      expectEqual((await c.state(s.id))?.status, 'stopped', 'stopped container after start')
    },
  },
  {
    id: 'rt.start.runs-program',
    spec: S,
    section: 'Start / Lifecycle (step 8)',
    level: 'MUST',
    text: 'This operation MUST run the user-specified program as specified by process. / Upon successful completion of this operation the status property of this container MUST be running.',
    how: 'inside+outside: after start the status is "running" and the program (sh printing its args) ran',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'echo "hello $0 $1"; sleep 1000', 'zero', 'one'])
      await c.mustCreate(b)
      await c.mustStart(b.id)
      expectEqual((await c.state(b.id))?.status, 'running', 'status after start')
      expect(await waitFor(() => readFile(b.outFile).includes('hello zero one'), 10000), 'the program did not print', { out: readFile(b.outFile) })
    },
  },
  {
    id: 'rt.start.no-process',
    spec: S,
    section: 'Start',
    level: 'MUST',
    text: 'This operation MUST generate an error if process was not set.',
    how: 'outside: with no process in config.json, create or start fails (failing at create is accepted: the container then does not exist to start)',
    async check(c) {
      const b = c.bundle(['true'], (cfg) => delete cfg.process)
      const cr = await c.create(b)
      if (cr.code !== 0) return
      errors(await c.rt(['start', b.id]), 'start without process')
    },
  },
  {
    id: 'rt.kill.no-id',
    spec: S,
    section: 'Kill',
    level: 'MUST',
    text: 'This operation MUST generate an error if it is not provided the container ID.',
    how: 'outside: `kill` without arguments exits non-zero',
    async check(c) {
      errors(await c.rt(['kill']), 'kill without id')
    },
  },
  {
    id: 'rt.kill.not-running',
    spec: S,
    section: 'Kill',
    level: 'MUST',
    text: 'Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error.',
    how: 'outside: kill of a stopped container fails; it stays stopped and can still be deleted',
    async check(c) {
      const s = await stopped(c)
      errors(await c.rt(['kill', s.id, 'KILL']), 'kill of a stopped container')
      expectEqual((await c.state(s.id))?.status, 'stopped', 'status after kill')
    },
  },
  {
    id: 'rt.kill.created',
    spec: S,
    section: 'Kill',
    level: 'MUST',
    text: 'This operation MUST send the specified signal to the container process. (kill is allowed on a created container: only containers "neither created nor running" are refused)',
    how: 'outside: kill KILL of a created container succeeds and the container becomes stopped without the program having run',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'echo ran > /ran; sleep 1000'], (cfg) => (cfg.root.readonly = false))
      await c.mustCreate(b)
      const r = await c.rt(['kill', b.id, 'KILL'])
      expect(r.code === 0, `kill of a created container failed (exit ${r.code})`, { stderr: r.stderr })
      expectEqual((await c.waitStatus(b.id, 'stopped', 5000))?.status, 'stopped', 'status after kill')
      expect(!fs.existsSync(path.join(b.rootfs, 'ran')), 'the user program ran')
    },
  },
  {
    id: 'rt.kill.signal',
    spec: S,
    section: 'Kill',
    level: 'MUST',
    text: 'This operation MUST send the specified signal to the container process.',
    how: 'inside: a shell trapping TERM and USR1 prints what it got after `kill ID USR1` and `kill ID TERM`',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'trap "echo got-USR1" USR1; trap "echo got-TERM; exit 0" TERM; echo ready; while :; do sleep 0.05; done'])
      await c.mustCreate(b)
      await c.mustStart(b.id)
      expect(await waitFor(() => readFile(b.outFile).includes('ready'), 10000), 'container did not get ready')
      for (const sig of ['USR1', 'TERM']) {
        const r = await c.rt(['kill', b.id, sig])
        expect(r.code === 0, `kill ${sig} failed (exit ${r.code})`, { stderr: r.stderr })
        expect(await waitFor(() => readFile(b.outFile).includes(`got-${sig}`), 10000), `the process did not get SIG${sig}`, { out: readFile(b.outFile) })
      }
    },
  },
  {
    id: 'rt.kill.status-stopped',
    spec: S,
    section: 'State / Query State',
    level: 'MUST',
    text: 'status (string, REQUIRED) is the runtime state of the container. ... stopped: the container process has exited (step 10 in the lifecycle). (v1.0\'s Kill said it outright: "When the process in the container is stopped, irrespective of it being as a result of a kill operation or any other reason, the status property of this container MUST be stopped.")',
    basis: 'runtime.md, Query State: "This operation MUST return the state of a container as specified in the State section."',
    how: 'outside: a container whose process exits by itself, and one killed, are both "stopped"',
    async check(c) {
      await stopped(c)
      const { b } = await running(c)
      await c.rt(['kill', b.id, 'KILL'])
      expectEqual((await c.waitStatus(b.id, 'stopped', 5000))?.status, 'stopped', 'status after kill KILL')
    },
  },
  {
    id: 'rt.delete.no-id',
    spec: S,
    section: 'Delete',
    level: 'MUST',
    text: 'This operation MUST generate an error if it is not provided the container ID.',
    how: 'outside: `delete` without an id exits non-zero',
    async check(c) {
      errors(await c.rt(['delete']), 'delete without id')
    },
  },
  {
    id: 'rt.delete.unknown',
    spec: S,
    section: 'Delete',
    level: 'MUST',
    text: 'Attempting to delete a container that does not exist MUST generate an error.',
    how: 'outside: `delete` of an id never created exits non-zero',
    async check(c) {
      errors(await c.rt(['delete', c.newId()]), 'delete of an unknown id')
    },
  },
  {
    id: 'rt.delete.running',
    spec: S,
    section: 'Delete',
    level: 'MUST',
    text: 'Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error.',
    how: 'outside: delete (without --force) of a running container fails and it keeps running with the same pid',
    async check(c) {
      const { b, pid } = await running(c)
      errors(await c.rt(['delete', b.id]), 'delete of a running container')
      const st = await c.state(b.id)
      expectEqual([st?.status, st?.pid], ['running', pid], 'container after delete (status, pid)')
      expect(procAlive(pid), 'the container process was killed')
    },
  },
  {
    id: 'rt.delete.created',
    spec: S,
    section: 'Delete',
    level: 'MUST',
    text: 'Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error.',
    how: 'outside: delete (without --force) of a created container fails and it stays created with the same pid',
    async check(c) {
      const b = await created(c)
      const pid = (await c.state(b.id))?.pid
      errors(await c.rt(['delete', b.id]), 'delete of a created container')
      const st = await c.state(b.id)
      expectEqual([st?.status, st?.pid], ['created', pid], 'container after delete (status, pid)')
    },
  },
  {
    id: 'rt.delete.resources',
    spec: S,
    section: 'Delete / Lifecycle (step 12)',
    level: 'MUST',
    text: 'Deleting a container MUST delete the resources that were created during the create step. / The container MUST be destroyed by undoing the steps performed during create phase (step 2).',
    how: 'outside: after delete of a stopped container, state fails, its cgroup is gone on every hierarchy, nothing is mounted under the bundle, and the id can be used again',
    async check(c) {
      const b = await stopped(c)
      const d = await c.rt(['delete', b.id])
      expect(d.code === 0, `delete failed (exit ${d.code})`, { stderr: d.stderr })
      await assertGone(c, b.id, b.cgroupsPath, 'after delete')
      const mounted = readOr('/proc/self/mountinfo').split('\n').filter((l) => l.includes(b.dir))
      expectEqual(mounted, [], 'host mounts under the bundle')
      const again = await c.create(b)
      expect(again.code === 0, `the id could not be used again (exit ${again.code})`, { stderr: readFile(b.errFile) })
    },
  },
  {
    id: 'rt.delete.foreign-resources',
    spec: S,
    section: 'Delete',
    level: 'MUST',
    text: 'Note that resources associated with the container, but not created by this container, MUST NOT be deleted.',
    how: 'outside: a bind-mounted host directory (with its file) and a joined network namespace (held by a host process) are intact after delete',
    async check(c) {
      const shared = c.tempDir('shared')
      fs.writeFileSync(path.join(shared, 'keep'), 'keep me')
      const holder = c.spawnHelper('unshare', ['--net', 'sleep', '1000'])
      const hpid = holder.pid ?? 0
      const ns = await waitFor(() => {
        const l = nsLink(hpid, 'net')
        return l && l !== nsLink('self', 'net') ? l : ''
      }, 10000)
      if (!ns) throw new CheckFailure('could not start a host process in a new network namespace (unshare)')
      const b = c.bundle(['true'], (cfg) => {
        cfg.mounts.push({ destination: '/mnt/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] })
        cfg.linux.namespaces = cfg.linux.namespaces.map((n: { type: string }) =>
          n.type === 'network' ? { type: 'network', path: `/proc/${hpid}/ns/net` } : n,
        )
      })
      await c.runToEnd(b)
      expectEqual(readFile(path.join(shared, 'keep')), 'keep me', 'bind-mounted host file')
      expect(procAlive(hpid) && nsLink(hpid, 'net') === ns, 'the joined network namespace (its holder) is gone')
    },
  },
  {
    id: 'rt.errors.state-unchanged',
    spec: S,
    section: 'Errors',
    level: 'MUST',
    text: 'Unless otherwise stated, generating an error MUST leave the state of the environment as if the operation were never attempted - modulo any possible trivial ancillary changes such as logging.',
    how: 'outside: a failing kill (invalid signal name) of a running container leaves it running with the same pid and state',
    async check(c) {
      const { b } = await running(c)
      const before = await c.state(b.id)
      errors(await c.rt(['kill', b.id, 'NOSUCHSIGNAL']), 'kill with an invalid signal')
      const after = await c.state(b.id)
      expectEqual([after?.status, after?.pid], [before?.status, before?.pid], 'state after the failed kill')
    },
  },
]
