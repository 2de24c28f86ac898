// Unit tests of lib/plan: config.json -> InitPlan (build.ts), mount options
// (mountopts.ts) and the byte encoding the init decodes (encode.ts, mirrored
// by addon/init/plan.cc).
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { buildPlan, CLONE, deferReadonly, resolveRootfs, type PlanContext } from '../../lib/plan/build';
import { MOUNT_ATTR, MS, PROPAGATION, RECURSIVE, parseMountOptions } from '../../lib/plan/mountopts';
import { encodePlan } from '../../lib/plan/encode';
import type { InitPlan } from '../../lib/plan/types';
import { MountExt, PlanFlag, PLAN_MAGIC, PLAN_VERSION } from '../../lib/native/protocol';
import type { Spec } from '../../lib/spec/types';

// ---------------------------------------------------------------- fixtures

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-plan-')));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A bundle dir with a rootfs/ directory. */
function bundleDir(t: { teardown(fn: () => void): void }): { bundle: string; rootfs: string } {
  const bundle = tmpdir(t);
  const rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(rootfs);
  return { bundle, rootfs };
}

/** A minimal valid spec: mount namespace only, no mounts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function spec(mut?: (s: any) => void): Spec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const s: any = {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: 'mount' }] },
  };
  mut?.(s);
  return s as Spec;
}

function ctxFor(bundle: string, extra: Partial<PlanContext> = {}): PlanContext {
  return { bundle, fifoPath: path.join(bundle, 'exec.fifo'), warnings: [], ...extra };
}

/** Run fn, expecting an OcitsError; returns it (or fails the test). */
function thrown(t: Test, fn: () => unknown, what: string): OcitsError | undefined {
  try {
    fn();
  } catch (e) {
    t.ok(e instanceof OcitsError, `${what}: throws an OcitsError`, { got: String(e) });
    return e as OcitsError;
  }
  t.fail(`${what}: throws`);
  return undefined;
}

// ---------------------------------------------------------------- mount options

t.test('parseMountOptions: runc flag table', async (t) => {
  const cases: [string[], number][] = [
    [['ro'], MS.RDONLY],
    [['nosuid'], MS.NOSUID],
    [['nodev'], MS.NODEV],
    [['noexec'], MS.NOEXEC],
    [['relatime'], MS.RELATIME],
    [['strictatime'], MS.STRICTATIME],
    [['noatime'], MS.NOATIME],
    [['nodiratime'], MS.NODIRATIME],
    [['sync'], MS.SYNCHRONOUS],
    [['dirsync'], MS.DIRSYNC],
    [['mand'], MS.MANDLOCK],
    [['remount'], MS.REMOUNT],
    [['silent'], MS.SILENT],
    [['bind'], MS.BIND],
    [['rbind'], MS.BIND | MS.REC],
    [['defaults'], 0],
    [['ro', 'rw'], 0],
    [['rw', 'ro'], MS.RDONLY],
    [['nosuid', 'suid'], 0],
    [['nodev', 'dev'], 0],
    [['noexec', 'exec'], 0],
    [['noatime', 'atime'], 0],
    [['relatime', 'norelatime'], 0],
    [['strictatime', 'nostrictatime'], 0],
    [['sync', 'async'], 0],
    [['ro', 'nosuid', 'nodev', 'noexec', 'relatime'], MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME],
  ];
  for (const [opts, want] of cases) {
    const p = parseMountOptions(opts);
    t.equal(p.flags, want, `${opts.join(',')} -> flags 0x${want.toString(16)}`);
    t.equal(p.data, '', `${opts.join(',')}: no data`);
    t.same(p.propagation, [], `${opts.join(',')}: no propagation`);
  }
  t.equal(MS.RDONLY, 1, 'MS_RDONLY');
  t.equal(MS.NOSUID, 2, 'MS_NOSUID');
  t.equal(MS.NODEV, 4, 'MS_NODEV');
  t.equal(MS.NOEXEC, 8, 'MS_NOEXEC');
  t.equal(MS.REMOUNT, 32, 'MS_REMOUNT');
  t.equal(MS.BIND, 4096, 'MS_BIND');
  t.equal(MS.REC, 16384, 'MS_REC');
  t.equal(MS.PRIVATE, 1 << 18, 'MS_PRIVATE');
  t.equal(MS.SLAVE, 1 << 19, 'MS_SLAVE');
  t.equal(MS.SHARED, 1 << 20, 'MS_SHARED');
  t.equal(MS.RELATIME, 1 << 21, 'MS_RELATIME');
  t.equal(MS.STRICTATIME, 1 << 24, 'MS_STRICTATIME');
  t.same(parseMountOptions(), { flags: 0, propagation: [], data: '', unsupported: [], copyUp: false, attrSet: 0, attrClr: 0 }, 'no options');
  t.equal(parseMountOptions(['nosuid', 'tmpcopyup']).copyUp, true, 'tmpcopyup');
  t.equal(parseMountOptions(['tmpcopyup']).data, '', 'tmpcopyup is not mount data');
});

