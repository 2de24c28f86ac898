// Unit tests of lib/cgroups/resources.ts (linux.resources -> cgroup files)
// against fake v1, v2 and hybrid trees in a temp dir. Files a real kernel
// offers are pre-created empty: a missing file is a missing controller knob.
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcitsError } from '../../lib/errors';
import { applyResources, blkioWeightToIoWeight, cpuMax, cpuSharesToWeight, memorySwapToV2, type ResourceTarget } from '../../lib/cgroups/resources';
import type { LinuxResources } from '../../lib/spec/types';
import type { CgroupMode } from '../../lib/cgroups/types';

const V1_FILES: Record<string, string[]> = {
  memory: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness', 'memory.oom_control', 'memory.kmem.tcp.limit_in_bytes'],
  cpu: ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.cfs_burst_us', 'cpu.rt_runtime_us', 'cpu.rt_period_us', 'cpu.idle'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  pids: ['pids.max'],
  blkio: ['blkio.weight', 'blkio.weight_device', 'blkio.leaf_weight', 'blkio.leaf_weight_device', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device'],
  hugetlb: ['hugetlb.2MB.limit_in_bytes', 'hugetlb.2MB.rsvd.limit_in_bytes'],
  net_cls: ['net_cls.classid'],
  net_prio: ['net_prio.ifpriomap'],
};
const V2_FILES = ['memory.max', 'memory.swap.max', 'memory.low', 'memory.high', 'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle', 'cpuset.cpus', 'cpuset.mems', 'pids.max', 'io.weight', 'io.max', 'hugetlb.2MB.max', 'hugetlb.2MB.rsvd.max', 'rdma.max'];

interface Fake {
  target: ResourceTarget;
  root: string;
  read: (key: string, file: string) => string;
}

/** A fake tree: v1 hierarchies `v1` (each its own dir), and a unified one offering `v2ctl` (none for 'v1'). */
function fake(t: tap.Test, mode: CgroupMode, v1: string[], v2ctl: string[]): Fake {
  const root = mkdtempSync(join(tmpdir(), `ocits-res-${mode}-`));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const paths: Record<string, string> = {};
  const bases: Record<string, string> = {};
  const rel = 'ocits-test/c1';
  for (const h of mode === 'v2' ? [] : v1) {
    const dir = join(root, h, rel);
    mkdirSync(dir, { recursive: true });
    for (const f of V1_FILES[h] ?? []) writeFileSync(join(dir, f), '');
    paths[h] = dir;
    bases[h] = join(root, h);
  }
  if (mode !== 'v1') {
    const mount = mode === 'v2' ? root : join(root, 'unified');
    const dir = join(mount, rel);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(mount, 'cgroup.controllers'), v2ctl.join(' ') + '\n');
    writeFileSync(join(mount, 'cgroup.subtree_control'), '');
    for (const f of V2_FILES) if (v2ctl.includes(f.split('.')[0])) writeFileSync(join(dir, f), '');
    paths.unified = dir;
    bases.unified = mount;
  }
  return { root, target: { mode, paths, bases }, read: (key, file) => readFileSync(join(paths[key], file), 'utf8') };
}

function err(fn: () => unknown): { code?: string; pointer?: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof OcitsError) return { code: e.code, pointer: e.pointer, message: e.message };
    return { message: String(e) };
  }
  return { message: 'no error' };
}

const ALL_V1 = ['memory', 'cpu', 'cpuset', 'pids', 'blkio'];
const ALL_V2 = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb', 'rdma'];

t.test('conversions as runc', async (t) => {
  t.equal(cpuSharesToWeight(0), 0);
  t.equal(cpuSharesToWeight(2), 1);
  t.equal(cpuSharesToWeight(1024), 39);
  t.equal(cpuSharesToWeight(262144), 10000);
  t.equal(blkioWeightToIoWeight(0), 0);
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(500), 4950);
  t.equal(blkioWeightToIoWeight(1000), 10000);
  t.equal(memorySwapToV2(0, -1), -1, 'memory unlimited, swap unset: both unlimited');
  t.equal(memorySwapToV2(-1, 100), -1);
  t.equal(memorySwapToV2(0, 100), 0);
  t.equal(memorySwapToV2(300, 100), 200, 'v2 swap = memsw - memory');
  t.match(err(() => memorySwapToV2(50, 100)), { code: 'EINVAL_CONFIG', pointer: '/linux/resources/memory/swap' });
  t.match(err(() => memorySwapToV2(50, 0)), { code: 'EINVAL_CONFIG', message: /without memory limit/ });
  t.equal(cpuMax(50000, 100000), '50000 100000');
  t.equal(cpuMax(-1, 100000), 'max 100000');
  t.equal(cpuMax(0, 100000), 'max 100000');
  t.equal(cpuMax(20000, 0), '20000');
});

