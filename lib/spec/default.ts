/**
 * The default config.json of `ocits spec [--rootless]`: runc 1.1.5's `runc spec`
 * (libcontainer/specconv Example + ToRootless) field for field and key for key,
 * so JSON.stringify(defaultSpec(..), null, '\t') is runc's file byte for byte,
 * except:
 *   - ociVersion is "1.2.0" (the spec version ocits implements; runc writes
 *     "1.0.2-dev");
 *   - hostname is "ocits" (runc writes "runc").
 * Like runc 1.1.5, the cgroup namespace is added only when /sys/fs/cgroup is a
 * cgroup2 (unified) mount, and the rootless variant maps container 0 to the
 * caller's euid/egid, drops the network namespace and adds a user one, replaces
 * the /sys sysfs mount with an rbind of the host's /sys, drops uid=/gid= mount
 * options and removes linux.resources.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcitsError } from '../errors';

export const DEFAULT_OCI_VERSION = '1.2.0';
export const DEFAULT_HOSTNAME = 'ocits';

export interface DefaultSpecOptions {
  rootless: boolean;
  /** Add a cgroup namespace; default: whether /sys/fs/cgroup is cgroup2 (as runc 1.1.5). */
  cgroupNs?: boolean;
  /** Host ids mapped to container root in the rootless variant; default geteuid()/getegid(). */
  uid?: number;
  gid?: number;
}

interface Mount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether /sys/fs/cgroup is the cgroup2 unified hierarchy. */
export function isCgroup2Unified(): boolean {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** runc spec's default capability list (all four sets). */
const CAPS = (): string[] => ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export function defaultSpec(opts: DefaultSpecOptions): Record<string, unknown> {
  const rootless = opts.rootless;
  const cgroupNs = opts.cgroupNs ?? isCgroup2Unified();

  let mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];

  let namespaces: { type: string }[] = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (cgroupNs) namespaces.push({ type: 'cgroup' });

  if (rootless) {
    namespaces = namespaces.filter((ns) => ns.type !== 'network' && ns.type !== 'user');
    namespaces.push({ type: 'user' });
    mounts = mounts.map((m) => {
      if (path.posix.normalize(m.destination) === '/sys') {
        // runc keeps key order destination, type, source, options
        return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
      }
      if (!m.options) return m;
      const options = m.options.filter((o) => !o.startsWith('gid=') && !o.startsWith('uid='));
      const out: Mount = { destination: m.destination, type: m.type, source: m.source };
      if (options.length > 0) out.options = options; // Go omits an empty (nil) slice
      return out;
    });
  }

  const linux: Record<string, unknown> = {};
  if (rootless) {
    const uid = opts.uid ?? (process.geteuid ? process.geteuid() : 0);
    const gid = opts.gid ?? (process.getegid ? process.getegid() : 0);
    linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  } else {
    linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
  }
  linux.namespaces = namespaces;
  linux.maskedPaths = [
    '/proc/acpi',
    '/proc/asound',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/proc/sched_debug',
    '/sys/firmware',
    '/proc/scsi',
  ];
  linux.readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

  return {
    ociVersion: DEFAULT_OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS(), effective: CAPS(), permitted: CAPS(), ambient: CAPS() },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: DEFAULT_HOSTNAME,
    mounts,
    linux,
  };
}

/** The file text: tab indentation and no trailing newline, as runc's json.MarshalIndent(spec, "", "\t"). */
export function specText(spec: unknown): string {
  return JSON.stringify(spec, null, '\t');
}

/**
 * Write <bundleDir>/config.json (mode 0666 & ~umask, as runc). Refuses to
 * overwrite: "File config.json exists. Remove it first" (runc's text; it runs
 * the check after chdir to the bundle, hence the relative name). Uses O_EXCL,
 * so a file created concurrently is not clobbered either.
 */
export function writeSpec(bundleDir: string, rootless: boolean, opts: Omit<DefaultSpecOptions, 'rootless'> = {}): string {
  const file = path.join(bundleDir, 'config.json');
  const text = specText(defaultSpec({ ...opts, rootless }));
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o666);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new OcitsError('EBUNDLE', 'File config.json exists. Remove it first', { errno: 17 });
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
      // runc: chdir BUNDLE fails first
      throw new OcitsError('EBUNDLE', `chdir ${bundleDir}: ${e.code === 'ENOENT' ? 'no such file or directory' : 'not a directory'}`, {
        errno: Math.abs(e.errno ?? 0) || undefined,
        cause: err,
      });
    }
    const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
    throw new OcitsError('ESYS', `open ${file}: ${m ? m[1] : e.message}`, { errno: Math.abs(e.errno ?? 0) || undefined, cause: err });
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