t.test('parseMountOptions: data and propagation', async (t) => {
  // runc's default /dev tmpfs
  const dev = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  t.equal(dev.flags, MS.NOSUID | MS.STRICTATIME, '/dev flags');
  t.equal(dev.data, 'mode=755,size=65536k', '/dev data in order, comma-joined');
  t.same(dev.propagation, [], '/dev: no propagation');
  // runc's default /dev/pts
  const pts = parseMountOptions(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  t.equal(pts.flags, MS.NOSUID | MS.NOEXEC, '/dev/pts flags');
  t.equal(pts.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5', '/dev/pts data');

  const p = parseMountOptions(['rbind', 'rprivate', 'ro']);
  t.equal(p.flags, MS.BIND | MS.REC | MS.RDONLY, 'rbind,ro flags');
  t.same(p.propagation, [MS.PRIVATE | MS.REC], 'rprivate is propagation MS_PRIVATE|MS_REC, not a flag');
  const s = parseMountOptions(['bind', 'rslave', 'shared']);
  t.equal(s.flags, MS.BIND, 'bind flags only');
  t.same(s.propagation, [MS.SLAVE | MS.REC, MS.SHARED], 'propagation in order');
  t.same(
    PROPAGATION,
    {
      private: MS.PRIVATE,
      rprivate: MS.PRIVATE | MS.REC,
      shared: MS.SHARED,
      rshared: MS.SHARED | MS.REC,
      slave: MS.SLAVE,
      rslave: MS.SLAVE | MS.REC,
      unbindable: MS.UNBINDABLE,
      runbindable: MS.UNBINDABLE | MS.REC,
    },
    'propagation table as runc',
  );
  const u = parseMountOptions(['idmap', 'nosuid']);
  t.same(u.unsupported, ['idmap'], 'idmap is reported as unsupported');
  t.equal(u.data, '', 'and not passed as data');
});

t.test('parseMountOptions: recursive options as mount_setattr attr_set/attr_clr (runc\'s table)', async (t) => {
  const A = MOUNT_ATTR;
  const p = (o: string[]) => {
    const r = parseMountOptions(o);
    return { set: r.attrSet, clr: r.attrClr, flags: r.flags, data: r.data };
  };
  t.same(p(['rro']), { set: A.RDONLY, clr: 0, flags: 0, data: '' }, 'rro: attr only, no MS_RDONLY, no data');
  t.same(p(['rrw']), { set: 0, clr: A.RDONLY, flags: 0, data: '' }, 'rrw clears');
  t.same(p(['rnosuid', 'rnodev', 'rnoexec']), { set: A.NOSUID | A.NODEV | A.NOEXEC, clr: 0, flags: 0, data: '' }, 'rnosuid rnodev rnoexec');
  t.same(p(['rnoatime']), { set: A.NOATIME, clr: A._ATIME, flags: 0, data: '' }, 'an atime setting clears _ATIME too');
  t.same(p(['rstrictatime']), { set: A.STRICTATIME, clr: A._ATIME, flags: 0, data: '' }, 'rstrictatime');
  t.same(p(['rrelatime']), { set: 0, clr: A._ATIME, flags: 0, data: '' }, 'rrelatime (MOUNT_ATTR_RELATIME is 0)');
  t.same(p(['rnosymfollow', 'rsymfollow']), { set: A.NOSYMFOLLOW, clr: A.NOSYMFOLLOW, flags: 0, data: '' }, 'both: set and clear, as runc');
  t.same(parseMountOptions(['rro']).unsupported, [], 'not unsupported any more');
  t.same(Object.keys(RECURSIVE).sort(), ['ratime', 'rdev', 'rdiratime', 'rexec', 'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'rro', 'rrelatime', 'rrw', 'rstrictatime', 'rsuid', 'rsymfollow'].sort(), "runc 1.1's recursive options");
});

t.test('deferReadonly: a ro new filesystem the setup still writes into waits until the end', async (t) => {
  const m = (destination: string, flags: number, ext = 0) => ({ source: 'tmpfs', destination, fstype: 'tmpfs', data: '', flags, ext, propagation: [], attrSet: 0, attrClr: 0 });
  const mounts = [m('/dev', MS.RDONLY), m('/data', MS.RDONLY), m('/data/sub', 0), m('/ro', MS.RDONLY), m('/bind', MS.RDONLY | MS.BIND, MountExt.BIND), m('/cw', MS.RDONLY), m('/same', MS.RDONLY), m('/same', 0)]
  mounts[4].fstype = 'bind';
  deferReadonly(mounts, { dev: true, cwd: '/cw/x', devices: [] });
  const deferred = mounts.filter((x) => x.ext & MountExt.DEFER_RO).map((x) => x.destination);
  t.same(deferred, ['/dev', '/data', '/cw'], '/dev (devices), a later mount point, the cwd; not a plain ro, a bind, or a covered one');
  const again = [m('/dev', MS.RDONLY)];
  deferReadonly(again, { dev: false, cwd: '/', devices: [] });
  t.equal(again[0].ext, 0, 'a /dev nothing writes into is read-only at once');
  const dev = [m('/opt', MS.RDONLY)];
  deferReadonly(dev, { dev: false, cwd: '/', devices: ['/opt/fuse'] });
  t.equal(dev[0].ext, MountExt.DEFER_RO, 'a device node inside');
  const sys = [{ ...m('/sys', MS.RDONLY), fstype: 'sysfs' }, m('/sys/fs/cgroup', 0)];
  deferReadonly(sys, { dev: false, cwd: '/', devices: [] });
  t.equal(sys[0].ext, 0, 'a sysfs holding a mount point stays read-only at once (its superblock too, as runc)');
});

// ---------------------------------------------------------------- rootfs

t.test('resolveRootfs', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  t.equal(resolveRootfs(spec(), bundle), rootfs, 'relative to the bundle');
  t.equal(resolveRootfs(spec((s) => (s.root.path = rootfs)), '/nonexistent'), rootfs, 'absolute path kept');
  fs.symlinkSync('rootfs', path.join(bundle, 'link'));
  t.equal(resolveRootfs(spec((s) => (s.root.path = 'link')), bundle), rootfs, 'symlinks resolved');
  let e = thrown(t, () => resolveRootfs(spec((s) => (s.root.path = 'missing')), bundle), 'missing rootfs');
  t.equal(e?.code, 'EBUNDLE');
  t.equal(e?.pointer, '/root/path');
  t.match(e?.message, /does not exist/);
  fs.writeFileSync(path.join(bundle, 'file'), '');
  e = thrown(t, () => resolveRootfs(spec((s) => (s.root.path = 'file')), bundle), 'rootfs is a file');
  t.equal(e?.pointer, '/root/path');
  t.match(e?.message, /not a directory/);
  e = thrown(t, () => resolveRootfs(spec((s) => delete s.root), bundle), 'no root');
  t.equal(e?.pointer, '/root/path');
});

// ---------------------------------------------------------------- namespaces

t.test('namespaces: clone flags and joins', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  t.equal(CLONE.mount, 0x00020000, 'CLONE_NEWNS');
  t.equal(CLONE.uts, 0x04000000, 'CLONE_NEWUTS');
  t.equal(CLONE.ipc, 0x08000000, 'CLONE_NEWIPC');
  t.equal(CLONE.pid, 0x20000000, 'CLONE_NEWPID');
  t.equal(CLONE.network, 0x40000000, 'CLONE_NEWNET');
  t.equal(CLONE.cgroup, 0x02000000, 'CLONE_NEWCGROUP');
  t.equal(CLONE.user, 0x10000000, 'CLONE_NEWUSER');

  const all = buildPlan(
    spec((s) => (s.linux.namespaces = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type })))),
    rootfs,
    ctxFor(bundle),
  );
  t.equal(all.cloneFlags, CLONE.pid | CLONE.network | CLONE.ipc | CLONE.uts | CLONE.mount | CLONE.cgroup, 'every new namespace is a clone flag');
  t.same(all.joins, [], 'no joins');
  t.ok(all.flags & PlanFlag.LOOPBACK, 'a new network namespace brings lo up');

  const joined = buildPlan(
    spec((s) => (s.linux.namespaces = [{ type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'ipc', path: '/proc/1/ns/ipc' }])),
    rootfs,
    ctxFor(bundle),
  );
  t.equal(joined.cloneFlags, CLONE.mount, 'namespaces with a path are not cloned');
  t.same(
    joined.joins,
    [
      { type: CLONE.network, path: '/proc/1/ns/net' },
      { type: CLONE.ipc, path: '/proc/1/ns/ipc' },
    ],
    'joins in config order, typed by clone flag',
  );
  t.notOk(joined.flags & PlanFlag.LOOPBACK, 'a joined network namespace is left alone');

  const e = thrown(
    t,
    () => buildPlan(spec((s) => (s.linux.namespaces = [{ type: 'mount' }, { type: 'ipc', path: 'proc/1/ns/ipc' }])), rootfs, ctxFor(bundle)),
    'relative namespace path',
  );
  t.equal(e?.pointer, '/linux/namespaces/1/path');
});

