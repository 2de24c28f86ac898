// Namespaces joined by path, every type (user, network, ipc, uts, pid,
// cgroup, time from another container; mount from a persistent namespace
// file), errors for paths that are missing, not namespaces or of another
// type, and the time namespace with linux.timeOffsets. runc runs the same
// configs where runc 1.1.5 supports them (it has no time namespace).
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import type { Test } from 'tap'
import {
  sections,
  assertNoTrace,
  diag,
  isOcits,
  isRunc,
  makeBundle,
  makeTempDir,
  newId,
  referenceRunc,
  runtime,
  stateOf,
  traceOf,
  waitForStatus,
  type Bundle,
  type Mutate,
  type Runtime,
} from '../helpers'

const REF = referenceRunc()
const NO_REF = !REF ? 'reference runc is not installed' : isRunc() ? 'the runtime under test is runc' : false

const MAPS = [{ containerID: 0, hostID: 100000, size: 65536 }]

/** /proc/PID/ns file name of each config namespace type. */
const NS_FILE: Record<string, string> = {
  user: 'user',
  network: 'net',
  ipc: 'ipc',
  uts: 'uts',
  pid: 'pid',
  mount: 'mnt',
  cgroup: 'cgroup',
  time: 'time',
}

const nsOf = (pid: number | 'self', type: string) => fs.readlinkSync(`/proc/${pid}/ns/${NS_FILE[type]}`)

/**
 * One runtime: a first container with new namespaces of every type it
 * supports (a user namespace too), created and left waiting; a second one
 * joins all of them by /proc/PID/ns/X (with a mount namespace of its own)
 * and prints what it is in.
 */
async function joinAll(t: Test, r: Runtime, types: string[]) {
  const first = makeBundle(t, (c, b) => {
    for (const type of types) if (!c.linux.namespaces.some((n: { type: string }) => n.type === type)) c.linux.namespaces.push({ type })
    c.linux.uidMappings = MAPS
    c.linux.gidMappings = MAPS
    if (types.includes('time')) c.linux.timeOffsets = { boottime: { secs: 100000 } }
    fs.chmodSync(b.dir, 0o755)
  })
  const cr = await r.rt(['create', '--bundle', first.dir, first.id])
  t.equal(cr.code, 0, `${path.basename(r.bin)}: first container created`, diag(cr))
  const pid = (await stateOf(r, first.id))?.pid as number
  t.ok(pid > 0, 'first container pid')
  const want: Record<string, string> = {}
  for (const type of types) want[type] = nsOf(pid, type)

  const script = [
    'sec() { echo "=== $1"; }',
    ...types.map((type) => `sec ${type}; readlink /proc/self/ns/${NS_FILE[type]}`),
    'sec mount; readlink /proc/self/ns/mnt',
    'sec id; id',
    "sec status; grep -E '^(Uid|Gid):' /proc/self/status",
    'sec uidmap; cat /proc/self/uid_map',
    'sec pid1; cat /proc/1/cmdline | tr "\\0" " "; echo',
    'sec uptime; cut -d. -f1 /proc/uptime',
  ].join('\n')
  const second = makeBundle(t, (c, b) => {
    c.linux.namespaces = [{ type: 'mount' }, ...types.map((type) => ({ type, path: `/proc/${pid}/ns/${NS_FILE[type]}` }))]
    // runc 1.1.5 wants the mappings even for a joined user namespace; ocits takes them as a check
    c.linux.uidMappings = MAPS
    c.linux.gidMappings = MAPS
    c.process.args = ['sh', '-c', script]
    fs.chmodSync(b.dir, 0o755)
  })
  const id = newId(t)
  const res = await r.rt(['run', '--bundle', second.dir, id])
  t.equal(res.code, 0, `${path.basename(r.bin)}: second container joined every namespace`, diag(res))
  await assertNoTrace(t, traceOf(r.root, second, id), 'second container')
  const s = sections(res.stdout)
  for (const type of types) t.equal(s[type], want[type], `${type}: the first container's (${want[type]}), same inode inside and out`)
  t.not(s.mount, nsOf(pid, 'mount'), 'mount: a new one')
  t.equal(s.id, 'uid=0(root) gid=0(root)', 'root of the joined user namespace')
  t.match(s.status, /^Uid:\s+0\s+0\s+0\s+0\nGid:\s+0\s+0\s+0\s+0$/, 'ids 0 inside')
  t.match(s.uidmap, /^\s*0\s+100000\s+65536$/, 'the joined namespace\'s map')
  t.match(s.pid1, /init|sleep/, 'pid 1 is the first container\'s process')
  t.equal((await r.rt(['delete', '--force', first.id])).code, 0, 'first container deleted')
  await assertNoTrace(t, traceOf(r.root, first), 'first container')
  return s
}

