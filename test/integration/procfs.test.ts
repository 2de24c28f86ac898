// The container's /proc cannot redirect what the runtime writes there (the
// CVE-2025-52881 class, issue 10): a config's mounts or symlinks that would put
// a volume inside /proc are refused, naming the mount, and every write the init
// makes to procfs goes through a private procfs, so that even a mount the
// runtime did not make (a createContainer hook's) cannot send a sysctl to a
// host-wide file. The target is a harmless host setting (fs.lease-break-time),
// restored at teardown if an attack changed it.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  firstLine,
  isOcits,
  isRunc,
  makeBundle,
  makeTempDir,
  runtime,
  traceOf,
  type Bundle,
} from '../helpers'
import { native } from '../../lib/native'

const OCITS = isOcits()
const HOST_FILE = '/proc/sys/fs/lease-break-time'

function hostValue(): string {
  return fs.readFileSync(HOST_FILE, 'utf8').trim()
}

/** The host value now; restored at teardown if the test changed it. */
function guardHostValue(t: Test): string {
  const before = hostValue()
  t.teardown(() => {
    if (hostValue() !== before) fs.writeFileSync(HOST_FILE, before)
  })
  return before
}

/** A value valid for the attacked sysctl (0 or 1) that differs from the host's. */
function attackValue(before: string): string {
  return before === '1' ? '0' : '1'
}

/** A volume (host dir) holding `name` -> the host file, under `subdir` if given. */
function trapVolume(t: Test, name: string, subdir = ''): string {
  const vol = makeTempDir(t, 'host')
  const dir = path.join(vol, subdir)
  fs.mkdirSync(dir, { recursive: true })
  fs.symlinkSync(HOST_FILE, path.join(dir, name))
  fs.writeFileSync(path.join(vol, 'marker'), 'volume\n')
  return vol
}

function linkInRootfs(b: Bundle, name: string, target: string): void {
  fs.rmSync(path.join(b.rootfs, name), { recursive: true, force: true })
  fs.symlinkSync(target, path.join(b.rootfs, name))
}

interface Redirect {
  name: string
  /** sysctl key written by the config */
  key: string
  /** link name in the volume (and its subdir) */
  link: string
  subdir?: string
  /** rootfs symlink /data -> target, when the volume is mounted at /data */
  viaSymlink?: string
  /** the mount destination of the volume */
  destination: string
  /** what the error says the mount resolves to */
  resolved: RegExp
}

const REDIRECTS: Redirect[] = [
  {
    name: 'rootfs symlink /data -> /proc/sys/kernel, a volume on /data, kernel.shm_rmid_forced',
    key: 'kernel.shm_rmid_forced',
    link: 'shm_rmid_forced',
    viaSymlink: '/proc/sys/kernel',
    destination: '/data',
    resolved: /"\/data" \(\/proc\/sys\/kernel in the rootfs\) cannot be mounted because it is inside \/proc/,
  },
  {
    name: 'rootfs symlink /data -> /proc/sys/net, a volume on /data, net.ipv4.ip_forward',
    key: 'net.ipv4.ip_forward',
    link: 'ip_forward',
    subdir: 'ipv4',
    viaSymlink: '/proc/sys/net',
    destination: '/data',
    resolved: /"\/data" \(\/proc\/sys\/net in the rootfs\) cannot be mounted because it is inside \/proc/,
  },
  {
    name: 'a volume mounted at /proc/sys/net in config.json, net.ipv4.ip_forward',
    key: 'net.ipv4.ip_forward',
    link: 'ip_forward',
    subdir: 'ipv4',
    destination: '/proc/sys/net',
    resolved: /\/proc\/sys\/net cannot be mounted because it is inside \/proc/,
  },
]

