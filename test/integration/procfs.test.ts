// The container's /proc cannot redirect what the runtime writes there (the
// CVE-2025-52881 class, issue 10): every write the init makes to procfs goes
// through a private procfs, so that even a mount over the container's
// /proc/sys (here a createContainer hook's) cannot send a sysctl to a
// host-wide file. The target is a harmless host setting (fs.lease-break-time),
// restored at teardown if an attack changed it.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  isRunc,
  makeBundle,
  makeTempDir,
  runtime,
  traceOf,
} from '../helpers'
import { native } from '../../lib/native'

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

// A createContainer hook (in the
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
