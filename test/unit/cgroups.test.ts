// Unit tests of lib/cgroups against fake /sys/fs/cgroup trees in a temp dir.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcitsError } from '../../lib/errors';
import { detectMode, loadManager, newManager, parseCgroupsPath, parseCgroupMounts, parseSelfCgroup, type CgroupManager } from '../../lib/cgroups';
import { subCgroupDirs } from '../../lib/cgroups/paths';

const SYS = '/sys/fs/cgroup';

const V1 = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
39 31 0:36 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,blkio
40 31 0:37 / /sys/fs/cgroup/foo rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,name=foo
`;

const V2 = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

// this project's host
const HYBRID = `25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const SELF_V1 = `10:blkio:/user.slice
9:name=systemd:/user.slice/session-1.scope
8:pids:/user.slice/session-1.scope
7:freezer:/
6:devices:/user.slice
5:memory:/user.slice/session-1.scope
4:cpuset:/
3:cpu,cpuacct:/user.slice
0::/user.slice/session-1.scope
`;

const SELF_V2 = '0::/user.slice/user-0.slice/session-1.scope\n';

type Kind = 'v1' | 'v2' | 'hybrid';
const TEXT: Record<Kind, string> = { v1: V1, v2: V2, hybrid: HYBRID };

function rebase(text: string, root: string): string {
  return text.split(SYS).join(root);
}

/** A temp dir laid out like /sys/fs/cgroup for `kind`, and its mountinfo text. */
function fakeTree(t: tap.Test, kind: Kind, mountinfo = TEXT[kind]): { root: string; mountinfo: string } {
  const root = mkdtempSync(join(tmpdir(), `ocits-cg-${kind}-`));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const mi = rebase(mountinfo, root);
  for (const m of parseCgroupMounts(mi, root)) {
    mkdirSync(m.mountpoint, { recursive: true });
    writeFileSync(join(m.mountpoint, 'cgroup.procs'), '');
    if (m.controllers.includes('cpuset')) {
      writeFileSync(join(m.mountpoint, 'cpuset.cpus'), '0-3\n');
      writeFileSync(join(m.mountpoint, 'cpuset.mems'), '0\n');
    }
    if (m.version === 2) {
      writeFileSync(join(m.mountpoint, 'cgroup.controllers'), kind === 'v2' ? 'cpuset cpu io memory pids\n' : 'hugetlb\n');
      writeFileSync(join(m.mountpoint, 'cgroup.subtree_control'), '');
    }
  }
  return { root, mountinfo: mi };
}

function code(fn: () => unknown): { code?: string; pointer?: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof OcitsError) return { code: e.code, pointer: e.pointer, message: e.message };
    return { message: String(e) };
  }
  return { message: 'no error' };
}

t.test('detectMode from sample mountinfo texts', async (t) => {
  t.equal(detectMode(V1), 'v1');
  t.equal(detectMode(V2), 'v2');
  t.equal(detectMode(HYBRID), 'hybrid');
  t.equal(detectMode(V2, '/sys/fs/cgroup/'), 'v2', 'trailing slash on root');
  t.match(code(() => detectMode('22 1 8:1 / / rw - ext4 /dev/sda1 rw\n')), { code: 'ECGROUP', message: /no cgroup filesystem/ });
  // cgroup2 mounted over the v1 tree later hides it
  t.equal(detectMode(V1 + '50 25 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n'), 'v2');
  // mounts outside the root are ignored
  t.equal(detectMode(V2 + '60 22 0:41 / /mnt/v1 rw - cgroup cgroup rw,memory\n'), 'v2');
  t.equal(detectMode(rebase(V1, '/tmp/x'), '/tmp/x'), 'v1', 'another root');
  t.equal(code(() => detectMode(V1, '/tmp/x')).code, 'ECGROUP', 'nothing mounted below that root');
  // octal escapes in mount points
  const esc = '32 31 0:29 / /tmp/a\\040b/memory rw - cgroup cgroup rw,memory\n';
  t.same(parseCgroupMounts(esc, '/tmp/a b').map((m) => m.mountpoint), ['/tmp/a b/memory']);
  t.same(parseCgroupMounts(V1).find((m) => m.mountpoint.endsWith('cpu,cpuacct'))?.controllers, ['cpu', 'cpuacct']);
  t.same(parseCgroupMounts(V1).find((m) => m.mountpoint.endsWith('systemd'))?.controllers, ['name=systemd'], 'xattr is not a controller');
});

