// Stats, freezer and the command helpers against fake cgroup trees (v2 where
// this kernel cannot show it, v1 for the exact parsing).
import t from 'tap';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStats, statsJSON, oomKillCount } from '../../lib/cgroups/stats';
import { setFreezerV1, setFreezerV2, setFrozen, freezerOf } from '../../lib/cgroups/freezer';
import { FsManager } from '../../lib/cgroups/fs';
import { parseDuration } from '../../lib/runtime/events';
import { filterPsOutput, psJSON } from '../../lib/runtime/ps';
import { ramInBytes, resourcesFromFlags } from '../../lib/runtime/update';
import { splitPsArgs } from '../../lib/cli/ps';

function tree(t: tap.Test, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocits-stats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const V2_FILES: Record<string, string> = {
  'cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n',
  'cgroup.procs': '10\n11\n',
  'cgroup.freeze': '0\n',
  'cgroup.events': 'populated 1\nfrozen 0\n',
  'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 2\nthrottled_usec 30\n',
  'memory.current': '1048576\n',
  'memory.max': 'max\n',
  'memory.swap.current': '4096\n',
  'memory.swap.max': 'max\n',
  'memory.stat': 'file 8192\nanon 4096\n',
  'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
  'pids.current': '2\n',
  'pids.max': '100\n',
  'io.stat': '8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n',
  'hugetlb.2MB.current': '2097152\n',
  'hugetlb.2MB.events': 'max 5\n',
  'hugetlb.1GB.current': '0\n',
  'hugetlb.1GB.events': 'max 0\n',
};

t.test('v2 stats from a fake tree, in runc\'s layout', (t) => {
  const dir = tree(t, V2_FILES);
  const json = statsJSON(readStats('v2', { unified: dir }));
  const s = JSON.parse(json);
  t.same(Object.keys(s), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
  t.same(s.cpu, { usage: { total: 1500000, kernel: 500000, user: 1000000 }, throttling: { periods: 4, throttledPeriods: 2, throttledTime: 30000 } });
  t.match(json, /"usage":\{"limit":18446744073709551615,"usage":1048576,"failcnt":0\}/, 'memory.max "max" is 2^64-1, exactly');
  t.match(json, /"swap":\{"limit":18446744073709551615,"usage":1052672,"failcnt":0\}/, 'swap is mem+swap, as runc');
  t.same(s.memory.kernel, { limit: 0, failcnt: 0 });
  t.equal(s.memory.cache, 8192, 'cache is memory.stat file');
  t.same(s.memory.raw, { anon: 4096, file: 8192 }, 'raw sorted');
  t.same(s.pids, { current: 2, limit: 100 });
  t.same(s.blkio, {
    ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 1024 }, { major: 8, op: 'Write', value: 2048 }],
    ioServicedRecursive: [{ major: 8, op: 'Read', value: 1 }, { major: 8, op: 'Write', value: 2 }],
  });
  t.same(s.hugetlb, { '1GB': { failcnt: 0 }, '2MB': { usage: 2097152, failcnt: 5 } });
  t.same(s.cpuset, { cpu_exclusive: 0, mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0, memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 0, sched_relax_domain_level: 0 });
  t.equal(s.network_interfaces, null);
  t.equal(oomKillCount('v2', { unified: dir }), 1n, 'oom_kill from memory.events');
  // the manager's stats() reads the same
  const m = new FsManager('v2', [{ keys: ['unified'], dir, base: dir }]);
  t.equal(statsJSON(m.stats()), json);
  t.end();
});

t.test('v2 limits: memory limit and swap limit add up, pids max omitted', (t) => {
  const dir = tree(t, { ...V2_FILES, 'memory.max': '1000\n', 'memory.swap.max': '500\n', 'pids.max': 'max\n' });
  const s = JSON.parse(statsJSON(readStats('v2', { unified: dir })));
  t.equal(s.memory.usage.limit, 1000);
  t.equal(s.memory.swap.limit, 1500);
  t.same(s.pids, { current: 2 });
  t.end();
});

