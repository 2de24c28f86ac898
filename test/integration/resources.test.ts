// linux.resources on real containers on this host (v1 hierarchies plus a
// unified hierarchy holding hugetlb on the hybrid host): values read back from
// the host side of the container's cgroup, effects observed, failures leave
// nothing behind.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { assertNoTrace, diag, isRunc, makeBundle, referenceRunc, runtime, traceOf, withReference, type Bundle } from '../helpers'

const ROOT = '/sys/fs/cgroup'
const has = (h: string) => fs.existsSync(path.join(ROOT, h, 'cgroup.procs'))
const v1 = has('memory') && has('pids') && has('cpu')

function read(h: string, b: Bundle, file: string): string {
  return fs.readFileSync(path.join(ROOT, h, b.cgroupsPath, file), 'utf8').trim()
}

// a real block device (blkio throttles refuse char devices with ENODEV)
const disk = (() => {
  const l = fs.readFileSync('/proc/partitions', 'utf8').split('\n').slice(2).find((x) => x.trim())
  const [major, minor] = (l ?? '8 0').trim().split(/\s+/).map(Number)
  return { major, minor }
})()

const LIMITS = {
  memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 128 * 1024 * 1024, swappiness: 10 },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
  pids: { limit: 20 },
  blockIO: { throttleReadBpsDevice: [{ ...disk, rate: 1048576 }], throttleWriteIOPSDevice: [{ ...disk, rate: 100 }] },
}

const FILES: [string, string, string][] = [
  ['memory', 'memory.limit_in_bytes', String(64 * 1024 * 1024)],
  ['memory', 'memory.soft_limit_in_bytes', String(32 * 1024 * 1024)],
  ['memory', 'memory.memsw.limit_in_bytes', String(128 * 1024 * 1024)],
  ['memory', 'memory.swappiness', '10'],
  ['cpu', 'cpu.shares', '512'],
  ['cpu', 'cpu.cfs_quota_us', '50000'],
  ['cpu', 'cpu.cfs_period_us', '100000'],
  ['cpuset', 'cpuset.cpus', '0'],
  ['cpuset', 'cpuset.mems', '0'],
  ['pids', 'pids.max', '20'],
  ['blkio', 'blkio.throttle.read_bps_device', `${disk.major}:${disk.minor} 1048576`],
  ['blkio', 'blkio.throttle.write_iops_device', `${disk.major}:${disk.minor} 100`],
]

t.test('v1 values are written and read back (and match runc)', { skip: !v1 && 'needs v1 memory/cpu/pids' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => Object.assign(c.linux!.resources!, LIMITS))
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'create', { stderr: res.stderr })
  const got: Record<string, string> = {}
  for (const [h, f, want] of FILES) {
    got[f] = read(h, b, f)
    t.equal(got[f], want, `${h}/${f}`)
  }
  await r.rt(['delete', '--force', b.id])
  await assertNoTrace(t, traceOf(r.root, b))

  const runc = referenceRunc()
  if (runc && !isRunc()) {
    const rr = runtime(t, { bin: runc })
    const b2 = makeBundle(t, (c) => Object.assign(c.linux!.resources!, LIMITS))
    const res2 = await rr.rt(['create', '--bundle', b2.dir, b2.id])
    t.equal(res2.code, 0, 'runc create', { stderr: res2.stderr })
    for (const [h, f] of FILES) t.equal(read(h, b2, f), got[f], `same as runc: ${h}/${f}`)
    await rr.rt(['delete', '--force', b2.id])
  }
})