t.test('parseSelfCgroup', async (t) => {
  t.same(parseSelfCgroup('3:cpu,cpuacct:/a:b\n0::/\n'), [
    { id: '3', controllers: ['cpu', 'cpuacct'], path: '/a:b' },
    { id: '0', controllers: [], path: '/' },
  ]);
});

t.test('parseCgroupsPath', async (t) => {
  t.same(parseCgroupsPath(undefined, 'c1'), { absolute: true, rel: 'ocits/c1' });
  t.same(parseCgroupsPath('', 'c1'), { absolute: true, rel: 'ocits/c1' });
  t.same(parseCgroupsPath('/a/b', 'c1'), { absolute: true, rel: 'a/b' });
  t.same(parseCgroupsPath('//a/./b/', 'c1'), { absolute: true, rel: 'a/b' });
  t.same(parseCgroupsPath('a/b', 'c1'), { absolute: false, rel: 'a/b' });
  t.same(parseCgroupsPath('/a/../b', 'c1'), { absolute: true, rel: 'b' }, "'..' that stays below the root is fine");
  t.same(parseCgroupsPath('/x:y', 'c1'), { absolute: true, rel: 'x:y' });
  for (const bad of ['/..', '/a/../../b', '../b', 'a/../../b', '/', '.', '/a/..']) {
    t.match(code(() => parseCgroupsPath(bad, 'c1')), { code: 'EINVAL_CONFIG', pointer: '/linux/cgroupsPath' }, bad);
  }
  t.match(code(() => parseCgroupsPath('/a\0b', 'c1')), { code: 'EINVAL_CONFIG', pointer: '/linux/cgroupsPath' });
  t.match(code(() => parseCgroupsPath('system.slice:ocits:c1', 'c1')), {
    code: 'ENOTSUP',
    pointer: '/linux/cgroupsPath',
    message: /systemd/,
  });
  t.match(code(() => parseCgroupsPath(undefined, '../x')), { code: 'ECGROUP' });
});

t.test('systemd driver is ENOTSUP', async (t) => {
  const e = code(() => newManager({ id: 'c', systemd: true, mountinfo: HYBRID }));
  t.equal(e.code, 'ENOTSUP');
  t.equal(e.message, 'systemd cgroup driver is not supported yet (no systemd on this host)');
  t.equal(code(() => loadManager({ driver: 'systemd', mode: 'v2', paths: {}, bases: {} })).code, 'ENOTSUP');
});

t.test('paths on v1', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v1');
  const m = newManager({ id: 'c1', root, mountinfo, selfCgroup: 'must not be read for absolute paths' });
  t.equal(m.mode, 'v1');
  t.same(m.paths, {
    'name=systemd': `${root}/systemd/ocits/c1`,
    cpu: `${root}/cpu,cpuacct/ocits/c1`,
    cpuacct: `${root}/cpu,cpuacct/ocits/c1`,
    cpuset: `${root}/cpuset/ocits/c1`,
    memory: `${root}/memory/ocits/c1`,
    devices: `${root}/devices/ocits/c1`,
    freezer: `${root}/freezer/ocits/c1`,
    pids: `${root}/pids/ocits/c1`,
    blkio: `${root}/blkio/ocits/c1`,
  });
  t.notOk('name=foo' in m.paths, 'other named hierarchies are left alone');
  t.notOk('unified' in m.paths);

  const abs = newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/machine/ctr-1' });
  t.equal(abs.paths.memory, `${root}/memory/machine/ctr-1`);

  const rel = newManager({ id: 'c1', root, mountinfo, selfCgroup: SELF_V1, cgroupsPath: 'ctr-1' });
  t.equal(rel.paths.memory, `${root}/memory/user.slice/session-1.scope/ctr-1`);
  t.equal(rel.paths.cpu, `${root}/cpu,cpuacct/user.slice/ctr-1`);
  t.equal(rel.paths.freezer, `${root}/freezer/ctr-1`);
  t.equal(rel.paths['name=systemd'], `${root}/systemd/user.slice/session-1.scope/ctr-1`);
  t.notOk('unified' in rel.paths, "v1 host: the 0:: line is not used");

  t.match(code(() => newManager({ id: 'c1', root, mountinfo, cgroupsPath: '../x' })), { code: 'EINVAL_CONFIG', pointer: '/linux/cgroupsPath' });
  t.match(code(() => newManager({ id: 'c1', root, mountinfo, selfCgroup: '0::/\n', cgroupsPath: 'x' })), {
    code: 'ECGROUP',
    message: /own cgroup/,
  });
});