t.test('namespaces: errors', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  let e = thrown(
    t,
    () => buildPlan(spec((s) => (s.linux.namespaces = [{ type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'pid' }])), rootfs, ctxFor(bundle)),
    'duplicate namespace',
  );
  t.equal(e?.code, 'EINVAL_CONFIG');
  t.equal(e?.pointer, '/linux/namespaces/3/type', 'names the second occurrence');
  t.match(e?.message, '/linux/namespaces/3/type', 'message names the pointer');

  // config-linux.md: a namespace that is not listed is the runtime's: no mount namespace is a plan, not an error
  const hostMnt = buildPlan(spec((s) => (s.linux.namespaces = [{ type: 'pid' }])), rootfs, ctxFor(bundle));
  t.ok(hostMnt.flags & PlanFlag.HOST_MOUNT_NS, 'no mount namespace: the rootfs is prepared in the runtime\'s');
  t.equal(hostMnt.cloneFlags, CLONE.pid, 'nothing else changes');
  t.ok(buildPlan(spec((s) => delete s.linux), rootfs, ctxFor(bundle)).flags & PlanFlag.HOST_MOUNT_NS, 'no linux section: the same');
  t.notOk(buildPlan(spec((s) => (s.linux.namespaces = [{ type: 'mount', path: '/proc/1/ns/mnt' }])), rootfs, ctxFor(bundle)).flags & PlanFlag.HOST_MOUNT_NS, 'a joined one is a mount namespace');
  e = thrown(t, () => buildPlan(spec((s) => { s.linux.namespaces = [{ type: 'pid' }]; s.linux.rootfsPropagation = 'shared'; }), rootfs, ctxFor(bundle)), 'rootfsPropagation without a mount namespace');
  t.equal(e?.pointer, '/linux/rootfsPropagation');

  e = thrown(t, () => buildPlan(spec((s) => s.linux.namespaces.push({ type: 'user' })), rootfs, ctxFor(bundle)), 'user namespace without mappings');
  t.equal(e?.code, 'EINVAL_CONFIG');
  t.equal(e?.pointer, '/linux/uidMappings');
  t.match(e?.message, '/linux/namespaces/1');

  e = thrown(t, () => buildPlan(spec((s) => s.linux.namespaces.push({ type: 'bogus' })), rootfs, ctxFor(bundle)), 'unknown namespace');
  t.equal(e?.pointer, '/linux/namespaces/1/type');

  e = thrown(t, () => buildPlan(spec((s) => (s.hostname = 'box')), rootfs, ctxFor(bundle)), 'hostname without uts');
  t.equal(e?.code, 'EINVAL_CONFIG');
  t.equal(e?.pointer, '/hostname');
  t.match(e?.message, '/hostname');

  // As runc (and containerd's CRI, which sets the pod's hostname on every
  // container joining the pod's uts namespace): a joined uts namespace is enough.
  const joined = buildPlan(
    spec((s) => {
      s.hostname = 'box';
      s.linux.namespaces.push({ type: 'uts', path: '/proc/1/ns/uts' });
    }),
    rootfs,
    ctxFor(bundle),
  );
  t.equal(joined.hostname, 'box', 'hostname with a joined uts namespace');

  e = thrown(t, () => buildPlan(spec((s) => (s.domainname = 'example')), rootfs, ctxFor(bundle)), 'domainname without uts');
  t.equal(e?.pointer, '/domainname');

  const ok = buildPlan(
    spec((s) => {
      s.hostname = 'box';
      s.domainname = 'example';
      s.linux.namespaces.push({ type: 'uts' });
    }),
    rootfs,
    ctxFor(bundle),
  );
  t.equal(ok.hostname, 'box');
  t.equal(ok.domainname, 'example');
  t.ok(ok.flags & PlanFlag.SET_HOSTNAME, 'SET_HOSTNAME');
  t.ok(ok.flags & PlanFlag.SET_DOMAINNAME, 'SET_DOMAINNAME');
  const none = buildPlan(spec(), rootfs, ctxFor(bundle));
  t.notOk(none.flags & (PlanFlag.SET_HOSTNAME | PlanFlag.SET_DOMAINNAME), 'no hostname: no flag');
  t.equal(none.hostname, '');
});