t.test('join every namespace type of another container by path', async (t) => {
  const all = ['user', 'network', 'ipc', 'uts', 'pid', 'cgroup', 'time']
  const s = await joinAll(t, runtime(t), isOcits() ? all : all.filter((x) => x !== 'time'))
  if (isOcits()) {
    const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split('.')[0])
    t.ok(Number(s.uptime) >= host + 100000 - 5, 'the joined time namespace has the first container\'s boottime offset', { uptime: s.uptime, host })
  }
})

t.test('runc joins the same namespaces (no time namespace in runc 1.1.5)', { skip: NO_REF }, async (t) => {
  await joinAll(t, runtime(t, { bin: REF }), ['user', 'network', 'ipc', 'uts', 'pid', 'cgroup'])
})

t.test('join a mount namespace by path (a persistent namespace file)', async (t) => {
  const runtimes = [runtime(t), ...(NO_REF ? [] : [runtime(t, { bin: REF })])]
  for (const r of runtimes) {
    // `unshare --mount=FILE` keeps a mount namespace alive on a bind mount;
    // the file must be on a private mount.
    const dir = makeTempDir(t, 'mntns')
    const file = path.join(dir, 'mnt')
    fs.writeFileSync(file, '')
    execFileSync('mount', ['--bind', dir, dir])
    execFileSync('mount', ['--make-private', dir])
    t.teardown(() => {
      for (const p of [file, dir]) {
        try {
          execFileSync('umount', ['-l', p], { stdio: 'ignore' })
        } catch {
          /* not mounted */
        }
      }
    })
    execFileSync('unshare', [`--mount=${file}`, '--propagation', 'private', 'true'])
    const inode = `mnt:[${fs.statSync(file).ino}]`
    const b = makeBundle(t, (c) => {
      c.linux.namespaces = [{ type: 'mount', path: file }, { type: 'pid' }]
      delete c.hostname
      c.process.args = ['sh', '-c', 'readlink /proc/self/ns/mnt; ls /bin/busybox']
    })
    const id = newId(t)
    const res = await r.rt(['run', '--bundle', b.dir, id])
    t.equal(res.code, 0, `${path.basename(r.bin)}: ran in the joined mount namespace`, diag(res))
    t.equal(res.stdout, `${inode}\n/bin/busybox\n`, `${path.basename(r.bin)}: in ${inode}, its rootfs set up there`)
    await assertNoTrace(t, traceOf(r.root, b, id))
  }
})

