// User namespaces: the maps the parent writes (several ranges), the
// container's root as an unprivileged host uid, process.user inside the
// mapped range, /dev and the default mounts inside a user namespace, the
// rootfs as runc leaves it (not chowned), and errors: a map the kernel
// refuses, an unmapped user, sysfs without a network namespace. Compared
// with runc where runc runs the same bundle.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  sections,
  assertNoTrace,
  diag,
  isRunc,
  makeBundle,
  newId,
  referenceRunc,
  runtime,
  stateOf,
  traceOf,
  type Bundle,
  type Mutate,
  type RunResult,
  type Runtime,
} from '../helpers'

const REF = referenceRunc()
const NO_REF = !REF ? 'reference runc is not installed' : isRunc() ? 'the runtime under test is runc' : false

/** Several ranges on each side; the container's root is host uid/gid 100000. */
const UIDS = [
  { containerID: 0, hostID: 100000, size: 1000 },
  { containerID: 1000, hostID: 200000, size: 100 },
  { containerID: 5000, hostID: 300000, size: 1 },
]
const GIDS = [
  { containerID: 0, hostID: 100000, size: 1000 },
  { containerID: 1000, hostID: 200000, size: 100 },
]

/**
 * A new user namespace with UIDS/GIDS. The bundle dir is made searchable:
 * the container's root (an unprivileged host uid) must reach the rootfs, as
 * with runc (mkdtemp makes it 0700).
 */
const userns: Mutate = (c, b) => {
  c.linux.namespaces.push({ type: 'user' })
  c.linux.uidMappings = UIDS
  c.linux.gidMappings = GIDS
  fs.chmodSync(b.dir, 0o755)
}

function withUserns(more?: Mutate): Mutate {
  return (c, b) => {
    userns(c, b)
    more?.(c, b)
  }
}

/** "Uid:\t100000\t..." lines of a host process's status. */
function idsOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {}
  for (const l of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Uid|Gid|Groups):\s*(.*)$/.exec(l)
    if (m) out[m[1]] = m[2].trim().replace(/\s+/g, ' ')
  }
  return out
}

const mapText = (list: { containerID: number; hostID: number; size: number }[]) =>
  list.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n')

const squeeze = (s: string | undefined) => (s ?? '').split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).join('\n')

/** `run` the bundle under rt with a fresh id; no trace afterwards. */
async function runIn(t: Test, r: Runtime, b: Bundle): Promise<RunResult> {
  const id = newId(t)
  const res = await r.rt(['run', '--bundle', b.dir, id])
  await assertNoTrace(t, traceOf(r.root, b, id), `${path.basename(r.bin)} run`)
  return res
}

const INSIDE = [
  'sec() { echo "=== $1"; }',
  'sec uidmap; cat /proc/self/uid_map',
  'sec gidmap; cat /proc/self/gid_map',
  'sec setgroups; cat /proc/self/setgroups',
  'sec id; id',
  "sec status; grep -E '^(Uid|Gid|Groups):' /proc/self/status",
  'sec null; echo x > /dev/null && echo ok',
  'sec zero; head -c 4 /dev/zero | od -An -tx1',
  'sec urandom; head -c 8 /dev/urandom | wc -c',
  'sec devices; for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done',
  "sec mounts; awk '{ for (i = 7; $i != \"-\"; i++); print $5, $(i+1) }' /proc/self/mountinfo | grep -E ' (proc|tmpfs|devpts|mqueue|sysfs)$' | sort",
  'sec shm; echo data > /dev/shm/f && cat /dev/shm/f',
  'sec pts; ls /dev/pts/ptmx',
  'sec hostname; hostname',
].join('\n')

