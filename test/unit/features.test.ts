import t from 'tap';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  features,
  featuresText,
  defaultImplemented,
  ocitsVersion,
  MOUNT_OPTIONS,
  VERSION_ANNOTATION,
} from '../../lib/spec/features';
import {
  CAPABILITIES,
  MAX_KNOWN_CAP,
  capNumber,
  capName,
  capMask,
  capNames,
  lastCap,
  unknownCapsWarning,
} from '../../lib/spec/caps';
import { OcitsError } from '../../lib/errors';

const RUNC = '/usr/sbin/runc';
const hasRunc = fs.existsSync(RUNC);

// ------------------------------------------------------------------ caps

t.test('capability table: 0..40, round trip', async (t) => {
  t.equal(CAPABILITIES.length, 41);
  t.equal(MAX_KNOWN_CAP, 40);
  t.equal(capNumber('CAP_CHOWN'), 0);
  t.equal(capNumber('CAP_KILL'), 5);
  t.equal(capNumber('CAP_NET_BIND_SERVICE'), 10);
  t.equal(capNumber('CAP_SYS_ADMIN'), 21);
  t.equal(capNumber('CAP_AUDIT_WRITE'), 29);
  t.equal(capNumber('CAP_AUDIT_READ'), 37);
  t.equal(capNumber('CAP_BPF'), 39);
  t.equal(capNumber('CAP_CHECKPOINT_RESTORE'), 40);
  for (let i = 0; i <= 40; i++) t.equal(capNumber(capName(i)!), i);
  t.equal(capNumber('CAP_FOO'), undefined);
  t.equal(capNumber('cap_kill'), undefined, 'exact names only, as runc');
  t.equal(capNumber('KILL'), undefined);
  t.equal(capName(41), undefined);
  t.equal(new Set(CAPABILITIES).size, 41, 'no duplicates');
});

t.test('lastCap: kernel value, cached', async (t) => {
  const v = lastCap();
  t.ok(Number.isInteger(v) && v >= 0 && v < 64);
  if (fs.existsSync('/proc/sys/kernel/cap_last_cap')) {
    t.equal(v, Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()));
  }
  t.equal(lastCap(), v);
});