t.test('a namespace path that is missing, not a namespace or of another type: an error naming the field', async (t) => {
  const r = runtime(t)
  const ref = NO_REF ? undefined : runtime(t, { bin: REF })
  const notNs = makeTempDir(t, 'notns')
  fs.writeFileSync(path.join(notNs, 'file'), 'not a namespace\n')
  const cases: [string, string, string, RegExp][] = [
    ['network', '/proc/self/ns/ipc', 'of another type', /\/proc\/self\/ns\/ipc is an ipc namespace, not a network namespace/],
    ['ipc', '/proc/self/ns/net', 'of another type', /\/proc\/self\/ns\/net is a network namespace, not an ipc namespace/],
    ['user', '/proc/self/ns/pid', 'of another type (user)', /\/proc\/self\/ns\/pid is a pid namespace, not a user namespace/],
    ['uts', path.join(notNs, 'file'), 'a regular file', /ocits-notns-.*\/file is not a namespace \(expected a uts namespace/],
    ['pid', '/dev/null', 'a device', /\/dev\/null is not a namespace \(expected a pid namespace/],
    ['network', '/nonexistent/ns/net', 'missing', /network namespace path \/nonexistent\/ns\/net does not exist/],
  ]
  for (const [type, nsPath, what, msg] of cases) {
    const mutate: Mutate = (c) => {
      const i = c.linux.namespaces.findIndex((n: { type: string }) => n.type === type)
      if (i >= 0) c.linux.namespaces[i] = { type, path: nsPath }
      else c.linux.namespaces.push({ type, path: nsPath })
      if (type === 'user') {
        c.linux.uidMappings = MAPS
        c.linux.gidMappings = MAPS
      }
    }
    const b = makeBundle(t, mutate)
    const index = b.config.linux.namespaces.findIndex((n: { type: string }) => n.type === type)
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${type} path ${what}: create fails`, diag(res))
    if (isOcits()) {
      t.match(res.stderr, new RegExp(`^ocits: invalid config: /linux/namespaces/${index}/path: `), `${what}: names /linux/namespaces/${index}/path`)
      t.match(res.stderr, msg, `${what}: says what is wrong`)
    }
    await assertNoTrace(t, traceOf(r.root, b), `${type} path ${what}`)
    if (ref) {
      const id = newId(t)
      const rr = await ref.rt(['create', '--bundle', b.dir, id])
      t.not(rr.code, 0, `${type} path ${what}: runc fails too`, diag(rr))
      await assertNoTrace(t, traceOf(ref.root, b, id), `runc: ${type} path ${what}`)
    }
  }
})

const TIME = { boottime: 100000, monotonic: 50000 }
const timens = (more?: Mutate): Mutate => (c, b) => {
  c.linux.namespaces.push({ type: 'time' })
  c.linux.timeOffsets = { boottime: { secs: TIME.boottime }, monotonic: { secs: TIME.monotonic, nanosecs: 250 } }
  more?.(c, b)
}

t.test('time namespace: linux.timeOffsets (ocits only: runc 1.1.5 has no time namespace)', { skip: isOcits() ? false : 'runc 1.1.5' }, async (t) => {
  const r = runtime(t)
  const script = 'echo "=== uptime"; cut -d. -f1 /proc/uptime; echo "=== offsets"; cat /proc/self/timens_offsets; echo "=== ns"; readlink /proc/self/ns/time'
  const variants: [string, Mutate][] = [
    ['new time namespace', timens((c) => (c.process.args = ['sh', '-c', script]))],
    ['with a user namespace too', timens((c, b) => {
      c.process.args = ['sh', '-c', script]
      c.linux.namespaces.push({ type: 'user' })
      c.linux.uidMappings = MAPS
      c.linux.gidMappings = MAPS
      fs.chmodSync(b.dir, 0o755)
    })],
  ]
  for (const [name, mutate] of variants) {
    const b = makeBundle(t, mutate)
    const before = Number(fs.readFileSync('/proc/uptime', 'utf8').split('.')[0])
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    const after = Number(fs.readFileSync('/proc/uptime', 'utf8').split('.')[0])
    t.equal(res.code, 0, `${name}: ran`, diag(res))
    const s = sections(res.stdout)
    const up = Number(s.uptime)
    t.ok(up >= before + TIME.boottime && up <= after + TIME.boottime + 1, `${name}: /proc/uptime is the host's + ${TIME.boottime} s (boottime)`, { up, before, after })
    t.match(s.offsets, new RegExp(`^monotonic\\s+${TIME.monotonic}\\s+250$`, 'm'), `${name}: CLOCK_MONOTONIC offset ${TIME.monotonic} s 250 ns`)
    t.match(s.offsets, new RegExp(`^boottime\\s+${TIME.boottime}\\s+0$`, 'm'), `${name}: CLOCK_BOOTTIME offset`)
    t.not(s.ns, fs.readlinkSync('/proc/self/ns/time'), `${name}: a time namespace of its own`)
    await assertNoTrace(t, traceOf(r.root, b))
  }

  // The lifecycle works in a time namespace: the recorded start time is the host's view.
  const b = makeBundle(t, timens())
  t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
  t.equal((await stateOf(r, b.id))?.status, 'created', 'created')
  const s1 = await r.rt(['start', b.id])
  t.equal(s1.code, 0, 'start', diag(s1))
  t.equal((await stateOf(r, b.id))?.status, 'running', 'running (the init is recognised despite its shifted clock)')
  t.equal((await r.rt(['kill', b.id, 'KILL'])).code, 0, 'kill')
  t.equal((await waitForStatus(r, b.id, 'stopped'))?.status, 'stopped', 'stopped')
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('time offsets without a new time namespace: an error naming /linux/timeOffsets', { skip: isOcits() ? false : 'ocits only' }, async (t) => {
  const r = runtime(t)
  const cases: [string, Mutate, RegExp][] = [
    ['no time namespace', (c) => (c.linux.timeOffsets = { boottime: { secs: 1 } }), /time offsets need a new time namespace/],
    ['a joined one', (c) => {
      c.linux.namespaces.push({ type: 'time', path: '/proc/self/ns/time' })
      c.linux.timeOffsets = { boottime: { secs: 1 } }
    }, /cannot be set on a joined time namespace/],
    ['nanoseconds out of range', timens((c) => (c.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1000000000 } })), /monotonic\/nanosecs/],
  ]
  for (const [what, mutate, msg] of cases) {
    const b: Bundle = makeBundle(t, mutate)
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${what}: fails`, diag(res))
    t.match(res.stderr, /^ocits: invalid config: \/linux\/timeOffsets/, `${what}: names the field`)
    t.match(res.stderr, msg, what)
    await assertNoTrace(t, traceOf(r.root, b), what)
  }
})