for (const v of REDIRECTS) {
  t.test(`sysctl redirect refused: ${v.name}`, async (t) => {
    const before = guardHostValue(t)
    const value = attackValue(before)
    const vol = trapVolume(t, v.link, v.subdir)
    const r = runtime(t)
    let index = -1
    const b = makeBundle(t, (c) => {
      c.process.args = ['true']
      c.linux.sysctl = { [v.key]: value }
      index = c.mounts.push({ destination: v.destination, type: 'bind', source: vol, options: ['rbind'] }) - 1
    })
    if (v.viaSymlink) linkInRootfs(b, 'data', v.viaSymlink)
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(hostValue(), before, `the host's fs.lease-break-time is unchanged (${before})`, diag(res))
    t.equal(res.code, 1, 'run fails', diag(res))
    if (OCITS) {
      t.match(firstLine(res), new RegExp(`^ocits: invalid config: /mounts/${index}/destination: `), 'the error names the mount', diag(res))
      t.match(firstLine(res), v.resolved, 'and says where it resolves', diag(res))
    } else {
      t.match(res.stderr, /inside \/proc/, 'runc: cannot be mounted because it is inside /proc', diag(res))
    }
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

t.test('a volume over /proc/self/attr (the LSM labels the init writes) is refused', async (t) => {
  const vol = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(vol, 'exec'), 'host label file\n')
  const r = runtime(t)
  let index = -1
  const b = makeBundle(t, (c) => {
    c.process.args = ['true']
    index = c.mounts.push({ destination: '/proc/self/attr', type: 'bind', source: vol, options: ['rbind'] }) - 1
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'run fails', diag(res))
  t.equal(fs.readFileSync(path.join(vol, 'exec'), 'utf8'), 'host label file\n', 'nothing written to the volume')
  if (OCITS) t.match(firstLine(res), new RegExp(`^ocits: invalid config: /mounts/${index}/destination: /proc/self/attr cannot be mounted because it is inside /proc`), diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('a destination under /proc that does not exist, reached through a symlink: refused before anything is created', async (t) => {
  const r = runtime(t)
  let index = -1
  const b = makeBundle(t, (c) => {
    c.process.args = ['true']
    index = c.mounts.push({ destination: '/data/newdir', type: 'tmpfs', source: 'tmpfs' }) - 1
  })
  linkInRootfs(b, 'data', '/proc/sys/kernel')
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'run fails', diag(res))
  if (OCITS) t.match(firstLine(res), new RegExp(`^ocits: invalid config: /mounts/${index}/destination: "/data/newdir" \\(/proc/sys/kernel/\\.\\.\\. in the rootfs\\) cannot be mounted because it is inside /proc`), diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('on /proc itself: a procfs (new, or a bind of a procfs root) only', async (t) => {
  const r = runtime(t)
  const fails = async (what: string, edit: (m: Record<string, unknown>) => Record<string, unknown>, want: RegExp) => {
    const b = makeBundle(t, (c) => {
      c.process.args = ['true']
      c.mounts[0] = edit(c.mounts[0])
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${what}: run fails`, diag(res))
    if (OCITS) t.match(firstLine(res), want, `${what}: the error names the mount`, diag(res))
    await assertNoTrace(t, traceOf(r.root, b), what)
  }
  await fails('a bind of /proc/sys on /proc', () => ({ destination: '/proc', type: 'bind', source: '/proc/sys', options: ['rbind'] }),
    /^ocits: invalid config: \/mounts\/0\/destination: \/proc cannot be mounted from \/proc\/sys: it is a procfs directory, not the root of a procfs/)
  await fails('a tmpfs on /proc', () => ({ destination: '/proc', type: 'tmpfs', source: 'tmpfs' }),
    /^ocits: invalid config: \/mounts\/0\/destination: \/proc cannot be mounted because it is not of type proc/)
  await fails('a procfs on /proc/sys', (m) => ({ ...m, destination: '/proc/sys' }),
    /^ocits: invalid config: \/mounts\/0\/destination: \/proc\/sys cannot be mounted because it is inside \/proc/)

  // controls: what runc allows works
  const ok = makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', 'test -e /proc/1/stat && echo proc-ok']
    c.mounts[0] = { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] }
  })
  const res = await r.rt(['run', '--bundle', ok.dir, ok.id])
  t.equal(res.code, 0, 'a bind of the host\'s /proc (a procfs root) on /proc runs', diag(res))
  t.match(res.stdout, /proc-ok/, 'and shows a procfs', diag(res))
  await assertNoTrace(t, traceOf(r.root, ok))
})

t.test('lxcfs-style binds over the files runc allows still work', async (t) => {
  const src = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(src, 'uptime'), '12345.67 890.12\n')
  fs.writeFileSync(path.join(src, 'meminfo'), 'MemTotal: 1 kB\n')
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', 'cat /proc/uptime /proc/meminfo']
    c.mounts.push(
      { destination: '/proc/uptime', type: 'bind', source: path.join(src, 'uptime'), options: ['bind', 'ro'] },
      { destination: '/proc/meminfo', type: 'bind', source: path.join(src, 'meminfo'), options: ['bind', 'ro'] },
    )
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'run', diag(res))
  t.equal(res.stdout, '12345.67 890.12\nMemTotal: 1 kB\n', 'the container reads the bound files', diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
})

// A mount the mount checks cannot see: a createContainer hook (in the
// container's mount namespace, before pivot_root) binds the trap volume over
// rootfs/proc/sys/kernel. The sysctl write must still reach the kernel's own
// file (the container's ipc namespace), never the host file the volume links to.
t.test('a sysctl is written through a private procfs: a hook\'s mount over /proc/sys/kernel cannot redirect it', async (t) => {
  const before = guardHostValue(t)
  const value = attackValue(before)
  const vol = trapVolume(t, 'shm_rmid_forced')
  const r = runtime(t)
  const b = makeBundle(t, (c, bundle) => {
    c.process.args = ['sh', '-c', 'cat /proc/sys/kernel/marker']
    c.linux.sysctl = { 'kernel.shm_rmid_forced': value }
    // the hook's cwd is not defined by the spec: its env names the paths
    c.hooks = {
      createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exec /bin/mount --bind "$VOL" "$ROOTFS/proc/sys/kernel"'], env: [`VOL=${vol}`, `ROOTFS=${bundle.rootfs}`] }],
    }
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(hostValue(), before, `the host's fs.lease-break-time is unchanged (${before})`, {
    ...diag(res),
    ...(isRunc(r.bin) ? { todo: 'runc 1.1.5 writes the sysctl through the container\'s /proc' } : {}),
  })
  t.equal(res.code, 0, 'run succeeds', diag(res))
  t.equal(res.stdout, 'volume\n', 'the hook\'s mount was there (the container sees the volume on /proc/sys/kernel)', diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
})

// The runtime's own writes (id maps, setgroups) and the reads that decide a
// container's privileges go through the same handle, from the addon.
t.test('the runtime\'s procfs handle: no symlink, magic link or mount on the way', async (t) => {
  const n = native()
  const status = n.procRead(0, 'status')
  t.match(status, new RegExp(`^Pid:\\s+${process.pid}$`, 'm'), 'pid 0 is the runtime itself (its own pid in the handle\'s procfs)')
  const errnoOf = (f: () => unknown) => {
    try {
      f()
      return 0
    } catch (e) {
      return (e as { errno?: number }).errno ?? -1
    }
  }
  const ELOOP = 40
  t.equal(errnoOf(() => n.procRead(0, '../self/status')), ELOOP, 'a symlink on the way (/proc/self) is refused: ELOOP')
  t.equal(errnoOf(() => n.procRead(0, 'root/etc/hostname')), ELOOP, 'a magic link on the way (/proc/PID/root) is refused: ELOOP')
  t.equal(errnoOf(() => n.procWrite(0, '../../etc/x', 'x')), 18, 'nothing outside the procfs root: EXDEV (RESOLVE_BENEATH)')
  t.match(n.procRead(0, 'task/' + process.pid + '/comm'), /\S/, 'plain directories are walked')
  const viaHandle = n.procStatLink(process.pid, 'ns', 'net')
  const viaPath = fs.statSync(`/proc/${process.pid}/ns/net`)
  t.same([viaHandle.dev, viaHandle.ino], [viaPath.dev, viaPath.ino], 'a namespace link is followed as the last component only')
  t.equal(errnoOf(() => n.procStatLink(0x7ffffff0, 'ns', 'net')), 2, 'a pid that does not exist: ENOENT')
})

// Whatever is mounted over /proc (here in a mount namespace of the test's own):
// as root the handle is a private procfs and reads the kernel's file; without
// the privilege to mount it falls back to /proc, and the overmount is refused
// (EXDEV), never followed.
t.test('the handle under an overmount of /proc/sys/kernel: private procfs as root, refused without privileges', async (t) => {
  const dir = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(dir, 'hostname'), 'fake-hostname\n')
  const probe = path.join(dir, 'probe.js')
  fs.writeFileSync(probe, [
    'const m = { exports: {} }',
    'process.dlopen(m, process.argv[2])',
    "try { console.log('read ' + m.exports.procRead(0, '../sys/kernel/hostname').trim()) } catch (e) { console.log('errno ' + e.errno) }",
  ].join('\n'))
  fs.chmodSync(dir, 0o755)
  const addon = path.resolve(__dirname, '../../build/Release/ocits_native.node')
  const node = process.execPath
  const script = [
    `mount --bind ${dir} /proc/sys/kernel`,
    'echo "path $(cat /proc/sys/kernel/hostname)"',
    `${node} ${probe} ${addon}`,
    `setpriv --reuid=65534 --regid=65534 --clear-groups ${node} ${probe} ${addon}`,
  ].join(' && ')
  const out = execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH } })
  const [viaPath, asRoot, unprivileged] = out.trim().split('\n')
  t.equal(viaPath, 'path fake-hostname', 'a path walk follows the overmount')
  t.equal(asRoot, `read ${fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()}`, 'the runtime as root reads the kernel\'s own file')
  t.equal(unprivileged, 'errno 18', 'without privileges (the /proc fallback) the overmount is refused: EXDEV')
})