t.test('pids limit stops a fork bomb', { skip: !has('pids') && 'no pids hierarchy' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', 'for i in $(seq 30); do sleep 5 & done; echo all started']
    c.linux!.resources!.pids = { limit: 10 }
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { timeout: 30000 } as any)
  t.match(res.stderr, /can't fork: Resource temporarily unavailable/, 'fork fails past the limit', { stderr: res.stderr })
  t.notMatch(res.stdout, /all started/, 'the loop never completes')
  await r.rt(['delete', '--force', b.id])
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('memory limit triggers the OOM killer', { skip: !has('memory') && 'no memory hierarchy' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', 'head -c 200m /dev/zero | tail; echo "tail exit $?"']
    c.linux!.resources!.memory = { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 }
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { timeout: 60000 } as any)
  t.match(res.stdout, /tail exit 137/, 'tail is killed (SIGKILL by the OOM killer)', { stdout: res.stdout, stderr: res.stderr })
  await r.rt(['delete', '--force', b.id])
  await assertNoTrace(t, traceOf(r.root, b))
})

const hugeUnified = fs.existsSync(path.join(ROOT, 'unified/cgroup.controllers')) &&
  fs.readFileSync(path.join(ROOT, 'unified/cgroup.controllers'), 'utf8').split(/\s+/).includes('hugetlb') && !has('hugetlb')

// runc 1.1 looks for hugetlb in v1 hierarchies only and fails here with
// "cannot set hugetlb limit: container could not join or create cgroup".
const hugeSkip = !hugeUnified ? 'hugetlb is not in the unified hierarchy here' : isRunc() ? 'runc 1.1 cannot set hugetlb on a hybrid host' : false

t.test('hugetlb on the unified hierarchy (hybrid host)', { skip: hugeSkip }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => (c.linux!.resources!.hugepageLimits = [{ pageSize: '2MB', limit: 4 * 1024 * 1024 }]))
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'create', { stderr: res.stderr })
  t.equal(read('unified', b, 'hugetlb.2MB.max'), String(4 * 1024 * 1024), 'unified/hugetlb.2MB.max')
  await r.rt(['delete', '--force', b.id])
  await assertNoTrace(t, traceOf(r.root, b))
})

const failures: { name: string; res: Record<string, unknown>; says: RegExp; skip?: boolean }[] = [
  { name: 'a memory limit below what the kernel accepts with swap', res: { memory: { limit: 64 << 20, swap: 32 << 20 } }, says: /\/linux\/resources\/memory\/(swap|limit)/ },
  { name: 'an invalid cpuset', res: { cpu: { cpus: '999' } }, says: /\/linux\/resources\/cpu\/cpus/ },
  { name: 'network classID without a net_cls hierarchy', res: { network: { classID: 42 } }, says: /\/linux\/resources\/network\/classID.*net_cls/, skip: has('net_cls') },
  { name: 'rdma without an rdma controller', res: { rdma: { mlx5_0: { hcaHandles: 3 } } }, says: /\/linux\/resources\/rdma\/mlx5_0/, skip: has('rdma') },
  { name: 'a unified key the host does not offer', res: { unified: { 'memory.high': '1000000' } }, says: /\/linux\/resources\/unified\/memory\.high/ },
  { name: 'an unknown hugepage size', res: { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }, says: /\/linux\/resources\/hugepageLimits\/0/ },
  { name: 'swappiness out of range', res: { memory: { swappiness: 200 } }, says: /\/linux\/resources\/memory\/swappiness/ },
]

for (const f of failures) {
  t.test(`create fails and leaves nothing: ${f.name}`, { skip: (f.skip || !v1) && 'not applicable on this host' }, async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, (c) => Object.assign(c.linux!.resources!, f.res))
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, 'exit code 1', { stderr: res.stderr })
    if (!isRunc()) t.match(res.stderr.trim(), f.says, 'the message names the field')
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

// Callers match runc's words: a unified key the host cannot take is an "invalid configuration".
t.test('a unified key for a controller the host does not offer: "invalid configuration", as runc', { skip: !v1 && 'not applicable on this host' }, async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t, (c) => Object.assign(c.linux!.resources!, { unified: { 'memory.high': '1000000' } }))
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${name}: create fails`, diag(res))
    t.match(res.stderr, /invalid configuration/, `${name}: an invalid configuration`)
    await assertNoTrace(t, traceOf(r.root, b), name)
  }
})