const FULL: LinuxResources = {
  devices: [{ allow: false, access: 'rwm' }],
  memory: { limit: 100 << 20, reservation: 50 << 20, swap: 200 << 20, swappiness: 10, disableOOMKiller: true, kernelTCP: 1 << 20, kernel: 1 << 20 },
  cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, realtimeRuntime: 950000, realtimePeriod: 1000000, cpus: '0-1', mems: '0', idle: 0 },
  pids: { limit: 50 },
  blockIO: {
    weight: 500,
    leafWeight: 300,
    weightDevice: [{ major: 8, minor: 0, weight: 600, leafWeight: 200 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2000 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 30 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 40 }],
  },
  hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }],
  network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] },
};

t.test('v1: every file and value, in runc order', async (t) => {
  const f = fake(t, 'v1', [...ALL_V1, 'hugetlb', 'net_cls', 'net_prio'], []);
  const warns: string[] = [];
  const written = applyResources(f.target, FULL, (m) => warns.push(m)).map(([file, v]) => [file.slice(f.root.length + 1), v]);
  const c = 'ocits-test/c1';
  t.same(written, [
    [`cpuset/${c}/cpuset.cpus`, '0-1'],
    [`cpuset/${c}/cpuset.mems`, '0'],
    // the fake's current limit is '' (0), below the new memsw: memsw first (runc's order for raising)
    [`memory/${c}/memory.memsw.limit_in_bytes`, String(200 << 20)],
    [`memory/${c}/memory.limit_in_bytes`, String(100 << 20)],
    [`memory/${c}/memory.soft_limit_in_bytes`, String(50 << 20)],
    [`memory/${c}/memory.kmem.tcp.limit_in_bytes`, String(1 << 20)],
    [`memory/${c}/memory.oom_control`, '1'],
    [`memory/${c}/memory.swappiness`, '10'],
    [`cpu/${c}/cpu.rt_period_us`, '1000000'],
    [`cpu/${c}/cpu.rt_runtime_us`, '950000'],
    [`cpu/${c}/cpu.shares`, '1024'],
    [`cpu/${c}/cpu.cfs_period_us`, '100000'],
    [`cpu/${c}/cpu.cfs_burst_us`, '1000'],
    [`cpu/${c}/cpu.cfs_quota_us`, '50000'],
    [`cpu/${c}/cpu.cfs_burst_us`, '1000'],
    [`cpu/${c}/cpu.idle`, '0'],
    [`blkio/${c}/blkio.weight`, '500'],
    [`blkio/${c}/blkio.leaf_weight`, '300'],
    [`blkio/${c}/blkio.weight_device`, '8:0 600'],
    [`blkio/${c}/blkio.leaf_weight_device`, '8:0 200'],
    [`blkio/${c}/blkio.throttle.read_bps_device`, '8:0 1000'],
    [`blkio/${c}/blkio.throttle.write_bps_device`, '8:0 2000'],
    [`blkio/${c}/blkio.throttle.read_iops_device`, '8:0 30'],
    [`blkio/${c}/blkio.throttle.write_iops_device`, '8:0 40'],
    [`hugetlb/${c}/hugetlb.2MB.rsvd.limit_in_bytes`, String(4 << 20)],
    [`hugetlb/${c}/hugetlb.2MB.limit_in_bytes`, String(4 << 20)],
    [`net_cls/${c}/net_cls.classid`, String(0x100001)],
    [`net_prio/${c}/net_prio.ifpriomap`, 'eth0 5'],
    [`pids/${c}/pids.max`, '50'],
  ]);
  t.match(warns, [/memory\.kernel is ignored/]);
  t.equal(f.read('memory', 'memory.limit_in_bytes'), String(100 << 20));
});