t.test('v1 mounts whose root is not /', async (t) => {
  // a nested runtime: each hierarchy shows only /docker/abc at its mount point
  const nested = V1.replace(/ \/ \/sys\/fs\/cgroup\//g, ' /docker/abc /sys/fs/cgroup/');
  const { root, mountinfo } = fakeTree(t, 'v1', nested);
  const self = SELF_V1.replace(/:\/(user\.slice)?/g, (_m, u) => (u ? ':/docker/abc/user.slice' : ':/docker/abc/'));
  const rel = newManager({ id: 'c1', root, mountinfo, selfCgroup: self, cgroupsPath: 'ctr' });
  t.equal(rel.paths.memory, `${root}/memory/user.slice/session-1.scope/ctr`);
  t.equal(rel.paths.freezer, `${root}/freezer/ctr`);
  const abs = newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/ctr' });
  t.equal(abs.paths.memory, `${root}/memory/ctr`, 'absolute: below the mount point, as runc');
  t.match(code(() => newManager({ id: 'c1', root, mountinfo, selfCgroup: SELF_V1, cgroupsPath: 'ctr' })), {
    code: 'ECGROUP',
    message: /not visible below its mount/,
  });
});

t.test('paths on v2', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v2');
  const m = newManager({ id: 'c1', root, mountinfo });
  t.equal(m.mode, 'v2');
  t.same(m.paths, { unified: `${root}/ocits/c1` });
  const rel = newManager({ id: 'c1', root, mountinfo, selfCgroup: SELF_V2, cgroupsPath: 'ctr' });
  t.same(rel.paths, { unified: `${root}/user.slice/user-0.slice/ctr` }, 'relative: below the parent of the own cgroup, as runc');
  const relRoot = newManager({ id: 'c1', root, mountinfo, selfCgroup: '0::/\n', cgroupsPath: 'a/b' });
  t.same(relRoot.paths, { unified: `${root}/a/b` });
});

t.test('paths on hybrid', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'hybrid');
  const m = newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/ocits-test/x' });
  t.equal(m.mode, 'hybrid');
  t.same(Object.keys(m.paths).sort(), ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids', 'unified']);
  t.equal(m.paths.cpu, `${root}/cpu/ocits-test/x`);
  t.equal(m.paths.cpuacct, `${root}/cpuacct/ocits-test/x`);
  t.equal(m.paths.unified, `${root}/unified/ocits-test/x`);
  const rel = newManager({ id: 'c1', root, mountinfo, selfCgroup: SELF_V1 + '2:cpu:/\n1:cpuacct:/\n', cgroupsPath: 'ctr' });
  t.equal(rel.paths.unified, `${root}/unified/user.slice/session-1.scope/ctr`, 'hybrid: own 0:: cgroup itself');
});

for (const kind of ['v1', 'v2', 'hybrid'] as Kind[]) {
  t.test(`create, addPid, pids, exists, round trip on ${kind}`, async (t) => {
    const { root, mountinfo } = fakeTree(t, kind);
    const m = newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/a/b/c' });
    t.notOk(m.exists());
    t.same(m.pids(), []);
    t.match(code(() => m.addPid(4194305)), { code: 'ECGROUP', message: /^write \/.*\/cgroup\.procs: ENOENT/ }, 'error names the file');
    m.create();
    m.create(); // idempotent
    t.ok(m.exists());
    for (const dir of new Set(Object.values(m.paths))) t.ok(existsSync(dir), dir);
    if (kind !== 'v2') {
      for (const level of ['a', 'a/b', 'a/b/c']) {
        t.equal(readFileSync(`${root}/cpuset/${level}/cpuset.cpus`, 'utf8'), '0-3', `cpus copied to ${level}`);
        t.equal(readFileSync(`${root}/cpuset/${level}/cpuset.mems`, 'utf8'), '0', `mems copied to ${level}`);
      }
    }
    m.addPid(4194305);
    for (const dir of new Set(Object.values(m.paths))) t.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), '4194305', dir);
    t.same(m.pids(), [4194305]);
    t.match(code(() => m.addPid(0)), { code: 'ECGROUP', message: /not a process id/ });
    t.match(code(() => m.addPid(-1)), { code: 'ECGROUP' });

    const saved = JSON.parse(JSON.stringify(m.toJSON()));
    t.match(saved, { driver: 'cgroupfs', mode: kind });
    const l = loadManager(saved);
    t.equal(l.mode, m.mode);
    t.same(l.paths, m.paths);
    t.same(l.toJSON(), m.toJSON());
    t.same(l.pids(), [4194305]);
  });
}

