// Regressions found in review, each checked on real containers.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { diag, makeBundle, runtime, stateOf } from '../helpers'

t.test('the container inherits no ignored or blocked signal (glibc posix_spawn leaves 32 and 33 ignored)', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['grep', '-E', '^Sig(Ign|Blk):', '/proc/self/status'])
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'the container ran', diag(res))
  t.match(res.stdout, /^SigBlk:\s+0{16}$/m, 'no signal blocked')
  t.match(res.stdout, /^SigIgn:\s+0{16}$/m, 'no signal ignored')
})

t.test("a failed create in another container's cgroup leaves that container alone", async (t) => {
  const r = runtime(t)
  const a = makeBundle(t)
  t.equal((await r.rt(['run', '-d', '--bundle', a.dir, a.id])).code, 0, 'A runs')
  const b = makeBundle(t, (c) => {
    c.linux.cgroupsPath = a.cgroupsPath
    c.mounts.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['size=bogus'] })
  })
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'B fails in its init', diag(res))
  t.match(res.stderr, /mount tmpfs/, 'with the init\'s cause')
  await new Promise((ok) => setTimeout(ok, 300))
  t.equal((await stateOf(r, a.id))?.status, 'running', 'A still runs')
})

t.test('maskedPaths: a rootfs /dev/null that is a symlink does not unmask a path', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    // No /dev mount: the rootfs's own /dev is used and an existing node is kept.
    c.mounts = c.mounts.filter((m) => m.destination !== '/dev')
    c.process.args = ['cat', '/proc/timer_list']
    fs.mkdirSync(path.join(bb.rootfs, 'dev'), { recursive: true })
    fs.rmSync(path.join(bb.rootfs, 'dev', 'null'), { force: true })
    fs.symlinkSync('/proc/timer_list', path.join(bb.rootfs, 'dev', 'null'))
  })
  t.ok(b.config.linux.maskedPaths?.includes('/proc/timer_list'), 'the default spec masks /proc/timer_list')
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.notMatch(res.stdout, /\S/, 'nothing of /proc/timer_list is readable', diag(res))
  t.not(res.code, 0, 'the runtime refuses the fake /dev/null')
  t.match(res.stderr, /not the null device|\/dev\/null: the rootfs has another file there \(not this device\)/, 'and says why')
})

t.test('maskedPaths: files are masked with the real /dev/null', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'wc -c < /proc/timer_list; grep -c " /proc/timer_list " /proc/self/mountinfo'])
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'the container ran', diag(res))
  t.equal(res.stdout.trim().split('\n').map((l) => l.trim()).join(' '), '0 1', 'masked: empty, one mount on it')
})

t.test("deleting a stopped container that shares its cgroup leaves the other container alone", async (t) => {
  const r = runtime(t)
  const a = makeBundle(t)
  t.equal((await r.rt(['run', '-d', '--bundle', a.dir, a.id])).code, 0, 'A runs')
  const b = makeBundle(t, (c) => {
    c.linux.cgroupsPath = a.cgroupsPath
    c.process.args = ['true']
  })
  t.equal((await r.rt(['run', '-d', '--bundle', b.dir, b.id])).code, 0, 'B runs in the same cgroup')
  for (let i = 0; i < 50 && (await stateOf(r, b.id))?.status !== 'stopped'; i++) await new Promise((ok) => setTimeout(ok, 50))
  t.equal((await stateOf(r, b.id))?.status, 'stopped', 'B has stopped')
  const del = await r.rt(['delete', b.id])
  t.equal(del.code, 0, 'delete B', diag(del))
  await new Promise((ok) => setTimeout(ok, 300))
  t.equal((await stateOf(r, a.id))?.status, 'running', 'A still runs')
  t.equal((await r.rt(['delete', '--force', a.id])).code, 0, 'delete --force A')
})