t.test('v1 memory: swap first when raising, -1 propagates to memsw', async (t) => {
  const f = fake(t, 'v1', ['memory'], []);
  writeFileSync(join(f.target.paths.memory, 'memory.limit_in_bytes'), String(10 << 20));
  let w = applyResources(f.target, { memory: { limit: 100 << 20, swap: 200 << 20 } }).map(([p]) => p.split('/').pop());
  t.same(w, ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes'], 'current limit below the new swap: memsw first');
  writeFileSync(join(f.target.paths.memory, 'memory.limit_in_bytes'), String(500 << 20));
  w = applyResources(f.target, { memory: { limit: 100 << 20, swap: 200 << 20 } }).map(([p]) => p.split('/').pop());
  t.same(w, ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'], 'lowering: limit first');
  const all = applyResources(f.target, { memory: { limit: -1 } });
  t.same(all.map(([p, v]) => [p.split('/').pop(), v]), [['memory.memsw.limit_in_bytes', '-1'], ['memory.limit_in_bytes', '-1']]);
  t.match(err(() => applyResources(f.target, { memory: { swappiness: 101 } })), { code: 'EINVAL_CONFIG', pointer: '/linux/resources/memory/swappiness' });
  t.same(applyResources(f.target, { memory: { swappiness: -1 } }), [], 'swappiness -1: unset');
});

t.test('v1 pids: 0 and -1 mean max', async (t) => {
  const f = fake(t, 'v1', ['pids'], []);
  for (const limit of [0, -1]) {
    applyResources(f.target, { pids: { limit } });
    t.equal(f.read('pids', 'pids.max'), 'max', `limit ${limit}`);
  }
});

t.test('v2: every file and value, conversions', async (t) => {
  const f = fake(t, 'v2', [], ALL_V2);
  const warns: string[] = [];
  const r: LinuxResources = {
    ...FULL,
    cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, cpus: '0-1', mems: '0', idle: 1 },
    network: undefined,
    rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } },
    unified: { 'memory.high': '90000000' },
  };
  const written = applyResources(f.target, r, (m) => warns.push(m)).map(([file, v]) => [file.slice(f.root.length + 1), v]);
  const c = 'ocits-test/c1';
  t.same(written, [
    [`${c}/cpuset.cpus`, '0-1'],
    [`${c}/cpuset.mems`, '0'],
    [`${c}/memory.swap.max`, String(100 << 20)],
    [`${c}/memory.max`, String(100 << 20)],
    [`${c}/memory.low`, String(50 << 20)],
    [`${c}/cpu.idle`, '1'],
    [`${c}/cpu.weight`, '39'],
    [`${c}/cpu.max.burst`, '1000'],
    [`${c}/cpu.max`, '50000 100000'],
    [`${c}/cpu.max.burst`, '1000'],
    [`${c}/io.weight`, '4950'],
    [`${c}/io.max`, '8:0 rbps=1000'],
    [`${c}/io.max`, '8:0 wbps=2000'],
    [`${c}/io.max`, '8:0 riops=30'],
    [`${c}/io.max`, '8:0 wiops=40'],
    [`${c}/hugetlb.2MB.rsvd.max`, String(4 << 20)],
    [`${c}/hugetlb.2MB.max`, String(4 << 20)],
    [`${c}/pids.max`, '50'],
    [`${c}/rdma.max`, 'mlx5_0 hca_handle=3 hca_object=100'],
    [`${c}/memory.high`, '90000000'],
  ]);
  t.ok(warns.some((w) => /swappiness is ignored/.test(w)));
  t.ok(warns.some((w) => /disableOOMKiller is ignored/.test(w)));
  t.ok(warns.some((w) => /leafWeight is ignored/.test(w)));
  // controllers enabled from the mount down to the container's parent
  t.match(readFileSync(join(f.root, 'cgroup.subtree_control'), 'utf8'), /\+/);
  t.ok(existsSync(join(f.root, 'ocits-test', 'cgroup.subtree_control')), 'the intermediate level enables too');
  t.notOk(existsSync(join(f.target.paths.unified, 'cgroup.subtree_control')), "not the container's own dir");
});