// ---------------------------------------------------------------- mounts

t.test('mounts: flags, data, propagation', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const p = buildPlan(
    spec((s) => {
      s.mounts = [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
        { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
        { destination: 'tmp/../data', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rslave'] },
      ];
    }),
    rootfs,
    ctxFor(bundle),
  );
  t.same(p.mounts, [
    { source: 'proc', destination: '/proc', fstype: 'proc', data: '', flags: 0, ext: MountExt.ORDINARY_DIR, propagation: [], attrSet: 0, attrClr: 0, index: 0 },
    { source: 'tmpfs', destination: '/dev', fstype: 'tmpfs', data: 'mode=755,size=65536k', flags: MS.NOSUID | MS.STRICTATIME, ext: 0, propagation: [], attrSet: 0, attrClr: 0, index: 1 },
    { source: 'sysfs', destination: '/sys', fstype: 'sysfs', data: '', flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY, ext: MountExt.ORDINARY_DIR, propagation: [], attrSet: 0, attrClr: 0, index: 2 },
    { source: 'tmpfs', destination: '/data', fstype: 'tmpfs', data: '', flags: 0, ext: 0, propagation: [MS.SLAVE | MS.REC], attrSet: 0, attrClr: 0, index: 3 },
  ]);
  t.ok(p.flags & PlanFlag.SETUP_DEV, 'a tmpfs /dev still gets the default devices');

  const e = thrown(
    t,
    () => buildPlan(spec((s) => (s.mounts = [{ destination: '/x', source: 'x', options: ['nosuid'] }])), rootfs, ctxFor(bundle)),
    'no type, not a bind',
  );
  t.equal(e?.pointer, '/mounts/0/type');
  const u = thrown(
    t,
    () => buildPlan(spec((s) => (s.mounts = [{ destination: '/x', type: 'tmpfs', source: 'x' }, { destination: '/y', type: 'tmpfs', source: 'x', options: ['idmap'] }])), rootfs, ctxFor(bundle)),
    'idmap option',
  );
  t.equal(u?.code, 'ENOTSUP');
  t.equal(u?.pointer, '/mounts/1/options');
});

t.test('mounts: bind sources', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  fs.mkdirSync(path.join(bundle, 'data'));
  const p = buildPlan(
    spec((s) => {
      s.mounts = [
        { destination: '/data', type: 'bind', source: 'data', options: ['ro'] },
        { destination: '/abs', type: 'none', source: path.join(bundle, 'data'), options: ['rbind', 'rprivate'] },
      ];
    }),
    rootfs,
    ctxFor(bundle),
  );
  t.same(p.mounts[0], {
    source: path.join(bundle, 'data'),
    destination: '/data',
    fstype: 'bind',
    data: '',
    flags: MS.BIND | MS.RDONLY,
    ext: MountExt.BIND,
    propagation: [],
    attrSet: 0,
    attrClr: 0,
    index: 0,
  }, 'type bind, relative source resolved against the bundle');
  t.same(p.mounts[1], {
    source: path.join(bundle, 'data'),
    destination: '/abs',
    fstype: 'bind',
    data: '',
    flags: MS.BIND | MS.REC,
    ext: MountExt.BIND,
    propagation: [MS.PRIVATE | MS.REC],
    attrSet: 0,
    attrClr: 0,
    index: 1,
  }, 'rbind option makes any type a bind mount');

  let e = thrown(
    t,
    () => buildPlan(spec((s) => (s.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/m', type: 'bind', source: 'missing' }])), rootfs, ctxFor(bundle)),
    'missing bind source',
  );
  t.equal(e?.code, 'EINVAL_CONFIG');
  t.equal(e?.pointer, '/mounts/1/source');
  t.match(e?.message, '/mounts/1/source');
  t.match(e?.message, path.join(bundle, 'missing'), 'message names the resolved source');
  e = thrown(t, () => buildPlan(spec((s) => (s.mounts = [{ destination: '/m', type: 'bind' }])), rootfs, ctxFor(bundle)), 'bind without source');
  t.equal(e?.pointer, '/mounts/0/source');
});

t.test('mounts: a /dev bind mount disables /dev setup', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const p = buildPlan(spec((s) => (s.mounts = [{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] }])), rootfs, ctxFor(bundle));
  t.notOk(p.flags & PlanFlag.SETUP_DEV, 'no SETUP_DEV');
  t.same(p.devices, [], 'no devices to create');
  const q = buildPlan(spec((s) => (s.mounts = [{ destination: '/dev/', source: '/dev', options: ['bind'] }])), rootfs, ctxFor(bundle));
  t.notOk(q.flags & PlanFlag.SETUP_DEV, '"/dev/" with a bind option also counts');
  const r = buildPlan(spec(), rootfs, ctxFor(bundle));
  t.ok(r.flags & PlanFlag.SETUP_DEV, 'no /dev mount: SETUP_DEV');
});

t.test('mounts: cgroup on v1/hybrid', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const cgroupHierarchies = [
    { name: 'memory', source: '/sys/fs/cgroup/memory/ocits/c1' },
    { name: 'cpu,cpuacct', source: '/sys/fs/cgroup/cpu,cpuacct/ocits/c1' },
    { name: 'unified', source: '/sys/fs/cgroup/unified/ocits/c1' },
  ];
  const ro = MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY;
  const p = buildPlan(
    spec((s) => (s.mounts = [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }])),
    rootfs,
    ctxFor(bundle, { cgroupHierarchies }),
  );
  t.equal(p.mounts.length, 1 + 3 + 1, 'tmpfs + one bind per hierarchy + read-only remount');
  const [tmpfs, ...rest] = p.mounts;
  t.equal(tmpfs.fstype, 'tmpfs', 'first a tmpfs');
  t.equal(tmpfs.destination, '/sys/fs/cgroup');
  t.equal(tmpfs.data, 'mode=755', 'tmpfs mode=755');
  t.notOk(tmpfs.flags & MS.RDONLY, 'the tmpfs is writable (the binds need mount points)');
  t.equal(tmpfs.flags & (MS.NOSUID | MS.NOEXEC | MS.NODEV), MS.NOSUID | MS.NOEXEC | MS.NODEV, 'tmpfs nosuid,noexec,nodev');
  const binds = rest.slice(0, 3);
  t.same(
    binds.map((m) => [m.source, m.destination, m.fstype, m.ext]),
    cgroupHierarchies.map((h) => [h.source, `/sys/fs/cgroup/${h.name}`, 'bind', MountExt.BIND]),
    'one bind of the container cgroup per hierarchy',
  );
  for (const b of binds) t.equal(b.flags, ro | MS.BIND | MS.REC, `${b.destination}: rbind with the mount's flags`);
  const remount = rest[3];
  t.equal(remount.destination, '/sys/fs/cgroup', 'remount of the tmpfs');
  t.ok(remount.flags & MS.REMOUNT, 'MS_REMOUNT');
  t.ok(remount.flags & MS.BIND, 'MS_BIND');
  t.ok(remount.flags & MS.RDONLY, 'MS_RDONLY');

  const rw = buildPlan(
    spec((s) => (s.mounts = [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid'] }])),
    rootfs,
    ctxFor(bundle, { cgroupHierarchies }),
  );
  t.equal(rw.mounts.length, 1 + 3, 'no remount when not ro');
  t.notOk(rw.mounts.some((m) => m.flags & MS.REMOUNT), 'no MS_REMOUNT');
});

t.test('mounts: cgroup on v2', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const p = buildPlan(
    spec((s) => (s.mounts = [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }])),
    rootfs,
    ctxFor(bundle, { cgroupHierarchies: undefined }),
  );
  t.same(p.mounts, [
    {
      source: 'cgroup2',
      destination: '/sys/fs/cgroup',
      fstype: 'cgroup2',
      data: '',
      flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY,
      ext: 0,
      propagation: [],
      attrSet: 0,
      attrClr: 0,
      index: 0,
    },
  ], 'one cgroup2 mount with the mount flags');
});