t.test('a new user namespace: maps of several ranges, /dev, mounts; as runc', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, withUserns((c) => (c.process.args = ['sh', '-c', INSIDE])))
  const res = await runIn(t, r, b)
  t.equal(res.code, 0, 'ran', diag(res))
  const s = sections(res.stdout)
  t.equal(squeeze(s.uidmap), mapText(UIDS), '/proc/self/uid_map inside is the config\'s, every range')
  t.equal(squeeze(s.gidmap), mapText(GIDS), '/proc/self/gid_map inside is the config\'s, every range')
  t.equal(s.setgroups, 'allow', 'setgroups left allowed (runtime run by root, as runc)')
  t.equal(s.id, 'uid=0(root) gid=0(root)', 'root inside')
  t.equal(s.null, 'ok', '/dev/null is writable')
  t.equal(s.zero?.trim(), '00 00 00 00', '/dev/zero reads zeros')
  t.equal(s.urandom?.trim(), '8', '/dev/urandom reads')
  for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
    t.match(s.devices, new RegExp(`^/dev/${d} character special file`, 'm'), `/dev/${d} is the host's character device (bind mount)`)
  }
  const mounts = (s.mounts ?? '').split('\n')
  for (const want of ['/proc proc', '/dev tmpfs', '/dev/pts devpts', '/dev/shm tmpfs', '/dev/mqueue mqueue', '/sys sysfs', '/sys/fs/cgroup tmpfs']) {
    t.ok(mounts.includes(want), `${want} mounted in the user namespace`, { mounts })
  }
  t.equal(s.shm, 'data', 'tmpfs /dev/shm is writable by the container root')
  t.equal(s.pts, '/dev/pts/ptmx', 'devpts (gid=5 mapped) is there')

  if (!NO_REF) {
    const ref = await runIn(t, runtime(t, { bin: REF }), b)
    t.equal(ref.code, 0, 'runc ran the same bundle', diag(ref))
    const rs = sections(ref.stdout)
    for (const k of ['uidmap', 'gidmap', 'setgroups', 'id', 'status', 'null', 'zero', 'urandom', 'devices', 'shm', 'pts', 'hostname']) {
      t.equal(squeeze(s[k]), squeeze(rs[k]), `${k}: as runc`)
    }
    // ocits also binds the cgroup2 (unified) dir on a hybrid host: a documented difference, not in this list
    t.equal(s.mounts, rs.mounts, 'proc/tmpfs/devpts/mqueue/sysfs mounts: as runc')
  }
})

t.test('from the host: the container root is an unprivileged uid, process.user inside the range', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, withUserns())
  const c = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, 'create', diag(c))
  const st = await stateOf(r, b.id)
  const pid = st?.pid as number
  t.ok(pid > 0, 'init pid')
  t.same(idsOf(pid), { Uid: '100000 100000 100000 100000', Gid: '100000 100000 100000 100000', Groups: '' },
    'the created init runs as host uid/gid 100000 (the container\'s root), no host groups')
  t.equal(squeeze(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim()), mapText(UIDS), 'its uid_map from the host')
  t.equal(fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim(), 'allow')
  t.notOk(fs.readlinkSync(`/proc/${pid}/ns/user`) === fs.readlinkSync('/proc/self/ns/user'), 'a user namespace of its own')
  t.equal((await r.rt(['start', b.id])).code, 0, 'start')
  t.equal((await r.rt(['delete', '--force', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))

  // process.user in the second range, groups in both
  const u = makeBundle(t, withUserns((c) => (c.process.user = { uid: 1005, gid: 1000, additionalGids: [5, 1001] })))
  const c2 = await r.rt(['create', '--bundle', u.dir, u.id])
  t.equal(c2.code, 0, 'create as uid 1005', diag(c2))
  const pid2 = (await stateOf(r, u.id))?.pid as number
  t.equal((await r.rt(['start', u.id])).code, 0, 'start')
  // after start the process has its own ids (the init set them before blocking on the fifo)
  t.same(idsOf(pid2), { Uid: '200005 200005 200005 200005', Gid: '200000 200000 200000 200000', Groups: '100005 200001' },
    'uid 1005 is host 200005, gid 1000 host 200000, groups 5 and 1001 host 100005 and 200001')
  t.equal((await r.rt(['delete', '--force', u.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, u))

  const inside = makeBundle(t, withUserns((c) => {
    c.process.user = { uid: 1005, gid: 1000, additionalGids: [5, 1001] }
    c.process.args = ['sh', '-c', "id; grep -E '^(Uid|Gid|Groups):' /proc/self/status"]
  }))
  const res = await runIn(t, r, inside)
  t.equal(res.code, 0, 'ran', diag(res))
  t.match(res.stdout, /^uid=1005 gid=1000\(test\) groups=5\(tty\),1001\(extra\)/, 'ids inside')
  if (!NO_REF) {
    const ref = await runIn(t, runtime(t, { bin: REF }), inside)
    t.equal(squeeze(res.stdout), squeeze(ref.stdout), 'as runc')
  }
})

t.test('the rootfs is not chowned (as runc): the bundle decides what the container root may write', async (t) => {
  const script = 'mkdir /made-by-root 2>&1 && echo made; stat -c "%u:%g" /bin'
  const r = runtime(t)
  // A rootfs owned by host root: inside it belongs to nobody, and root cannot write it.
  const plain = makeBundle(t, withUserns((c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', script]
  }))
  const a = await runIn(t, r, plain)
  t.equal(a.code, 0, 'ran', diag(a))
  t.match(a.stdout, /Permission denied/, 'the container root cannot write a rootfs owned by an unmapped uid')
  t.match(a.stdout, /65534:65534/, 'host root shows as the overflow id')
  // Prepared for the namespace (chowned to the mapped root): writable.
  const prepared = makeBundle(t, withUserns((c, b) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', script]
    chownTree(b.rootfs, 100000, 100000)
  }))
  const p = await runIn(t, r, prepared)
  t.equal(p.code, 0, 'ran', diag(p))
  t.match(p.stdout, /^made$/m, 'a rootfs owned by the mapped root is the container root\'s')
  t.match(p.stdout, /^0:0$/m, 'owned by root inside')
  t.notOk(fs.statSync(path.join(plain.rootfs, 'bin')).uid, 'ocits did not chown the rootfs')
  if (!NO_REF) {
    for (const [b, mine] of [[plain, a], [prepared, p]] as const) {
      fs.rmSync(path.join(b.rootfs, 'made-by-root'), { recursive: true, force: true })
      const ref = await runIn(t, runtime(t, { bin: REF }), b)
      t.equal(mine.stdout, ref.stdout, 'as runc')
    }
  }
})

function chownTree(dir: string, uid: number, gid: number): void {
  fs.lchownSync(dir, uid, gid)
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) chownTree(p, uid, gid)
    else fs.lchownSync(p, uid, gid)
  }
}