t.test('v1 cpuset: values already set on a level are kept and copied down', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v1');
  mkdirSync(`${root}/cpuset/a`);
  writeFileSync(`${root}/cpuset/a/cpuset.cpus`, '1\n');
  writeFileSync(`${root}/cpuset/a/cpuset.mems`, '\n');
  newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/a/b' }).create();
  t.equal(readFileSync(`${root}/cpuset/a/cpuset.cpus`, 'utf8'), '1\n');
  t.equal(readFileSync(`${root}/cpuset/a/cpuset.mems`, 'utf8'), '0');
  t.equal(readFileSync(`${root}/cpuset/a/b/cpuset.cpus`, 'utf8'), '1');
});

t.test('pids: primary hierarchy and sub-cgroups', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v1');
  const m = newManager({ id: 'c1', root, mountinfo });
  m.create();
  mkdirSync(`${root}/pids/ocits/c1/sub/deeper`, { recursive: true });
  writeFileSync(`${root}/pids/ocits/c1/cgroup.procs`, '4194310\n4194305\n');
  writeFileSync(`${root}/pids/ocits/c1/sub/deeper/cgroup.procs`, '4194307\n4194305\n');
  writeFileSync(`${root}/memory/ocits/c1/cgroup.procs`, '4194399\n');
  t.same(m.pids(), [4194305, 4194307, 4194310], 'from pids, sorted, unique, recursive');

  const noPids = V1.replace(/^.*rw,pids\n/m, '');
  const t2 = fakeTree(t, 'v1', noPids);
  const m2 = newManager({ id: 'c1', root: t2.root, mountinfo: t2.mountinfo });
  t.notOk('pids' in m2.paths);
  m2.create();
  writeFileSync(`${t2.root}/freezer/ocits/c1/cgroup.procs`, '4194311\n');
  t.same(m2.pids(), [4194311], 'no pids hierarchy: freezer');
});

t.test('killAll', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v1');
  const m = newManager({ id: 'c1', root, mountinfo });
  m.create();
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
  // a gone pid (ESRCH) and our own pid (never signalled) next to the child
  writeFileSync(`${root}/pids/ocits/c1/cgroup.procs`, `4194305\n${process.pid}\n${child.pid}\n`);
  m.killAll(15);
  t.equal(await exited, 'SIGTERM');

  const v2 = fakeTree(t, 'v2');
  const m2 = newManager({ id: 'c1', root: v2.root, mountinfo: v2.mountinfo });
  m2.create();
  writeFileSync(`${v2.root}/ocits/c1/cgroup.kill`, '');
  m2.killAll(9);
  t.equal(readFileSync(`${v2.root}/ocits/c1/cgroup.kill`, 'utf8'), '1', 'v2 SIGKILL uses cgroup.kill');
});