// ---------------------------------------------------------------- devices

t.test('devices: defaults and overrides', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const p = buildPlan(spec(), rootfs, ctxFor(bundle));
  const dev = (path: string, major: number, minor: number) => ({ path, type: 'c', major, minor, mode: 0o666, uid: 0, gid: 0 });
  t.same(p.devices, [dev('/dev/null', 1, 3), dev('/dev/zero', 1, 5), dev('/dev/full', 1, 7), dev('/dev/random', 1, 8), dev('/dev/urandom', 1, 9), dev('/dev/tty', 5, 0)], 'default devices');

  const q = buildPlan(
    spec((s) => {
      s.linux.devices = [
        { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 5, gid: 6 },
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229 },
        { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o660 },
        { path: '/dev/fifo', type: 'p' },
      ];
    }),
    rootfs,
    ctxFor(bundle),
  );
  t.equal(q.devices.length, 6 + 3, 'the /dev/null entry replaces the default');
  t.same(q.devices.filter((d) => d.path === '/dev/null'), [{ path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o600, uid: 5, gid: 6 }], 'config wins over the default');
  t.same(q.devices.find((d) => d.path === '/dev/fuse'), { path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: 0o666, uid: 0, gid: 0 }, 'extra char device, default mode');
  t.same(q.devices.find((d) => d.path === '/dev/sda'), { path: '/dev/sda', type: 'b', major: 8, minor: 0, mode: 0o660, uid: 0, gid: 0 }, 'block device');
  t.same(q.devices.find((d) => d.path === '/dev/fifo'), { path: '/dev/fifo', type: 'p', major: 0, minor: 0, mode: 0o666, uid: 0, gid: 0 }, 'fifo');

  let e = thrown(t, () => buildPlan(spec((s) => (s.linux.devices = [{ path: 'dev/x', type: 'c', major: 1, minor: 3 }])), rootfs, ctxFor(bundle)), 'relative device path');
  t.equal(e?.pointer, '/linux/devices/0/path');
  e = thrown(t, () => buildPlan(spec((s) => (s.linux.devices = [{ path: '/dev/x', type: 'c' }])), rootfs, ctxFor(bundle)), 'char device without numbers');
  t.equal(e?.pointer, '/linux/devices/0');
});

