// Failures inside the init (after namespaces and mounts exist) and a create
// killed half way: each leaves no state dir, cgroup, mount or process, and
// never harms a container that is already running.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { assertNoTrace, createKilledAfter, makeBundle, runtime, stateOf, traceOf, type Mutate } from '../helpers'

const isOcits = path.basename(process.env.OCITS_TEST_RUNTIME ?? 'ocits') === 'ocits'

interface InitFailure {
  name: string
  mutate: Mutate
  /** what ocits' message must say (the real cause, from inside the init) */
  says: RegExp
}

const failures: InitFailure[] = [
  {
    name: 'a mount of an unknown filesystem type',
    mutate: (c) => c.mounts!.push({ destination: '/mnt/x', type: 'nosuchfs', source: 'none' }),
    says: /mount none \(type nosuchfs\) on \/mnt\/x: no such device/,
  },
  {
    name: 'a sysctl the kernel does not have',
    mutate: (c) => (c.linux!.sysctl = { 'net.ipv4.no_such_key': '1' }),
    says: /sysctl net\.ipv4\.no_such_key \(linux\.sysctl\): write 1 to \/proc\/sys\/net\/ipv4\/no_such_key: no such file or directory/,
  },
  {
    name: 'a scheduler policy the cgroup does not allow (SCHED_FIFO without cpu.rt_runtime_us)',
    mutate: (c) => (c.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 }),
    says: /set the scheduler \(process\.scheduler\): operation not permitted/,
  },
  {
    name: 'a cwd that is a file',
    mutate: (c) => (c.process!.cwd = '/bin/busybox'),
    says: /cwd \/bin\/busybox/,
  },
]

for (const f of failures) {
  t.test(`init failure: ${f.name}`, async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, f.mutate)
    const res = await r.rt(['create', '--bundle', b.dir, '--pid-file', path.join(b.dir, 'pid'), b.id])
    t.equal(res.code, 1, 'exit code 1', { stderr: res.stderr })
    if (isOcits) {
      const lines = res.stderr.trim().split('\n')
      t.equal(lines.length, 1, 'one line on stderr')
      t.match(lines[0], /^ocits: /, 'ocits: ...')
      t.match(lines[0], f.says, 'the real cause from inside the init')
    }
    t.notOk(fs.existsSync(path.join(b.dir, 'pid')), 'no pid file')
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

t.test('a failed create never harms a running container', async (t) => {
  const r = runtime(t)
  const good = makeBundle(t)
  t.equal((await r.rt(['run', '-d', '--bundle', good.dir, good.id])).code, 0, 'first container runs')
  const bad = makeBundle(t, failures[0].mutate)
  t.equal((await r.rt(['create', '--bundle', bad.dir, bad.id])).code, 1, 'second create fails')
  t.equal((await stateOf(r, good.id))?.status, 'running', 'first container still running')
  await assertNoTrace(t, traceOf(r.root, bad))
  t.equal((await r.rt(['delete', '--force', good.id])).code, 0, 'delete --force')
  await assertNoTrace(t, traceOf(r.root, good))
})

// SIGKILL `create` at different moments (containerd's shim may do that): every
// outcome, from "nothing yet" to "created", must be cleaned by delete --force.
t.test('a create killed half way is cleaned up by delete --force', async (t) => {
  const delays = [0, 5, 10, 15, 20, 25, 30, 40, 50, 70, 100]
  for (const ms of delays) {
    const r = runtime(t)
    const b = makeBundle(t)
    await createKilledAfter(r, b, ms)
    const del = await r.rt(['delete', '--force', b.id])
    t.equal(del.code, 0, `killed after ${ms} ms: delete --force succeeds`, { stderr: del.stderr })
    await assertNoTrace(t, traceOf(r.root, b), `killed after ${ms} ms: `)
  }
})
