// Unit tests of the systemd cgroup driver's pure parts (lib/cgroups/systemd):
// cgroupsPath parsing, slice expansion, the unit's dirs, and the unit properties
// against runc 1.1's tables of expected values (cpuset_test.go TestRangeToBits,
// systemd_test.go TestSystemdVersion/TestValidUnitTypes, utils_test.go,
// and the values its bats tests read back with `systemctl show`: update.bats,
// helpers.bash check_cpu_quota). The driver against a real systemd is tested
// in the guest (test/guest/scenarios/systemd.sh).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcitsError } from '../../lib/errors';
import { loadManager, newManager } from '../../lib/cgroups';
import { buildDeviceRules, type DeviceRule } from '../../lib/cgroups/devices';
import { cpuSharesToWeight, memorySwapToV2 } from '../../lib/cgroups/resources';
import {
  INFINITY,
  cpuQuotaProperties,
  deviceGroup,
  deviceProperties,
  rangeToBits,
  resourceProperties,
  scopeProperties,
  unifiedProperties,
  type PropertyContext,
} from '../../lib/cgroups/systemd/properties';
import { expandSlice, parseSystemdPath, systemdVersionOf, unitType } from '../../lib/cgroups/systemd/unit';
import type { Spec } from '../../lib/spec/types';