// ---------------------------------------------------------------- process

t.test('rlimits', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  // 18446744073709551615 as JSON.parse sees it
  const cfg = JSON.parse(
    '{"rlimits":[{"type":"RLIMIT_NOFILE","soft":1024,"hard":4096},{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615},{"type":"RLIMIT_CPU","soft":0,"hard":18446744073709551615},{"type":"RLIMIT_RTTIME","soft":5,"hard":5},{"type":"RLIMIT_AS","soft":9007199254740992,"hard":9007199254740992}]}',
  );
  const p = buildPlan(spec((s) => (s.process.rlimits = cfg.rlimits)), rootfs, ctxFor(bundle));
  const INF = 0xffffffffffffffffn;
  t.same(p.rlimits, [
    { resource: 7, soft: 1024n, hard: 4096n },
    { resource: 4, soft: INF, hard: INF },
    { resource: 0, soft: 0n, hard: INF },
    { resource: 15, soft: 5n, hard: 5n },
    { resource: 9, soft: 9007199254740992n, hard: 9007199254740992n },
  ], 'names to numbers, 18446744073709551615 to RLIM_INFINITY');

  const names = ['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'];
  // (hard limits of 0: never above the runtime's own, whatever this host's are)
  const all = buildPlan(spec((s) => (s.process.rlimits = names.map((n) => ({ type: `RLIMIT_${n}`, soft: 0, hard: 0 })))), rootfs, ctxFor(bundle));
  t.same(all.rlimits.map((r) => r.resource), names.map((_, i) => i), 'every RLIMIT_ number as linux/resource.h');

  let e = thrown(t, () => buildPlan(spec((s) => (s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }])), rootfs, ctxFor(bundle)), 'soft > hard');
  t.equal(e?.code, 'EINVAL_CONFIG');
  t.equal(e?.pointer, '/process/rlimits/1/soft');
  e = thrown(t, () => buildPlan(spec((s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }])), rootfs, ctxFor(bundle)), 'a duplicate');
  t.equal(e?.pointer, '/process/rlimits/1/type', 'a duplicated type names the second entry');
  e = thrown(t, () => buildPlan(spec((s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 18446744073709551615, hard: 1024 }])), rootfs, ctxFor(bundle)), 'soft infinity > hard');
  t.equal(e?.pointer, '/process/rlimits/0/soft');
  e = thrown(t, () => buildPlan(spec((s) => (s.process.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }])), rootfs, ctxFor(bundle)), 'unknown rlimit');
  t.equal(e?.pointer, '/process/rlimits/0/type');
});

t.test('capabilities', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const ctx = ctxFor(bundle);
  const p = buildPlan(
    spec((s) => {
      s.process.capabilities = {
        bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_FOO'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL', 'NOPE'],
        inheritable: [],
        ambient: ['CAP_SYS_ADMIN'],
      };
    }),
    rootfs,
    ctx,
  );
  t.ok(p.flags & PlanFlag.HAS_CAPS, 'HAS_CAPS');
  t.equal(p.caps.bounding, (1n << 5n) | (1n << 0n) | (1n << 10n), 'bounding: CAP_KILL=bit 5, CAP_CHOWN=0, CAP_NET_BIND_SERVICE=10');
  t.equal(p.caps.effective, 1n << 5n, 'effective');
  t.equal(p.caps.permitted, 1n << 5n, 'permitted, unknown ignored');
  t.equal(p.caps.inheritable, 0n, 'inheritable empty');
  t.equal(p.caps.ambient, 1n << 21n, 'ambient CAP_SYS_ADMIN=21');
  t.same(ctx.warnings, ['ignoring unknown or unavailable capabilities: [CAP_FOO NOPE]'], 'one warning, as runc words it');

  const ctx2 = ctxFor(bundle);
  const q = buildPlan(spec(), rootfs, ctx2);
  t.ok(q.flags & PlanFlag.HAS_CAPS, "no capabilities: every set empty (as runc), not the runtime's own");
  t.same(q.caps, { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
  t.same(ctx2.warnings, [], 'no warning');
});

