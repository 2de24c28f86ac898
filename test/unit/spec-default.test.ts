import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { defaultSpec, specText, writeSpec, isCgroup2Unified, DEFAULT_OCI_VERSION, DEFAULT_HOSTNAME } from '../../lib/spec/default';
import { capNumber } from '../../lib/spec/caps';
import { OcitsError } from '../../lib/errors';

const RUNC = '/usr/sbin/runc';
const hasRunc = fs.existsSync(RUNC);

/**
 * Fixtures: `runc spec` and `runc spec --rootless` of runc 1.1.5 as root on a
 * host without cgroup2 unified mode (so no cgroup namespace), with the two
 * documented differences applied: ociVersion 1.0.2-dev -> 1.2.0, hostname
 * runc -> ocits.
 */
const RUNC_SPEC = {
  ociVersion: '1.2.0',
  process: {
    terminal: true,
    user: {
      uid: 0,
      gid: 0
    },
    args: [
      'sh'
    ],
    env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'TERM=xterm'
    ],
    cwd: '/',
    capabilities: {
      bounding: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      effective: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      permitted: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      ambient: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ]
    },
    rlimits: [
      {
        type: 'RLIMIT_NOFILE',
        hard: 1024,
        soft: 1024
      }
    ],
    noNewPrivileges: true
  },
  root: {
    path: 'rootfs',
    readonly: true
  },
  hostname: 'ocits',
  mounts: [
    {
      destination: '/proc',
      type: 'proc',
      source: 'proc'
    },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: [
        'nosuid',
        'strictatime',
        'mode=755',
        'size=65536k'
      ]
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: [
        'nosuid',
        'noexec',
        'newinstance',
        'ptmxmode=0666',
        'mode=0620',
        'gid=5'
      ]
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'mode=1777',
        'size=65536k'
      ]
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: [
        'nosuid',
        'noexec',
        'nodev'
      ]
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'ro'
      ]
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'relatime',
        'ro'
      ]
    }
  ],
  linux: {
    resources: {
      devices: [
        {
          allow: false,
          access: 'rwm'
        }
      ]
    },
    namespaces: [
      {
        type: 'pid'
      },
      {
        type: 'network'
      },
      {
        type: 'ipc'
      },
      {
        type: 'uts'
      },
      {
        type: 'mount'
      }
    ],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi'
    ],
    readonlyPaths: [
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger'
    ]
  }
};

const RUNC_SPEC_ROOTLESS = {
  ociVersion: '1.2.0',
  process: {
    terminal: true,
    user: {
      uid: 0,
      gid: 0
    },
    args: [
      'sh'
    ],
    env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'TERM=xterm'
    ],
    cwd: '/',
    capabilities: {
      bounding: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      effective: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      permitted: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ],
      ambient: [
        'CAP_AUDIT_WRITE',
        'CAP_KILL',
        'CAP_NET_BIND_SERVICE'
      ]
    },
    rlimits: [
      {
        type: 'RLIMIT_NOFILE',
        hard: 1024,
        soft: 1024
      }
    ],
    noNewPrivileges: true
  },
  root: {
    path: 'rootfs',
    readonly: true
  },
  hostname: 'ocits',
  mounts: [
    {
      destination: '/proc',
      type: 'proc',
      source: 'proc'
    },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: [
        'nosuid',
        'strictatime',
        'mode=755',
        'size=65536k'
      ]
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: [
        'nosuid',
        'noexec',
        'newinstance',
        'ptmxmode=0666',
        'mode=0620'
      ]
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'mode=1777',
        'size=65536k'
      ]
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: [
        'nosuid',
        'noexec',
        'nodev'
      ]
    },
    {
      destination: '/sys',
      type: 'none',
      source: '/sys',
      options: [
        'rbind',
        'nosuid',
        'noexec',
        'nodev',
        'ro'
      ]
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'relatime',
        'ro'
      ]
    }
  ],
  linux: {
    uidMappings: [
      {
        containerID: 0,
        hostID: 0,
        size: 1
      }
    ],
    gidMappings: [
      {
        containerID: 0,
        hostID: 0,
        size: 1
      }
    ],
    namespaces: [
      {
        type: 'pid'
      },
      {
        type: 'ipc'
      },
      {
        type: 'uts'
      },
      {
        type: 'mount'
      },
      {
        type: 'user'
      }
    ],
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi'
    ],
    readonlyPaths: [
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger'
    ]
  }
};

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-spec-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Apply ocits' documented differences to runc's text. */
function adapt(runcText: string): string {
  const o = JSON.parse(runcText);
  o.ociVersion = DEFAULT_OCI_VERSION;
  o.hostname = DEFAULT_HOSTNAME;
  return JSON.stringify(o, null, '\t');
}

t.test('documented differences', async (t) => {
  const s = defaultSpec({ rootless: false, cgroupNs: false });
  t.equal(s.ociVersion, '1.2.0');
  t.equal(s.hostname, 'ocits');
});