function code(f: () => unknown): OcitsError {
  try {
    f();
  } catch (e) {
    if (e instanceof OcitsError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const V2 = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
// a systemd host booted with systemd.unified_cgroup_hierarchy=0 (hybrid)
const HYBRID = `31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
33 31 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,freezer
37 31 0:34 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
`;
const INIT_HYBRID = '5:devices:/\n4:freezer:/\n3:memory:/\n2:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/init.scope\n';

const PROC_DEVICES = `Character devices:
  1 mem
  4 /dev/vc/0
  5 /dev/tty
 10 misc
136 pts

Block devices:
  8 sd
254 virtblk
`;

function ctx(o: Partial<PropertyContext> = {}): PropertyContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { version: 252, v2: true, procDevices: () => PROC_DEVICES, warn: (m) => void warnings.push(m), warnings, ...o };
}

t.test('cgroupsPath "slice:prefix:name" (runc specconv)', async (t) => {
  t.same(parseSystemdPath('system.slice:ocits:c1', 'x'), { slice: 'system.slice', unit: 'ocits-c1.scope', name: 'c1' });
  t.same(parseSystemdPath(':docker:1234', 'x'), { slice: 'system.slice', unit: 'docker-1234.scope', name: '1234' }, 'an empty slice is system.slice');
  t.same(parseSystemdPath(undefined, 'c9'), { slice: 'system.slice', unit: 'ocits-c9.scope', name: 'c9' }, 'no cgroupsPath: <prefix>-<id>.scope');
  t.same(parseSystemdPath('', 'c9').unit, 'ocits-c9.scope');
  t.same(parseSystemdPath('machine-libpod_pod_1.slice:libpod:abc', 'x').slice, 'machine-libpod_pod_1.slice');
  t.same(parseSystemdPath('system.slice:kubelet:kubepods-pod1.slice', 'x').unit, 'kubepods-pod1.slice', 'a name ending in .slice is the unit itself');
  for (const bad of ['a:b', 'a:b:c:d', 'nope']) {
    const e = code(() => parseSystemdPath(bad, 'x'));
    t.match(e, { code: 'EINVAL_CONFIG', pointer: '/linux/cgroupsPath' }, bad);
    t.match(e.message, `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${bad}" instead`);
  }
  t.match(code(() => parseSystemdPath('system.slice:ocits:', 'x')), { pointer: '/linux/cgroupsPath', message: /name part/ });
  t.match(code(() => parseSystemdPath('system.slice:oc its:c1', 'x')), { pointer: '/linux/cgroupsPath', message: /prefix "oc its"/ });
  t.match(code(() => parseSystemdPath('system.slice:ocits:c/1', 'x')), { pointer: '/linux/cgroupsPath' });
  t.match(code(() => parseSystemdPath('bad:ocits:c1', 'x')), { pointer: '/linux/cgroupsPath', message: /invalid slice name: bad/ });
});

t.test('slice expansion (runc ExpandSlice)', async (t) => {
  t.equal(expandSlice('system.slice'), '/system.slice');
  t.equal(expandSlice('test-a-b.slice'), '/test.slice/test-a.slice/test-a-b.slice');
  t.equal(expandSlice('machine-libpod_pod_1.slice'), '/machine.slice/machine-libpod_pod_1.slice');
  t.equal(expandSlice('-.slice'), '/', 'the root slice');
  for (const bad of ['test--a.slice', '-test.slice', 'test-.slice', 'a/b.slice', 'system', '.slice', 'slice']) {
    t.match(code(() => expandSlice(bad)), { code: 'EINVAL_CONFIG', message: `invalid slice name: ${bad}` }, bad);
  }
});

t.test('unit types and systemd versions (runc TestValidUnitTypes, TestSystemdVersion)', async (t) => {
  t.equal(unitType('system.slice'), 'Slice');
  t.equal(unitType('kubepods.slice'), 'Slice');
  t.equal(unitType('testing-container:ab.scope'), 'Scope');
  const versions: [string, number][] = [['"219"', 219], ['"v245.4-1.fc32"', 245], ['"241-1"', 241], ['"v241-1"', 241], ['252.39-1~deb12u2', 252]];
  for (const [s, v] of versions) t.equal(systemdVersionOf(s), v, s);
  for (const bad of ['NaN', '']) t.match(code(() => systemdVersionOf(bad)), { code: 'ECGROUP' }, `"${bad}"`);
});

t.test('cpuset lists to AllowedCPUs bits (runc TestRangeToBits, byte order as fixed in 1.1.5)', async (t) => {
  const cases: [string, number[]][] = [
    ['0', [1]], ['1', [2]], ['0-1', [3]], ['0,1', [3]], [',0,1,', [3]], ['0-3', [0x0f]], ['0,1,2-3', [0x0f]],
    ['4-7', [0xf0]], ['0-7', [0xff]], ['0-15', [0xff, 0xff]], ['16', [0, 0, 1]], ['0-3,32-33', [0x0f, 0, 0, 0, 3]],
    ['1, 2, 1-2', [6]], ['    , 1   , 3  ,  5-7,\t', [0xea]],
    ['128-130,1', [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]],
  ];
  for (const [i, o] of cases) t.same([...rangeToBits(i)], o, JSON.stringify(i));
  for (const bad of ['', '-', '1-', '-3', '54-53', '1 - 2']) t.throws(() => rangeToBits(bad), JSON.stringify(bad));
});

t.test('CPU quota to CPUQuotaPerSecUSec, rounded up to 10 ms (runc addCpuQuota; update.bats values)', async (t) => {
  // [quota, period, what `systemctl show` prints in runc's tests]
  const cases: [number, number, bigint][] = [
    [500000, 1000000, 500000n], // 500ms
    [500000, 900000, 560000n], // 560ms
    [600000, 900000, 670000n], // 670ms
    [-1, 900000, INFINITY], // infinity
    [5000, 100000, 50000n], // 50ms
    [30000, 100000, 300000n], // 300ms
    [3000, 10000, 300000n], // 300ms
    [50000, 100000, 500000n],
    [1000, 0, 10000n], // no period: the kernel's 100 ms
    [1, 100000, 10000n], // 10 us per 100 ms: rounded up to 1%
  ];
  for (const [q, p, want] of cases) {
    const props = cpuQuotaProperties(q, p, 252);
    t.same(props.find((x) => x[0] === 'CPUQuotaPerSecUSec')?.[2], want, `quota ${q} period ${p}`);
    t.same(props.find((x) => x[0] === 'CPUQuotaPeriodUSec')?.[2], p ? BigInt(p) : undefined, `period ${p}`);
  }
  t.same(cpuQuotaProperties(0, 0, 252), [], 'neither: nothing');
  t.same(cpuQuotaProperties(0, 100000, 252), [['CPUQuotaPeriodUSec', 't', 100000n], ['CPUQuotaPerSecUSec', 't', INFINITY]], 'a period alone: no quota');
  t.same(cpuQuotaProperties(50000, 100000, 241), [['CPUQuotaPerSecUSec', 't', 500000n]], 'systemd < 242 has no CPUQuotaPeriodUSec');
});

t.test('CPU shares to weight, memory swap (runc utils_test.go)', async (t) => {
  for (const [s, w] of [[0, 0], [2, 1], [262144, 10000], [1024, 39], [100, 4]]) t.equal(cpuSharesToWeight(s), w, `shares ${s}`);
  t.equal(memorySwapToV2(0, 0), 0);
  t.equal(memorySwapToV2(-1, 0), -1);
  t.equal(memorySwapToV2(-1, -1), -1);
  t.equal(memorySwapToV2(-1, 1000), -1);
  t.equal(memorySwapToV2(96468992, 52428800), 96468992 - 52428800, 'update.bats: swap is the v1 memory+swap');
  t.throws(() => memorySwapToV2(500, 1000), /memory\+swap limit should be >= memory limit/);
});

t.test('resource properties on v2 (runc genV2ResourcesProperties)', async (t) => {
  const c = ctx();
  const r = { memory: { limit: 67108864, reservation: 25165824, swap: 96468992 + 67108864 - 52428800 }, pids: { limit: 100 }, cpu: { shares: 100, quota: 50000, period: 100000, cpus: '0-1', mems: '0' } };
  t.same(resourceProperties(r, c), [
    ['MemoryMax', 't', 67108864n],
    ['MemoryLow', 't', 25165824n],
    ['MemorySwapMax', 't', BigInt(96468992 - 52428800)],
    ['CPUWeight', 't', 4n],
    ['CPUQuotaPeriodUSec', 't', 100000n],
    ['CPUQuotaPerSecUSec', 't', 500000n],
    ['TasksMax', 't', 100n],
    ['AllowedCPUs', 'ay', Buffer.from([3])],
    ['AllowedMemoryNodes', 'ay', Buffer.from([1])],
  ]);
  t.same(resourceProperties({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 } }, c), [
    ['MemoryMax', 't', INFINITY],
    ['MemorySwapMax', 't', INFINITY],
    ['TasksMax', 't', INFINITY],
  ], '-1 is infinity');
  t.same(resourceProperties({ pids: { limit: 0 } }, c), [['TasksMax', 't', INFINITY]], 'a pids limit of 0 is no limit, as the cgroupfs driver');
  t.same(resourceProperties({ blockIO: { weight: 500 } }, c), [['IOWeight', 't', 4950n]], 'blockIO.weight -> IOWeight (as crun; runc only writes the file)');
  t.same(resourceProperties({}, c), []);
  t.same(resourceProperties(undefined, c), []);
  t.same(resourceProperties({ cpu: { cpus: '1' } }, ctx({ version: 243 })), [], 'systemd < 244: no AllowedCPUs, the file only');
  t.match(code(() => resourceProperties({ cpu: { shares: 1 } }, c)), { pointer: '/linux/resources/cpu/shares' });
  t.match(code(() => resourceProperties({ memory: { limit: 1000, swap: 500 } }, c)), { pointer: '/linux/resources/memory/swap' });
  t.match(code(() => resourceProperties({ cpu: { cpus: '3-1' } }, c)), { pointer: '/linux/resources/cpu/cpus' });
});

t.test('resource properties on v1 (runc genV1ResourcesProperties)', async (t) => {
  const c = ctx({ v2: false });
  t.same(resourceProperties({ memory: { limit: 33554432 }, cpu: { shares: 100, quota: 500000, period: 1000000 }, blockIO: { weight: 500 }, pids: { limit: 20 } }, c), [
    ['MemoryLimit', 't', 33554432n],
    ['CPUShares', 't', 100n],
    ['CPUQuotaPeriodUSec', 't', 1000000n],
    ['CPUQuotaPerSecUSec', 't', 500000n],
    ['BlockIOWeight', 't', 500n],
    ['TasksMax', 't', 20n],
  ]);
  t.same(resourceProperties({ unified: { 'memory.high': '1000' } }, c), [], 'unified has no systemd property on v1 (the files say no)');
});

t.test('unified to properties (runc unifiedResToSystemdProps)', async (t) => {
  t.same(
    unifiedProperties({ 'pids.max': 'max', 'memory.high': '1000000', 'memory.max': 'max', 'cpu.weight': '50', 'cpu.max': '50000 100000', 'memory.oom.group': '1', 'io.weight': '10', 'cpuset.cpus': '0' }, 252),
    [
      ['CPUQuotaPeriodUSec', 't', 100000n],
      ['CPUQuotaPerSecUSec', 't', 500000n],
      ['CPUWeight', 't', 50n],
      ['AllowedCPUs', 'ay', Buffer.from([1])],
      ['MemoryHigh', 't', 1000000n],
      ['MemoryMax', 't', INFINITY],
      ['TasksMax', 't', INFINITY],
    ],
    'known keys in key order; memory.oom.group and io.weight only in the files',
  );
  t.same(unifiedProperties({ 'cpu.max': 'max' }, 252), [['CPUQuotaPeriodUSec', 't', 100000n], ['CPUQuotaPerSecUSec', 't', INFINITY]]);
  t.match(code(() => unifiedProperties({ 'memory.max': '12k' }, 252)), { code: 'EINVAL_CONFIG', pointer: '/linux/resources/unified/memory.max' });
  t.match(code(() => unifiedProperties({ 'cpu.max': '1 2 3' }, 252)), { pointer: '/linux/resources/unified/cpu.max' });
  t.match(code(() => unifiedProperties({ memory: '1' }, 252)), { message: /CONTROLLER.PARAMETER/ });
});

const specWith = (devices: unknown[]): Spec => ({ ociVersion: '1.0.2', linux: { resources: { devices } } }) as unknown as Spec;

t.test('device rules to DevicePolicy/DeviceAllow (runc generateDeviceProperties)', async (t) => {
  const c = ctx();
  const props = deviceProperties(buildDeviceRules(specWith([{ allow: false, access: 'rwm' }])), c);
  t.same(props, [
    ['DevicePolicy', 's', 'strict'],
    ['DeviceAllow', 'a(ss)', []],
    ['DeviceAllow', 'a(ss)', [
      ['block-*', 'm'],
      ['char-*', 'm'],
      ['/dev/char/1:3', 'rwm'],
      ['/dev/char/1:5', 'rwm'],
      ['/dev/char/1:7', 'rwm'],
      ['/dev/char/1:8', 'rwm'],
      ['/dev/char/1:9', 'rwm'],
      ['/dev/char/5:0', 'rwm'],
      ['/dev/char/5:2', 'rwm'],
      ['/dev/char/10:200', 'rwm'],
      ['char-pts', 'rwm'],
    ]],
  ], "runc's default rules: a white-list, M:* through /proc/devices' group");
  t.same(c.warnings, []);
  t.same(deviceProperties(buildDeviceRules(specWith([{ allow: true, access: 'rwm' }])), c), [['DevicePolicy', 's', 'auto'], ['DeviceAllow', 'a(ss)', []]], 'allow-all');
  const black = ctx();
  t.same(deviceProperties([{ type: 'a', major: -1, minor: -1, access: 'rwm', allow: true }, { type: 'c', major: 1, minor: 3, access: 'rwm', allow: false }] as DeviceRule[], black), [
    ['DevicePolicy', 's', 'strict'],
    ['DeviceAllow', 'a(ss)', []],
  ], 'a black-list: a temporary deny-all');
  t.match(black.warnings, [/blacklist/]);
  const odd = ctx();
  const rules: DeviceRule[] = [
    { type: 'c', major: -1, minor: 3, access: 'r', allow: true },
    { type: 'b', major: 99, minor: -1, access: 'r', allow: true },
    { type: 'b', major: 8, minor: -1, access: 'rw', allow: true },
  ];
  t.same(deviceProperties(rules, odd)[2], ['DeviceAllow', 'a(ss)', [['block-sd', 'rw']]]);
  t.match(odd.warnings, [/could not find device group for 'b\/99'/, /'\*:n' device rules/]);
  const old = deviceProperties([{ type: 'c', major: 1, minor: 3, access: 'rwm', allow: true }, { type: 'c', major: 7, minor: 7, access: 'r', allow: true }], ctx({ version: 239, exists: (p) => p === '/dev/char/1:3' }));
  t.same(old[2], ['DeviceAllow', 'a(ss)', [['/dev/char/1:3', 'rwm']]], 'systemd < 240 stats the path: missing ones are left to the files');
  t.equal(deviceGroup('c', 136, PROC_DEVICES), 'char-pts');
  t.equal(deviceGroup('b', 254, PROC_DEVICES), 'block-virtblk');
  t.equal(deviceGroup('c', 8, PROC_DEVICES), undefined, 'the block major is not a char one');
});

t.test("the scope's own properties (runc Apply)", async (t) => {
  t.same(scopeProperties({ unit: 'ocits-c1.scope', slice: 'system.slice', name: 'c1', pid: 42, v2: true }), [
    ['Description', 's', 'ocits container c1'],
    ['Slice', 's', 'system.slice'],
    ['Delegate', 'b', true],
    ['PIDs', 'au', [42]],
    ['MemoryAccounting', 'b', true],
    ['CPUAccounting', 'b', true],
    ['IOAccounting', 'b', true],
    ['TasksAccounting', 'b', true],
    ['DefaultDependencies', 'b', false],
  ]);
  const slice = scopeProperties({ unit: 'pod1.slice', slice: 'kubepods.slice', name: 'pod1.slice', pid: 7, v2: false });
  t.same(slice.slice(1, 3), [['Wants', 'as', ['kubepods.slice']], ['PIDs', 'au', [7]]], 'a slice unit Wants= its parent, no Delegate');
  t.ok(slice.some((p) => p[0] === 'BlockIOAccounting'), 'v1: BlockIOAccounting');
});

t.test('the manager: where no systemd runs, the unit dirs, state round trip', async (t) => {
  const e = code(() => newManager({ id: 'c1', systemd: true, mountinfo: V2 }));
  // this project's machines have no systemd: the clear error (a booted guest has one)
  t.match(e, { code: 'ECGROUP', message: /systemd is not running on this host \(no \/run\/systemd\/system\); run without --systemd-cgroup/ });
  const runDir = mkdtempSync(join(tmpdir(), 'ocits-sdrun-'));
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  const { newSystemdManager } = await import('../../lib/cgroups/systemd');
  const v2 = newSystemdManager({ id: 'x', cgroupsPath: 'machine-pod1.slice:ocits:c1', mountinfo: V2, runDir });
  t.same(v2.paths, { unified: '/sys/fs/cgroup/machine.slice/machine-pod1.slice/ocits-c1.scope' });
  t.equal(v2.driver, 'systemd');
  const saved = v2.toJSON();
  t.match(saved, { driver: 'systemd', mode: 'v2', unit: 'ocits-c1.scope', slice: 'machine-pod1.slice' });
  const back = loadManager(JSON.parse(JSON.stringify(saved)));
  t.same(back.toJSON(), saved, 'delete --force without --systemd-cgroup finds the driver in the state');
  t.match(code(() => loadManager({ ...saved, unit: undefined })), { code: 'ECGROUP', message: /saved cgroup state is invalid/ });
  const hy = newSystemdManager({ id: 'c2', mountinfo: HYBRID, initCgroup: INIT_HYBRID, runDir });
  t.same(hy.paths, {
    'name=systemd': '/sys/fs/cgroup/systemd/system.slice/ocits-c2.scope',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/system.slice/ocits-c2.scope',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/system.slice/ocits-c2.scope',
    memory: '/sys/fs/cgroup/memory/system.slice/ocits-c2.scope',
    freezer: '/sys/fs/cgroup/freezer/system.slice/ocits-c2.scope',
    devices: '/sys/fs/cgroup/devices/system.slice/ocits-c2.scope',
    unified: '/sys/fs/cgroup/unified/system.slice/ocits-c2.scope',
  }, "hybrid: every hierarchy, below pid 1's cgroup with init.scope trimmed (runc getSubsystemPath)");
  const nested = newSystemdManager({ id: 'c3', mountinfo: HYBRID, initCgroup: '5:devices:/ctr\n1:name=systemd:/ctr/init.scope\n', runDir });
  t.equal(nested.paths.devices, '/sys/fs/cgroup/devices/ctr/system.slice/ocits-c3.scope', 'systemd in a container: below its init cgroup');
  t.equal(nested.paths['name=systemd'], '/sys/fs/cgroup/systemd/ctr/system.slice/ocits-c3.scope');
  t.match(code(() => newSystemdManager({ id: 'c4', cgroupsPath: '/abs/path', mountinfo: V2, runDir })), { code: 'EINVAL_CONFIG', pointer: '/linux/cgroupsPath' }, 'a cgroupfs path with --systemd-cgroup');
});