t.test('process fields, umask, rootfsPropagation, flags', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const ctx = ctxFor(bundle);
  const p = buildPlan(spec(), rootfs, ctx);
  t.equal(p.umask, 0o022, 'umask default 0o022');
  t.equal(p.rootPropagation, 0, 'no rootfsPropagation: 0');
  t.equal(p.rootfs, rootfs);
  t.equal(p.fifoPath, ctx.fifoPath);
  t.equal(p.keyring, '', 'no keyring in the context (--no-new-keyring): empty');
  t.same(p.args, ['sh']);
  t.same(p.env, ['PATH=/bin']);
  t.equal(p.cwd, '/');
  t.equal(p.uid, 0);
  t.same(p.additionalGids, []);
  t.notOk(p.flags & (PlanFlag.READONLY_ROOT | PlanFlag.NO_NEW_PRIVS | PlanFlag.NO_PIVOT | PlanFlag.HAS_OOM), 'no optional flags');

  const q = buildPlan(
    spec((s) => {
      s.root.readonly = true;
      s.process.noNewPrivileges = true;
      s.process.oomScoreAdj = -500;
      s.process.user = { uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6] };
      s.linux.rootfsPropagation = 'rslave';
      s.linux.maskedPaths = ['/proc/kcore'];
      s.linux.readonlyPaths = ['/proc/sys'];
      s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      s.linux.namespaces.push({ type: 'network' }); // net.* sysctls need one (runc's rule)
    }),
    rootfs,
    ctxFor(bundle, { noPivot: true }),
  );
  t.equal(q.umask, 0o077, 'umask from the config');
  t.equal(q.rootPropagation, MS.SLAVE | MS.REC, 'rslave');
  t.ok(q.flags & PlanFlag.READONLY_ROOT, 'READONLY_ROOT');
  t.ok(q.flags & PlanFlag.NO_NEW_PRIVS, 'NO_NEW_PRIVS');
  t.ok(q.flags & PlanFlag.NO_PIVOT, 'NO_PIVOT');
  t.ok(q.flags & PlanFlag.HAS_OOM, 'HAS_OOM');
  t.equal(q.oomScoreAdj, -500);
  t.equal(q.uid, 1000);
  t.equal(q.gid, 100);
  t.same(q.additionalGids, [5, 6]);
  t.same(q.maskedPaths, ['/proc/kcore']);
  t.same(q.readonlyPaths, ['/proc/sys']);
  t.same(q.sysctls, [['net.ipv4.ip_forward', '1']]);
  for (const [name, want] of Object.entries({ private: MS.PRIVATE | 0, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC, unbindable: MS.UNBINDABLE })) {
    const r = buildPlan(spec((s) => (s.linux.rootfsPropagation = name)), rootfs, ctx);
    t.equal(r.rootPropagation, want, `rootfsPropagation ${name}`);
  }
  const e = thrown(t, () => buildPlan(spec((s) => (s.linux.rootfsPropagation = 'sideways')), rootfs, ctx), 'bad rootfsPropagation');
  t.equal(e?.pointer, '/linux/rootfsPropagation');
  const z = buildPlan(spec((s) => (s.process.user = { uid: 0, gid: 0, umask: 0 })), rootfs, ctx);
  t.equal(z.umask, 0, 'umask 0 is kept (not replaced by the default)');

  for (const [mut, ptr] of [
    [(s: any) => delete s.process, '/process'],
    [(s: any) => (s.process.args = []), '/process/args'],
    [(s: any) => (s.linux.sysctl = { 'kernel/../x': '1' }), '/linux/sysctl/kernel/../x'],
  ] as [(s: any) => void, string][]) {
    const err = thrown(t, () => buildPlan(spec(mut), rootfs, ctx), ptr);
    t.equal(err?.pointer, ptr, `error names ${ptr}`);
  }
});

// ---------------------------------------------------------------- encoding

