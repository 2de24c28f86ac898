// Regressions found in review, each checked on real containers.
import t from 'tap'
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