t.test('v2: memory edge cases, rt, checkBeforeUpdate', async (t) => {
  const f = fake(t, 'v2', [], ALL_V2);
  const files = (r: LinuxResources) => applyResources(f.target, r).map(([p, v]) => [p.split('/').pop(), v]);
  t.same(files({ memory: { limit: -1 } }), [['memory.swap.max', 'max'], ['memory.max', 'max']]);
  t.same(files({ memory: { limit: 100, swap: 100 } }), [['memory.swap.max', '0'], ['memory.max', '100']], 'swap == limit: no swap');
  t.same(files({ cpu: { period: 100000 } }), [['cpu.max', 'max 100000']]);
  t.same(files({ cpu: { quota: -1 } }), [['cpu.max', 'max']]);
  t.same(files({ pids: { limit: -1 } }), [['pids.max', 'max']]);
  t.match(err(() => files({ cpu: { realtimeRuntime: 1000 } })), { code: 'ECGROUP', pointer: '/linux/resources/cpu/realtimeRuntime' });
  writeFileSync(join(f.target.paths.unified, 'memory.current'), '5000\n');
  t.match(err(() => files({ memory: { limit: 4000, checkBeforeUpdate: true } })), { code: 'EINVAL_CONFIG', message: /below current usage 5000/ });
  t.same(files({ memory: { limit: 6000, checkBeforeUpdate: true } }), [['memory.max', '6000']]);
  t.match(err(() => files({ unified: { '../x': '1' } })), { code: 'EINVAL_CONFIG', pointer: '/linux/resources/unified/..~1x' });
  t.match(err(() => files({ unified: { 'misc.max': '1' } })), { code: 'EINVAL_CONFIG', message: /^invalid configuration: \/linux\/resources\/unified\/misc\.max: unified resource "misc\.max" can't be set: controller "misc" not available/ });
  t.match(err(() => files({ network: { classID: 1 } })), { code: 'ECGROUP', pointer: '/linux/resources/network/classID' });
  // a missing file (the kernel lacks the knob) names the field
  t.match(err(() => files({ hugepageLimits: [{ pageSize: '1GB', limit: 1 }] })), { code: 'ECGROUP', pointer: '/linux/resources/hugepageLimits/0' });
  rmSync(join(f.target.paths.unified, 'cpu.max.burst'));
  t.match(err(() => files({ cpu: { burst: 5 } })), { code: 'ECGROUP', pointer: '/linux/resources/cpu/burst' }, 'no cpu.max.burst');
});

t.test('hybrid: hugetlb in the unified hierarchy, the rest in v1', async (t) => {
  const f = fake(t, 'hybrid', ALL_V1, ['hugetlb']);
  const w = applyResources(f.target, { pids: { limit: 5 }, hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }], unified: { 'hugetlb.2MB.max': String(4 << 20) } });
  t.same(w.map(([p, v]) => [p.slice(f.root.length + 1), v]), [
    ['unified/ocits-test/c1/hugetlb.2MB.rsvd.max', String(2 << 20)],
    ['unified/ocits-test/c1/hugetlb.2MB.max', String(2 << 20)],
    ['pids/ocits-test/c1/pids.max', '5'],
    ['unified/ocits-test/c1/hugetlb.2MB.max', String(4 << 20)],
  ]);
  t.equal(readFileSync(join(f.root, 'unified', 'cgroup.subtree_control'), 'utf8'), '+hugetlb');
  t.match(err(() => applyResources(f.target, { unified: { 'memory.high': '1' } })), {
    code: 'EINVAL_CONFIG',
    pointer: '/linux/resources/unified/memory.high',
    message: /^invalid configuration: .*offers only: hugetlb/,
  });
  t.match(err(() => applyResources(f.target, { rdma: { mlx: { hcaHandles: 1 } } })), { code: 'ECGROUP', pointer: '/linux/resources/rdma/mlx' });
});

t.test('v1: errors name the field', async (t) => {
  const f = fake(t, 'v1', ['memory', 'cpu', 'cpuset'], []);
  t.match(err(() => applyResources(f.target, { unified: { 'memory.high': '1' } })), { code: 'EINVAL_CONFIG', message: /cannot use unified on cgroup v1/ });
  t.match(err(() => applyResources(f.target, { pids: { limit: 3 } })), { code: 'ECGROUP', pointer: '/linux/resources/pids/limit', message: /"pids" is not available/ });
  t.match(err(() => applyResources(f.target, { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] })), { code: 'ECGROUP', pointer: '/linux/resources/hugepageLimits/0' });
  t.match(err(() => applyResources(f.target, { hugepageLimits: [{ pageSize: 'big', limit: 1 }] })), { code: 'ECGROUP' });
  rmSync(join(f.target.paths.memory, 'memory.swappiness'));
  t.match(err(() => applyResources(f.target, { memory: { swappiness: 5 } })), { code: 'ECGROUP', pointer: '/linux/resources/memory/swappiness', message: /ENOENT/ });
  t.same(applyResources(f.target, { devices: [{ allow: false, access: 'rwm' }] }), [], 'device rules are not written here');
  t.same(applyResources(f.target, undefined), []);
});