t.test('errors: named by their field, nothing left behind', async (t) => {
  const r = runtime(t)
  const ref = NO_REF ? undefined : runtime(t, { bin: REF })

  const fails = async (what: string, b: Bundle, want: RegExp) => {
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${what}: fails`, diag(res))
    t.match(res.stderr, want, `${what}: clear error`)
    await assertNoTrace(t, traceOf(r.root, b), what)
    if (ref) {
      const id = newId(t)
      const rr = await ref.rt(['run', '--bundle', b.dir, id])
      t.not(rr.code, 0, `${what}: runc fails too`, diag(rr))
      await assertNoTrace(t, traceOf(ref.root, b, id), `runc: ${what}`)
    }
  }

  // More ranges than fit in one page: the kernel refuses the write (EINVAL).
  const many = Array.from({ length: 200 }, (_, i) => ({ containerID: 1000000000 + 2 * i, hostID: 3000000000 + 2 * i, size: 1 }))
  const refused = makeBundle(t, withUserns((c) => (c.linux.uidMappings = [UIDS[0], ...many])))
  await fails('a map the kernel refuses', refused, isRunc() ? /uid_map/ :
    /^ocits: invalid config: \/linux\/uidMappings: the kernel refused the uid mapping of 201 ranges: write \/proc\/\d+\/uid_map: invalid argument\n$/)

  await fails('process.user not mapped', makeBundle(t, withUserns((c) => (c.process.user = { uid: 2000, gid: 0 }))),
    isRunc() ? /unmapped/ : /invalid config: \/process\/user\/uid: uid 2000 is not mapped by \/linux\/uidMappings/)

  await fails('no gid mappings', makeBundle(t, withUserns((c) => delete c.linux.gidMappings)),
    isRunc() ? /mapping/ : /invalid config: \/linux\/gidMappings: a new user namespace \(\/linux\/namespaces\/5\) needs gid mappings/)

  await fails('root not mapped', makeBundle(t, withUserns((c) => (c.linux.uidMappings = [UIDS[1]]))),
    isRunc() ? /root user mapping/ : /invalid config: \/linux\/uidMappings: no mapping for the container's root \(uid 0\)/)

  await fails('overlapping ranges', makeBundle(t, withUserns((c) => (c.linux.gidMappings = [GIDS[0], { containerID: 500, hostID: 500000, size: 10 }]))),
    isRunc() ? /./ : /invalid config: \/linux\/gidMappings\/1\/containerID: container gids 500-509 overlap mapping 0/)

  // As runc 1.1.5: no fallback to a bind of /sys; the error says what to do.
  await fails('sysfs without a network namespace', makeBundle(t, withUserns((c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'network')
  })), isRunc() ? /sysfs/ : /mount sysfs \(type sysfs\) on \/sys: in a user namespace, sysfs needs a new network namespace too .*: operation not permitted/)

  await fails('bundle not reachable by the container root', makeBundle(t, withUserns((_c, b) => fs.chmodSync(b.dir, 0o700))),
    isRunc() ? /permission denied/ : /bind mount rootfs .* \(in a user namespace, the container's root must be able to reach the rootfs/)
})

t.test('device nodes in a user namespace: a fifo or a symlink already in the rootfs is never opened or followed', async (t) => {
  const r = runtime(t)
  // No /dev tmpfs: the default devices go into the rootfs's own /dev, where
  // the bundle left a fifo (opening it for writing would block create) and a
  // symlink to a host path.
  const b = makeBundle(t, withUserns((c) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'))
    c.process.args = ['sh', '-c', 'echo hi > /dev/null && echo null-ok; [ -c /dev/null ] && echo is-char']
  }))
  fs.mkdirSync(path.join(b.rootfs, 'dev'), { recursive: true })
  fs.chownSync(path.join(b.rootfs, 'dev'), 100000, 100000) // the container's root may create its nodes there
  require('node:child_process').execFileSync('mkfifo', [path.join(b.rootfs, 'dev/null')])
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { timeout: 20000 })
  t.notOk(res.timedOut, 'create did not block on the fifo', diag(res))
  t.equal(res.code, 0, 'ran', diag(res))
  t.equal(res.stdout, 'null-ok\nis-char\n', '/dev/null is the host\'s device, bound over the fifo')
  t.equal(fs.lstatSync(path.join(b.rootfs, 'dev/null')).isFIFO(), true, 'the bundle\'s fifo is left as it was')
  await assertNoTrace(t, traceOf(r.root, b))

  const l = makeBundle(t, withUserns((c) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'))
    c.process.args = ['true']
  }))
  fs.mkdirSync(path.join(l.rootfs, 'dev'), { recursive: true })
  fs.chownSync(path.join(l.rootfs, 'dev'), 100000, 100000)
  const victim = path.join(l.dir, 'victim')
  fs.writeFileSync(victim, 'untouched\n')
  fs.symlinkSync(victim, path.join(l.rootfs, 'dev/zero'))
  const bad = await r.rt(['run', '--bundle', l.dir, l.id], { timeout: 20000 })
  t.not(bad.code, 0, 'refused', diag(bad))
  t.match(bad.stderr, /\/dev\/zero/, 'naming the device')
  t.equal(fs.readFileSync(victim, 'utf8'), 'untouched\n', 'the symlink target is untouched')
  t.ok(fs.lstatSync(path.join(l.rootfs, 'dev/zero')).isSymbolicLink(), 'nothing was mounted over it')
  await assertNoTrace(t, traceOf(r.root, l))
})

// As runc (mountFds): bind sources are opened by the host's root before the
// user namespace exists, and mounted from the fd, so that a source the
// container's root (an unprivileged host uid) could not reach still mounts.
t.test('bind sources the container root cannot reach (under a 0700 dir of the host root) are mounted, as runc', async (t) => {
  const runtimes: [string, Runtime][] = [['runtime', runtime(t)]]
  if (!NO_REF) runtimes.push(['runc', runtime(t, { bin: REF! })])
  for (const [name, r] of runtimes) {
    const b = makeBundle(t, withUserns((c, bb) => {
      const hidden = path.join(bb.dir, 'hidden')
      fs.mkdirSync(path.join(hidden, 'vol'), { recursive: true, mode: 0o700 })
      fs.chmodSync(hidden, 0o700)
      fs.chmodSync(path.join(hidden, 'vol'), 0o755)
      fs.writeFileSync(path.join(hidden, 'vol', 'data'), 'behind a 0700 dir\n')
      fs.writeFileSync(path.join(hidden, 'file'), 'a file source\n')
      // the mount points: the rootfs is not chowned, its root could not create them
      fs.mkdirSync(path.join(bb.rootfs, 'vol'))
      fs.writeFileSync(path.join(bb.rootfs, 'file'), '')
      c.mounts.push({ destination: '/vol', type: 'bind', source: path.join(hidden, 'vol'), options: ['rbind', 'ro'] })
      c.mounts.push({ destination: '/file', type: 'bind', source: path.join(hidden, 'file'), options: ['bind', 'ro'] })
      c.process.args = ['sh', '-c', 'cat /vol/data /file; ls -l /proc/1/fd 2>/dev/null | grep -c hidden; true']
    }))
    const res = await runIn(t, r, b)
    t.equal(res.code, 0, `${name}: the container runs`, diag(res))
    t.equal(res.stdout, 'behind a 0700 dir\na file source\n0\n', `${name}: both sources are mounted; no fd of them reaches the process`)
  }
})