t.test('capMask', async (t) => {
  // runc spec's default set; /proc/self/status shows 0x20000420 for it
  t.equal(capMask(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'], '/process/capabilities/bounding', { lastCap: 40 }), 0x20000420n);
  t.equal(capMask([], '/x'), 0n);
  t.equal(capMask(['CAP_KILL', 'CAP_KILL'], '/x'), 1n << 5n);
  t.equal(capMask([...CAPABILITIES], '/x', { lastCap: 40 }), (1n << 41n) - 1n);
  t.same(capNames(0x8020000420n), ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE', 'CAP_BPF']);
  t.same(capNames(1n << 45n), ['CAP_45']);
  t.same(capNames(capMask([...CAPABILITIES], '/x', { lastCap: 40 })), [...CAPABILITIES]);
});

t.test('capMask: unknown name is an EINVAL_CONFIG error by default', async (t) => {
  t.throws(() => capMask(['CAP_KILL', 'CAP_FOO'], '/process/capabilities/bounding'), {
    name: 'OcitsError',
    code: 'EINVAL_CONFIG',
    pointer: '/process/capabilities/bounding/1',
    message: 'invalid config: /process/capabilities/bounding/1: unknown capability "CAP_FOO"',
  });
  let caught: unknown;
  try {
    capMask(['nope'], '/process/capabilities/effective', { unknown: 'error' });
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof OcitsError);
});

t.test('capMask: runc 1.1.5 behaviour (ignore + warning)', async (t) => {
  const ignored: string[] = [];
  const m = capMask(['CAP_KILL', 'NOPE', 'CAP_FOO', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'], '/p', {
    unknown: 'ignore',
    ignored,
    lastCap: 39,
  });
  t.equal(m, (1n << 5n) | (1n << 39n), 'unknown and unavailable dropped');
  t.same(ignored, ['NOPE', 'CAP_FOO', 'CAP_CHECKPOINT_RESTORE']);
  t.equal(
    unknownCapsWarning([...ignored, 'CAP_FOO']),
    'ignoring unknown or unavailable capabilities: [CAP_CHECKPOINT_RESTORE CAP_FOO NOPE]',
  );
  t.equal(unknownCapsWarning([]), undefined);
  const ign2: string[] = [];
  t.equal(capMask(['CAP_BPF'], '/p', { ignored: ign2, lastCap: 38 }), 0n, 'unavailable is dropped even in error mode');
  t.same(ign2, ['CAP_BPF']);
});

// -------------------------------------------------------------- features

t.test('features: required keys and shape', async (t) => {
  const f = features() as Record<string, any>;
  t.same(Object.keys(f), ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations']);
  t.equal(f.ociVersionMin, '1.0.0');
  t.equal(f.ociVersionMax, '1.2.0');
  t.same(f.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'the six hooks, in lifecycle order');
  t.same(Object.keys(f.linux), ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'mountExtensions']);
  t.same(f.linux.namespaces, ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'], 'sorted; every namespace type');
  t.same(f.linux.capabilities, [...CAPABILITIES]);
  for (const c of f.linux.capabilities) t.match(c, /^CAP_[A-Z_]+$/);
  t.same(f.linux.cgroup, { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false });
  t.same(f.linux.seccomp, { enabled: false });
  t.same(f.linux.apparmor, { enabled: true }, 'applied where the host has AppArmor on');
  t.same(f.linux.selinux, { enabled: true }, 'applied where the host has SELinux on');
  t.same(f.linux.intelRdt, { enabled: false });
  t.same(f.linux.mountExtensions, { idmap: { enabled: false } });
  t.same(f.annotations, { [VERSION_ANNOTATION]: ocitsVersion() });
  t.equal(VERSION_ANNOTATION, 'io.github.ocits.version');
  const pkg = JSON.parse(fs.readFileSync(`${__dirname}/../../package.json`, 'utf8'));
  t.equal(ocitsVersion(), pkg.version);
});

t.test('features: mount options', async (t) => {
  const f = features() as { mountOptions: string[] };
  t.same(f.mountOptions, [...f.mountOptions].sort(), 'sorted');
  t.equal(f.mountOptions.length, MOUNT_OPTIONS.length);
  for (const o of ['ro', 'rw', 'bind', 'rbind', 'rprivate', 'nosymfollow', 'lazytime', 'noiversion', 'silent', 'loud']) {
    t.ok(f.mountOptions.includes(o), o);
  }
  t.ok(f.mountOptions.includes('tmpcopyup'), 'tmpcopyup');
  for (const o of ['idmap', 'ridmap', 'symfollow', 'defaults']) t.notOk(f.mountOptions.includes(o), `not ${o}`);
  for (const o of ['rro', 'rrw', 'rnosuid', 'rnodev', 'rnoexec', 'rrelatime', 'rnoatime', 'rstrictatime', 'rnosymfollow']) t.ok(f.mountOptions.includes(o), `recursive ${o}`);
});

t.test('features: the caller says what is implemented', async (t) => {
  const f = features({
    namespaces: ['user', 'pid', 'time', 'pid'],
    seccomp: {
      enabled: true,
      actions: ['SCMP_ACT_KILL', 'SCMP_ACT_ALLOW'],
      operators: ['SCMP_CMP_NE', 'SCMP_CMP_EQ'],
      archs: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'],
      supportedFlags: ['SECCOMP_FILTER_FLAG_LOG'],
    },
    cgroup: { v1: false, v2: true, systemd: true, systemdUser: false, rdma: false },
    apparmor: true,
    idmapMounts: true,
    version: '9.9.9',
    annotations: { 'io.github.seccomp.libseccomp.version': '2.5.4' },
    capabilities: ['CAP_SYS_ADMIN', 'CAP_CHOWN'],
  }) as Record<string, any>;
  t.same(f.linux.namespaces, ['pid', 'time', 'user']);
  t.same(f.linux.seccomp, {
    enabled: true,
    actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_KILL'],
    operators: ['SCMP_CMP_EQ', 'SCMP_CMP_NE'],
    archs: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
    knownFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'],
    supportedFlags: ['SECCOMP_FILTER_FLAG_LOG'],
  });
  t.same(f.linux.cgroup, { v1: false, v2: true, systemd: true, systemdUser: false, rdma: false });
  t.same(f.linux.apparmor, { enabled: true });
  t.same(f.linux.mountExtensions, { idmap: { enabled: true } });
  t.same(f.linux.capabilities, ['CAP_CHOWN', 'CAP_SYS_ADMIN'], 'number order');
  t.same(f.annotations, { 'io.github.ocits.version': '9.9.9', 'io.github.seccomp.libseccomp.version': '2.5.4' });
  t.same(defaultImplemented().namespaces, ['pid', 'network', 'mount', 'ipc', 'uts', 'cgroup', 'user', 'time']);
});

t.test('featuresText: four-space indent and newline, as runc features', async (t) => {
  const s = featuresText();
  t.ok(s.startsWith('{\n    "ociVersionMin": "1.0.0",\n    "ociVersionMax": "1.2.0",\n    "hooks": [\n        "prestart",\n'));
  t.ok(s.endsWith('\n}\n'));
  t.same(JSON.parse(s), features());
});

t.test('same layout as runc features', { skip: hasRunc ? false : 'runc not installed at /usr/sbin/runc' }, async (t) => {
  const r = spawnSync(RUNC, ['features'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const runc = JSON.parse(r.stdout);
  const ours = features() as Record<string, any>;
  t.same(Object.keys(ours), Object.keys(runc), 'top-level key order');
  t.same(ours.hooks, runc.hooks, 'the six hooks, as runc lists them');
  t.same(runc.linux.capabilities, ours.linux.capabilities, 'same capability list and order');
  const runcLinuxKeys = Object.keys(runc.linux);
  t.same(Object.keys(ours.linux).filter((k) => runcLinuxKeys.includes(k)), runcLinuxKeys, 'linux key order');
  for (const o of ours.mountOptions) t.ok(runc.mountOptions.includes(o), `runc knows ${o}`);
  t.ok(r.stdout.endsWith('}\n'));
  t.match(r.stdout, /^\{\n {4}"ociVersionMin"/);
});