t.test('default spec equals the runc 1.1.5 fixture, key order included', async (t) => {
  const ours = defaultSpec({ rootless: false, cgroupNs: false });
  t.same(ours, RUNC_SPEC);
  t.equal(specText(ours), JSON.stringify(RUNC_SPEC, null, '\t'));
});

t.test('rootless spec equals the runc 1.1.5 fixture', async (t) => {
  const ours = defaultSpec({ rootless: true, cgroupNs: false, uid: 0, gid: 0 });
  t.same(ours, RUNC_SPEC_ROOTLESS);
  t.equal(specText(ours), JSON.stringify(RUNC_SPEC_ROOTLESS, null, '\t'));
  const mapped = defaultSpec({ rootless: true, cgroupNs: false, uid: 1000, gid: 1001 }) as { linux: Record<string, unknown> };
  t.same(mapped.linux.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  t.same(mapped.linux.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  const dflt = defaultSpec({ rootless: true, cgroupNs: false }) as { linux: { uidMappings: { hostID: number }[] } };
  t.equal(dflt.linux.uidMappings[0].hostID, process.geteuid!(), 'euid by default, as runc');
});

t.test('cgroup namespace only on cgroup2 hosts (runc 1.1.5)', async (t) => {
  const ns = (s: Record<string, unknown>) => ((s.linux as { namespaces: { type: string }[] }).namespaces).map((n) => n.type);
  t.same(ns(defaultSpec({ rootless: false, cgroupNs: true })), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  t.same(ns(defaultSpec({ rootless: true, cgroupNs: true })), ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
  t.same(ns(defaultSpec({ rootless: false })).includes('cgroup'), isCgroup2Unified(), 'auto-detected');
});

t.test('a fresh object each call; every default capability is known', async (t) => {
  const a = defaultSpec({ rootless: false }) as { process: { capabilities: Record<string, string[]> } };
  a.process.capabilities.bounding.push('CAP_SYS_ADMIN');
  const b = defaultSpec({ rootless: false }) as { process: { capabilities: Record<string, string[]> } };
  t.same(b.process.capabilities.bounding, ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
  for (const set of Object.values(b.process.capabilities)) for (const c of set) t.type(capNumber(c), 'number', c);
});

t.test('identical to what runc spec writes here', { skip: hasRunc ? false : 'runc not installed at /usr/sbin/runc' }, async (t) => {
  for (const rootless of [false, true]) {
    const dir = tmpdir(t);
    const r = spawnSync(RUNC, rootless ? ['spec', '--rootless'] : ['spec'], { cwd: dir, encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    const runcText = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    t.equal(specText(defaultSpec({ rootless })), adapt(runcText), `rootless=${rootless}`);
    t.equal(runcText.replace('"1.0.2-dev"', '"1.2.0"').replace('"hostname": "runc"', '"hostname": "ocits"'), specText(defaultSpec({ rootless })), 'byte for byte');

    const ours = tmpdir(t);
    writeSpec(ours, rootless);
    t.equal(fs.readFileSync(path.join(ours, 'config.json'), 'utf8'), adapt(runcText));
    t.equal(fs.statSync(path.join(ours, 'config.json')).mode & 0o777, fs.statSync(path.join(dir, 'config.json')).mode & 0o777, 'same mode');

    const again = spawnSync(RUNC, ['spec'], { cwd: dir, encoding: 'utf8' });
    t.equal(again.status, 1);
    t.match(again.stderr, 'msg="File config.json exists. Remove it first"', 'runc refuses with the same text');
  }
});

t.test('writeSpec: tab indentation, no newline, refuses to overwrite', async (t) => {
  const dir = tmpdir(t);
  const old = process.umask(0o022);
  t.teardown(() => process.umask(old));
  const file = writeSpec(dir, false);
  t.equal(file, path.join(dir, 'config.json'));
  const text = fs.readFileSync(file, 'utf8');
  t.ok(text.startsWith('{\n\t"ociVersion": "1.2.0",\n\t"process": {\n\t\t"terminal": true,'));
  t.ok(text.endsWith('\n\t}\n}'), 'no trailing newline');
  t.equal(fs.statSync(file).mode & 0o777, 0o644);
  fs.writeFileSync(file, 'mine');
  t.throws(() => writeSpec(dir, true), { name: 'OcitsError', code: 'EBUNDLE', message: 'File config.json exists. Remove it first' });
  t.equal(fs.readFileSync(file, 'utf8'), 'mine', 'untouched');
  const missing = path.join(dir, 'nope');
  t.throws(() => writeSpec(missing, false), { code: 'EBUNDLE', message: `chdir ${missing}: no such file or directory` });
  let caught: unknown;
  try {
    writeSpec(dir, false);
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof OcitsError, 'an OcitsError');
});
