// Unit tests of lib/plan/idmap.ts: user namespace id mappings (validation,
// lookup, the /proc/PID/uid_map text), the user namespace plan with
// process.user, time namespace offsets, and what buildPlan makes of them.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { buildPlan, CLONE } from '../../lib/plan/build';
import { checkMappings, formatIdMap, hostIdOf, planTimeOffsets, planUserNamespace, TIME_CLOCKS } from '../../lib/plan/idmap';
import { PlanFlag } from '../../lib/native/protocol';
import type { LinuxIDMapping, Spec } from '../../lib/spec/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function spec(mut?: (s: any) => void): Spec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const s: any = {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 1000 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 1000 }],
    },
  };
  mut?.(s);
  return s as Spec;
}

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

const m = (containerID: number, hostID: number, size: number): LinuxIDMapping => ({ containerID, hostID, size });

t.test('checkMappings: well-formed ranges pass', async (t) => {
  t.doesNotThrow(() => checkMappings(undefined, 'uid'));
  t.doesNotThrow(() => checkMappings([], 'uid'));
  t.doesNotThrow(() => checkMappings([m(0, 100000, 65536), m(65536, 300000, 10), m(70000, 165536, 1)], 'uid'), 'adjacent and separate ranges');
  t.doesNotThrow(() => checkMappings([m(0, 0, 4294967295)], 'uid'), 'the identity map of the host');
});

t.test('checkMappings: errors name the field', async (t) => {
  const cases: [LinuxIDMapping[], 'uid' | 'gid', string, RegExp][] = [
    [[m(0, 100000, 0)], 'uid', '/linux/uidMappings/0/size', /at least one id/],
    [[m(0, 100000, 10), m(5, 200000, 10)], 'uid', '/linux/uidMappings/1/containerID', /overlap mapping 0/],
    [[m(0, 100000, 10), m(100, 100005, 10)], 'gid', '/linux/gidMappings/1/hostID', /host gids .* overlap mapping 0/],
    [[m(0, 100000, 10), m(20, 300000, 5), m(22, 400000, 1)], 'gid', '/linux/gidMappings/2/containerID', /overlap mapping 1/],
    [[m(4294967290, 100000, 10)], 'uid', '/linux/uidMappings/0', /run past 4294967294/],
    [[m(0, 4294967290, 6)], 'uid', '/linux/uidMappings/0', /host uids .* run past/],
    [[m(-1, 100000, 1)], 'uid', '/linux/uidMappings/0/containerID', /not a uid/],
    [[m(0, 1.5, 1)], 'uid', '/linux/uidMappings/0/hostID', /not a uid/],
    [[m(0, 100000, 4294967296)], 'gid', '/linux/gidMappings/0/size', /not a gid/],
  ];
  for (const [list, kind, pointer, msg] of cases) {
    const e = thrown(t, () => checkMappings(list, kind), JSON.stringify(list));
    t.equal(e?.code, 'EINVAL_CONFIG');
    t.equal(e?.pointer, pointer, `pointer ${pointer}`);
    t.match(e?.message, pointer, 'message names the field');
    t.match(e?.message, msg);
  }
});

t.test('hostIdOf and formatIdMap', async (t) => {
  const list = [m(0, 100000, 1000), m(1000, 200000, 10)];
  t.equal(hostIdOf(list, 0), 100000);
  t.equal(hostIdOf(list, 999), 100999);
  t.equal(hostIdOf(list, 1000), 200000);
  t.equal(hostIdOf(list, 1009), 200009);
  t.equal(hostIdOf(list, 1010), undefined);
  t.equal(hostIdOf(undefined, 0), undefined);
  t.equal(formatIdMap(list), '0 100000 1000\n1000 200000 10\n', 'one "inside outside count" line per range');
});