t.test('destroy on fake trees', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v2');
  const m = newManager({ id: 'c1', root, mountinfo, cgroupsPath: '/p/q/c1' });
  const sibling = newManager({ id: 'c2', root, mountinfo, cgroupsPath: '/p/c2' });
  m.create();
  sibling.create();
  m.destroy();
  t.notOk(existsSync(`${root}/p/q/c1`), 'container dir removed');
  t.notOk(existsSync(`${root}/p/q`), 'empty parent removed');
  t.ok(existsSync(`${root}/p`), 'parent with another container kept');
  t.notOk(m.exists());
  m.destroy(); // idempotent
  sibling.destroy();
  t.notOk(existsSync(`${root}/p`), 'last one removes the shared parent');
  t.ok(existsSync(root), 'never above the hierarchy root');

  // sub-cgroups go first
  const m3 = newManager({ id: 'c3', root, mountinfo });
  m3.create();
  mkdirSync(`${root}/ocits/c3/x/y`, { recursive: true });
  loadManager(JSON.parse(JSON.stringify(m3.toJSON()))).destroy();
  t.notOk(existsSync(`${root}/ocits`));

  // relative paths: parents removed up to the base, not the own cgroup
  mkdirSync(`${root}/user.slice/user-0.slice/session-1.scope`, { recursive: true });
  const rel = newManager({ id: 'c4', root, mountinfo, selfCgroup: SELF_V2, cgroupsPath: 'r/s' });
  rel.create();
  rel.destroy();
  t.notOk(existsSync(`${root}/user.slice/user-0.slice/r`));
  t.ok(existsSync(`${root}/user.slice/user-0.slice`));

  // a dir that cannot be removed (here: the fake cpuset files) is named in the error
  const v1 = fakeTree(t, 'v1');
  const m4 = newManager({ id: 'c1', root: v1.root, mountinfo: v1.mountinfo });
  m4.create();
  const e = code(() => m4.destroy());
  t.equal(e.code, 'ECGROUP');
  t.match(e.message, `remove cgroup ${v1.root}/cpuset/ocits/c1: ENOTEMPTY`);
  t.notOk(existsSync(`${v1.root}/memory/ocits`), 'the other hierarchies are cleaned anyway');
  t.ok(existsSync(`${v1.root}/cpuset/ocits`));
});

t.test('loadManager rejects bad saved state', async (t) => {
  for (const bad of [null, {}, { driver: 'cgroupfs', mode: 'v3', paths: {}, bases: {} }, { driver: 'cgroupfs', mode: 'v2', paths: { unified: '/x' }, bases: {} }]) {
    t.equal(code(() => loadManager(bad as never)).code, 'ECGROUP', JSON.stringify(bad));
  }
});

t.test('set({}) writes nothing (resources: cgroups-resources.test.ts); freeze/thaw are ENOTSUP for now', async (t) => {
  const { root, mountinfo } = fakeTree(t, 'v2');
  const m: CgroupManager = newManager({ id: 'c1', root, mountinfo });
  t.equal(code(() => m.set({})).message, 'no error');
  t.equal(code(() => m.freeze()).code, 'ENOTSUP');
  t.equal(code(() => m.thaw()).code, 'ENOTSUP');
});

t.test('subCgroupDirs: exec --cgroup [<controller>:]<path>, as runc 1.1', async (t) => {
  const v1 = { cpu: '/sys/fs/cgroup/cpu/c', cpuacct: '/sys/fs/cgroup/cpu/c', memory: '/sys/fs/cgroup/memory/c', unified: '/sys/fs/cgroup/unified/c' };
  t.same(subCgroupDirs(v1, ['s']), { cpu: '/sys/fs/cgroup/cpu/c/s', cpuacct: '/sys/fs/cgroup/cpu/c/s', memory: '/sys/fs/cgroup/memory/c/s', unified: '/sys/fs/cgroup/unified/c/s' }, 'no controller: every hierarchy');
  t.same(subCgroupDirs(v1, ['memory:m', 'cpu,cpuacct:c2']), { memory: '/sys/fs/cgroup/memory/c/m', cpu: '/sys/fs/cgroup/cpu/c/c2', cpuacct: '/sys/fs/cgroup/cpu/c/c2' }, 'per controller, several at once');
  t.same(subCgroupDirs(v1, ['memory:a/../b']), { memory: '/sys/fs/cgroup/memory/c/b' }, 'cleaned');
  const v2 = { unified: '/sys/fs/cgroup/ocits/c' };
  t.same(subCgroupDirs(v2, ['/x/y']), { unified: '/sys/fs/cgroup/ocits/c/x/y' }, 'v2: the path form (an absolute one is below the container too, as runc\'s path.Join)');
  t.throws(() => subCgroupDirs(v2, ['memory:x']), { code: 'EUSAGE', message: 'unknown controller memory in --cgroup memory:x' }, 'v2: no per-controller form');
  t.throws(() => subCgroupDirs(v2, ['a:b:c']), { message: 'invalid --cgroup argument: a:b:c' });
  t.throws(() => subCgroupDirs(v1, ['x', 'memory:y']), { message: 'invalid --cgroup argument: x (missing <controller>: prefix)' });
  t.throws(() => subCgroupDirs(v2, ['../sibling']), { message: /^\.\.\/sibling is not a sub cgroup path/ });
});