/** Decoder of the first fields, in addon/init/plan.cc's order. */
class Reader {
  pos = 0;
  constructor(readonly b: Buffer) {}
  u32(): number {
    const v = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.b.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    const s = this.b.subarray(this.pos, this.pos + n).toString('utf8');
    this.pos += n;
    return s;
  }
  strs(): string[] {
    const n = this.u32();
    return Array.from({ length: n }, () => this.str());
  }
  bytes(): Buffer {
    const n = this.u32();
    const b = Buffer.from(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
  i32(): number {
    const v = this.b.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
}

/** The whole plan, decoded in the exact order of decode_plan() in addon/init/plan.cc. */
function decodePlan(buf: Buffer) {
  const r = new Reader(buf);
  const magic = r.u32();
  const version = r.u32();
  const flags = r.u32();
  const cloneFlags = r.u32();
  const joins = Array.from({ length: r.u32() }, () => ({ type: r.u32(), path: r.str() }));
  const rootfs = r.str();
  const rootPropagation = r.u64();
  const hostname = r.str();
  const domainname = r.str();
  const mounts = Array.from({ length: r.u32() }, () => ({
    source: r.str(),
    destination: r.str(),
    fstype: r.str(),
    data: r.str(),
    flags: r.u64(),
    ext: r.u32(),
    propagation: Array.from({ length: r.u32() }, () => r.u64()),
    attrSet: r.u64(),
    attrClr: r.u64(),
    index: r.u32(),
  }));
  const devices = Array.from({ length: r.u32() }, () => ({
    path: r.str(),
    type: String.fromCharCode(r.u32()),
    major: r.u32(),
    minor: r.u32(),
    mode: r.u32(),
    uid: r.u32(),
    gid: r.u32(),
  }));
  const maskedPaths = r.strs();
  const readonlyPaths = r.strs();
  const sysctls = Array.from({ length: r.u32() }, () => [r.str(), r.str()]);
  const rlimits = Array.from({ length: r.u32() }, () => ({ resource: r.u32(), soft: r.u64(), hard: r.u64() }));
  const oomScoreAdj = r.b.readInt32LE((r.pos += 4) - 4);
  const caps = { bounding: r.u64(), effective: r.u64(), permitted: r.u64(), inheritable: r.u64(), ambient: r.u64() };
  const uid = r.u32();
  const gid = r.u32();
  const additionalGids = Array.from({ length: r.u32() }, () => r.u32());
  const umask = r.u32();
  const cwd = r.str();
  const args = r.strs();
  const env = r.strs();
  const fifoPath = r.str();
  const hookPoints = r.u32();
  const keyring = r.str();
  const seccompFlags = r.u32();
  const seccompBpf = r.bytes();
  const timeOffsets = Array.from({ length: r.u32() }, () => ({ clock: r.u32(), secs: r.u64(), nanos: r.u32() }));
  const ioprio = r.u32();
  const sched = {
    policy: r.u32(),
    nice: r.i32(),
    priority: r.u32(),
    flags: r.u32(),
    runtime: r.u64(),
    deadline: r.u64(),
    period: r.u64(),
  };
  const personality = r.u32();
  const apparmorProfile = r.str();
  const selinuxLabel = r.str();
  const hooks = () => Array.from({ length: r.u32() }, () => ({ path: r.str(), args: r.strs(), env: r.strs(), timeout: r.u32() }));
  const createContainerHooks = hooks();
  const startContainerHooks = hooks();
  const consoleRows = r.u32();
  const consoleCols = r.u32();
  return {
    header: { magic, version },
    plan: {
      flags, cloneFlags, joins, rootfs, rootPropagation, hostname, domainname, mounts, devices, maskedPaths, readonlyPaths,
      sysctls, rlimits, oomScoreAdj, caps, uid, gid, additionalGids, umask, cwd, args, env, fifoPath, hookPoints, keyring,
      seccompFlags, seccompBpf, timeOffsets, ioprio, sched, personality, apparmorProfile, selinuxLabel,
      createContainerHooks, startContainerHooks, consoleRows, consoleCols,
    },
    rest: buf.length - r.pos,
  };
}

t.test('encodePlan: byte layout matches addon/init/plan.cc', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  fs.mkdirSync(path.join(bundle, 'data'));
  const plan: InitPlan = buildPlan(
    spec((s) => {
      s.hostname = 'hé';
      s.linux.namespaces = [{ type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'pid' }, { type: 'ipc' }];
      s.linux.rootfsPropagation = 'rprivate';
      s.mounts = [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'rslave', 'shared'] },
      ];
      s.linux.sysctl = { 'kernel.msgmax': '8192' };
      s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 1024, hard: 18446744073709551615 }];
      s.process.oomScoreAdj = -17;
      s.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'] };
      s.process.user = { uid: 1, gid: 2, additionalGids: [3, 4] };
      s.process.args = ['sh', '-c', 'echo ünïcode'];
      s.hooks = {
        createContainer: [{ path: '/c', args: ['c', 'ü'], env: ['A=1'], timeout: 7 }],
        startContainer: [{ path: '/s' }, { path: '/s2', args: ['s2'] }],
      };
    }),
    rootfs,
    ctxFor(bundle, { keyring: 'ot-keyring' }),
  );
  t.equal(plan.keyring, 'ot-keyring', 'keyring from the context');
  const buf = encodePlan(plan);
  t.equal(buf.readUInt32LE(0), 0x3150434f, 'magic 0x3150434f little-endian');
  t.equal(buf.subarray(0, 4).toString('latin1'), 'OCP1', 'magic bytes spell OCP1');
  t.equal(PLAN_MAGIC, 0x3150434f);
  t.equal(buf.readUInt32LE(4), 3, 'version 3');
  t.equal(PLAN_VERSION, 3);

  // the first fields, by hand
  const r = new Reader(buf);
  r.pos = 8;
  t.equal(r.u32(), plan.flags, 'then flags');
  t.equal(r.u32(), CLONE.mount | CLONE.uts | CLONE.pid | CLONE.ipc, 'then cloneFlags');
  t.equal(r.u32(), 1, 'then the number of joins');
  t.equal(r.u32(), CLONE.network, 'join type');
  t.equal(r.u32(), Buffer.byteLength('/proc/1/ns/net'), 'join path length');
  t.equal(buf.subarray(r.pos, r.pos + 14).toString(), '/proc/1/ns/net', 'join path bytes');
  r.pos += 14;
  t.equal(r.str(), rootfs, 'then rootfs');
  t.equal(r.u64(), BigInt(MS.PRIVATE | MS.REC), 'then root propagation as u64');
  const h = r.u32();
  t.equal(h, 3, 'string lengths count UTF-8 bytes');
  t.equal(buf.subarray(r.pos, r.pos + h).toString('utf8'), 'hé');

  // and the whole plan round-trips, with nothing left over (plan.cc's r.done())
  const d = decodePlan(buf);
  t.equal(d.rest, 0, 'decoder consumed every byte');
  t.same(d.header, { magic: PLAN_MAGIC, version: 3 });
  t.strictSame(
    d.plan,
    {
      ...plan,
      rootPropagation: BigInt(plan.rootPropagation),
      mounts: plan.mounts.map((m) => ({ ...m, flags: BigInt(m.flags), propagation: m.propagation.map(BigInt), attrSet: BigInt(m.attrSet), attrClr: BigInt(m.attrClr) })),
    },
    'every field decodes back to the plan',
  );
  t.equal(d.plan.oomScoreAdj, -17, 'negative oom score as two\'s complement');
  t.equal(d.plan.rlimits[0].hard, 0xffffffffffffffffn, 'RLIM_INFINITY as all ones');
});

t.test('encodePlan: large plans grow the buffer', async (t) => {
  const { bundle, rootfs } = bundleDir(t);
  const env = Array.from({ length: 500 }, (_, i) => `VAR${i}=${'x'.repeat(100)}`);
  const plan = buildPlan(spec((s) => (s.process.env = env)), rootfs, ctxFor(bundle));
  const buf = encodePlan(plan);
  t.ok(buf.length > 50000, 'bigger than the initial buffer');
  const d = decodePlan(buf);
  t.equal(d.rest, 0);
  t.same(d.plan.env, env);
});