t.test('planUserNamespace: a new user namespace', async (t) => {
  const p = planUserNamespace(spec());
  t.same(p, { create: true, join: false, uidMappings: [m(0, 100000, 1000)], gidMappings: [m(0, 100000, 1000)] });

  let e = thrown(t, () => planUserNamespace(spec((s) => delete s.linux.uidMappings)), 'no uid mappings');
  t.equal(e?.pointer, '/linux/uidMappings');
  t.match(e?.message, /new user namespace \(\/linux\/namespaces\/1\) needs uid mappings/);
  e = thrown(t, () => planUserNamespace(spec((s) => (s.linux.gidMappings = []))), 'no gid mappings');
  t.equal(e?.pointer, '/linux/gidMappings');

  e = thrown(t, () => planUserNamespace(spec((s) => (s.linux.uidMappings = [m(1, 100000, 10)]))), 'root not mapped');
  t.equal(e?.pointer, '/linux/uidMappings');
  t.match(e?.message, /container's root \(uid 0\)/);
  e = thrown(t, () => planUserNamespace(spec((s) => (s.linux.gidMappings = [m(5, 100000, 10)]))), 'root group not mapped');
  t.equal(e?.pointer, '/linux/gidMappings');

  e = thrown(t, () => planUserNamespace(spec((s) => (s.linux.uidMappings = [m(0, 100000, 0)]))), 'bad range');
  t.equal(e?.pointer, '/linux/uidMappings/0/size');
});

t.test('planUserNamespace: process.user must be mapped', async (t) => {
  const many = (s: any) => {
    s.linux.uidMappings = [m(0, 100000, 100), m(1000, 200000, 10)];
    s.linux.gidMappings = [m(0, 100000, 100), m(1000, 200000, 10)];
  };
  t.doesNotThrow(() => planUserNamespace(spec((s) => { many(s); s.process.user = { uid: 1005, gid: 1000, additionalGids: [1, 1009] }; })));
  let e = thrown(t, () => planUserNamespace(spec((s) => { many(s); s.process.user = { uid: 500, gid: 0 }; })), 'uid outside');
  t.equal(e?.pointer, '/process/user/uid');
  t.match(e?.message, /uid 500 is not mapped by \/linux\/uidMappings/);
  e = thrown(t, () => planUserNamespace(spec((s) => { many(s); s.process.user = { uid: 0, gid: 1010 }; })), 'gid outside');
  t.equal(e?.pointer, '/process/user/gid');
  e = thrown(t, () => planUserNamespace(spec((s) => { many(s); s.process.user = { uid: 0, gid: 0, additionalGids: [5, 2000] }; })), 'extra gid outside');
  t.equal(e?.pointer, '/process/user/additionalGids/1');
});

t.test('planUserNamespace: joined by path, or none', async (t) => {
  const joined = planUserNamespace(
    spec((s) => {
      s.linux.namespaces[1].path = '/proc/1/ns/user';
      delete s.linux.uidMappings;
      delete s.linux.gidMappings;
    }),
  );
  t.same(joined, { create: false, join: true, uidMappings: [], gidMappings: [] }, 'a joined namespace has its maps: none needed');
  const withMaps = planUserNamespace(spec((s) => (s.linux.namespaces[1].path = '/proc/1/ns/user')));
  t.ok(withMaps.join && !withMaps.create, 'given mappings are checked, never written');
  const e = thrown(
    t,
    () => planUserNamespace(spec((s) => { s.linux.namespaces[1].path = '/proc/1/ns/user'; s.process.user.uid = 5000; })),
    'joined: process.user checked against given mappings',
  );
  t.equal(e?.pointer, '/process/user/uid');

  const warnings: string[] = [];
  const none = planUserNamespace(spec((s) => s.linux.namespaces.pop()), warnings);
  t.same(none, { create: false, join: false, uidMappings: [], gidMappings: [] }, 'mappings without a user namespace are ignored, as runc 1.1');
  t.match(warnings[0], /ignored/);
  const quiet: string[] = [];
  planUserNamespace(spec((s) => { s.linux.namespaces.pop(); delete s.linux.uidMappings; delete s.linux.gidMappings; }), quiet);
  t.same(quiet, [], 'no warning without mappings');
});

t.test('planTimeOffsets', async (t) => {
  t.equal(TIME_CLOCKS.monotonic, 1, 'CLOCK_MONOTONIC');
  t.equal(TIME_CLOCKS.boottime, 7, 'CLOCK_BOOTTIME');
  const withTime = (offsets: unknown, ns: unknown = { type: 'time' }) =>
    spec((s) => {
      s.linux.namespaces.push(ns);
      s.linux.timeOffsets = offsets;
    });
  t.same(planTimeOffsets(spec()), [], 'none');
  t.same(planTimeOffsets(withTime({})), [], 'empty');
  t.same(
    planTimeOffsets(withTime({ boottime: { secs: 100000, nanosecs: 5 }, monotonic: { secs: -30 } })),
    [
      { clock: 7, secs: 100000n, nanos: 5 },
      { clock: 1, secs: -30n, nanos: 0 },
    ],
  );
  let e = thrown(t, () => planTimeOffsets(spec((s) => (s.linux.timeOffsets = { boottime: { secs: 1 } }))), 'no time namespace');
  t.equal(e?.pointer, '/linux/timeOffsets');
  t.match(e?.message, /new time namespace/);
  e = thrown(t, () => planTimeOffsets(withTime({ boottime: { secs: 1 } }, { type: 'time', path: '/proc/1/ns/time' })), 'joined time namespace');
  t.equal(e?.pointer, '/linux/timeOffsets');
  t.match(e?.message, /joined time namespace \(\/linux\/namespaces\/2\/path\)/);
  e = thrown(t, () => planTimeOffsets(withTime({ realtime: { secs: 1 } })), 'unknown clock');
  t.equal(e?.pointer, '/linux/timeOffsets/realtime');
  e = thrown(t, () => planTimeOffsets(withTime({ monotonic: { secs: 1, nanosecs: 1e9 } })), 'nanoseconds out of range');
  t.equal(e?.pointer, '/linux/timeOffsets/monotonic/nanosecs');
  e = thrown(t, () => planTimeOffsets(withTime({ monotonic: { secs: 1.5 } })), 'fractional seconds');
  t.equal(e?.pointer, '/linux/timeOffsets/monotonic/secs');
});

t.test('buildPlan: user and time namespaces', async (t) => {
  const bundle = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-idmap-')));
  t.teardown(() => fs.rmSync(bundle, { recursive: true, force: true }));
  const rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(rootfs);
  const ctx = { bundle, fifoPath: path.join(bundle, 'exec.fifo'), warnings: [] as string[] };

  const p = buildPlan(
    spec((s) => {
      s.linux.namespaces.push({ type: 'time' });
      s.linux.timeOffsets = { boottime: { secs: 100000 } };
    }),
    rootfs,
    ctx,
  );
  t.equal(p.cloneFlags, CLONE.mount | CLONE.user | CLONE.time, 'new user and time namespaces are clone flags');
  t.ok(p.flags & PlanFlag.BIND_DEVICES, 'devices are bind mounts in a user namespace');
  t.same(p.timeOffsets, [{ clock: 7, secs: 100000n, nanos: 0 }]);

  const joined = buildPlan(
    spec((s) => {
      s.linux.namespaces[1].path = '/proc/1/ns/user';
      delete s.linux.uidMappings;
      delete s.linux.gidMappings;
    }),
    rootfs,
    ctx,
  );
  t.same(joined.joins, [{ type: CLONE.user, path: '/proc/1/ns/user' }]);
  t.ok(joined.flags & PlanFlag.BIND_DEVICES, 'a joined user namespace binds devices too');

  const plain = buildPlan(spec((s) => s.linux.namespaces.pop()), rootfs, ctx);
  t.notOk(plain.flags & PlanFlag.BIND_DEVICES, 'no user namespace: mknod');

  const e = thrown(t, () => buildPlan(spec((s) => (s.process.user = { uid: 2000, gid: 0 })), rootfs, ctx), 'buildPlan checks process.user');
  t.equal(e?.pointer, '/process/user/uid');
});

t.test('checkMappings: more ranges than the kernel takes are refused first, at once', async (t) => {
  const ranges = (n: number) => Array.from({ length: n }, (_, i) => ({ containerID: i, hostID: 100000 + i, size: 1 }));
  t.doesNotThrow(() => checkMappings(ranges(340), 'uid'), '340 ranges: the kernel\'s limit');
  let err: Error | undefined;
  try {
    checkMappings(ranges(100000), 'gid');
  } catch (e) {
    err = e as Error;
  }
  t.equal(err?.message, 'invalid config: /linux/gidMappings: 100000 ranges: the kernel takes at most 340');
  t.equal((err as { pointer?: string } | undefined)?.pointer, '/linux/gidMappings');
});