t.test('v1 stats from a fake tree', (t) => {
  const dir = tree(t, {
    'cpuacct.usage': '300\n',
    'cpuacct.usage_percpu': '100 200 \n',
    'cpuacct.usage_all': 'cpu user system\n0 10 20\n1 30 40\n',
    'cpuacct.stat': 'user 2\nsystem 3\n',
    'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
    'cpuset.cpus': '0-2,4\n',
    'cpuset.mems': '0\n',
    'cpuset.sched_relax_domain_level': '-1\n',
    'cpuset.sched_load_balance': '1\n',
    'memory.usage_in_bytes': '5000\n',
    'memory.max_usage_in_bytes': '6000\n',
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.failcnt': '0\n',
    'memory.stat': 'cache 10\nrss 20\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    'pids.current': '3\n',
    'pids.max': 'max\n',
    'blkio.throttle.io_service_bytes_recursive': '8:0 Read 100\n8:0 Write 0\nTotal 100\n',
    'blkio.throttle.io_serviced_recursive': '',
    'hugetlb.2MB.usage_in_bytes': '0\n',
    'hugetlb.2MB.max_usage_in_bytes': '0\n',
    'hugetlb.2MB.failcnt': '0\n',
  });
  const paths = { cpu: dir, cpuacct: dir, cpuset: dir, memory: dir, pids: dir, blkio: dir, hugetlb: dir };
  const json = statsJSON(readStats('v1', paths));
  const s = JSON.parse(json);
  t.same(Object.keys(s.cpu.usage), ['total', 'percpu', 'percpu_kernel', 'percpu_user', 'kernel', 'user'], 'runc order');
  t.same(s.cpu.usage, { total: 300, percpu: [100, 200], percpu_kernel: [20, 40], percpu_user: [10, 30], kernel: 30000000, user: 20000000 });
  t.same(s.cpu.throttling, {});
  t.same(s.cpuset.cpus, [0, 1, 2, 4]);
  t.equal(s.cpuset.sched_relax_domain_level, -1);
  t.match(json, /"usage":\{"limit":9223372036854771712,"usage":5000,"max":6000,"failcnt":0\}/);
  t.same(s.memory.swap, { limit: 0, failcnt: 0 }, 'no memsw: empty entry');
  t.equal(s.memory.cache, 10);
  t.same(s.pids, { current: 3 });
  t.same(s.blkio, { ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 100 }, { major: 8, op: 'Write' }] });
  t.same(s.hugetlb, { '2MB': { failcnt: 0 } });
  t.equal(oomKillCount('v1', paths), 2n);
  t.end();
});

t.test('freezer: v1 and v2 files', (t) => {
  const dir = tree(t, { 'freezer.state': 'THAWED\n' });
  setFreezerV1(dir, true, 50);
  t.equal(readFileSync(join(dir, 'freezer.state'), 'utf8'), 'FROZEN');
  setFreezerV1(dir, false, 50);
  t.equal(readFileSync(join(dir, 'freezer.state'), 'utf8'), 'THAWED');

  const v2 = tree(t, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 1\n' });
  t.same(freezerOf({ unified: v2 }), { kind: 'v2', dir: v2 });
  setFreezerV2(v2, true, 50);
  t.equal(readFileSync(join(v2, 'cgroup.freeze'), 'utf8'), '1');
  // the kernel never reports thawed: a bounded wait, then a clear error
  t.throws(() => setFreezerV2(v2, false, 30), /unable to thaw cgroup .*frozen 1/);
  writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  t.throws(() => setFreezerV2(v2, true, 30), /unable to freeze/);
  t.equal(readFileSync(join(v2, 'cgroup.freeze'), 'utf8'), '0', 'a failed freeze is undone');
  t.throws(() => setFrozen({ memory: v2 }, true), /no freezer cgroup/);
  t.end();
});

t.test('command helpers', (t) => {
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('100ms'), 100);
  t.equal(parseDuration('1m30s'), 90000);
  t.equal(parseDuration('1.5s'), 1500);
  t.throws(() => parseDuration('5'), /invalid value/);
  t.equal(psJSON([3, 4]), '[3,4]\n');
  t.equal(psJSON([]), 'null\n', 'as Go encodes an empty slice');
  const ps = 'UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sh\nroot 43 42 sleep\n';
  t.equal(filterPsOutput(ps, [42, 43]), 'UID PID PPID CMD\nroot 42 1 sh\nroot 43 42 sleep\n');
  t.throws(() => filterPsOutput('USER CMD\nroot x\n', [1]), /couldn't find PID field/);
  t.equal(ramInBytes('64m'), 64 * 1024 * 1024);
  t.equal(ramInBytes('1g'), 1024 ** 3);
  t.equal(ramInBytes('1024'), 1024);
  t.equal(ramInBytes('-1'), -1);
  t.same(resourcesFromFlags({ memory: '1k', 'cpu-quota': '-1', 'cpu-share': '2', 'pids-limit': '9', 'cpuset-cpus': '0' }), {
    memory: { limit: 1024 },
    cpu: { cpus: '0', shares: 2, quota: -1 },
    pids: { limit: 9 },
  });
  t.same(resourcesFromFlags({ resources: 'x' }, () => '{"pids":{"limit":3}}'), { pids: { limit: 3 } });
  t.throws(() => resourcesFromFlags({ resources: 'x' }, () => '[1]'), /unable to parse resources/);
  t.throws(() => resourcesFromFlags({ 'cpu-period': 'x' }), /invalid value for cpu-period/);
  t.same(splitPsArgs(['--root', '/r', 'ps', '-f', 'json', 'id', '-o', 'pid']), ['--root', '/r', 'ps', '-f', 'json', 'id']);
  t.same(splitPsArgs(['kill', 'id', '-o']), ['kill', 'id', '-o'], 'other commands untouched');
  t.end();
});
