/**
 * config.json -> InitPlan. Pure: everything the init needs is resolved here
 * (names to numbers, options to flags, relative paths to absolute ones), and
 * every config problem found here is reported with its JSON pointer before
 * any process or kernel object exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputText, OcitsError, quoteInput } from '../errors';
import { capMask, unknownCapsWarning } from '../spec/caps';
import type { HookName, Mount, Spec } from '../spec/types';
import { MountExt, PlanFlag } from '../native/protocol';
import { planTimeOffsets, planUserNamespace } from './idmap';
import { MS, PROPAGATION, parseMountOptions } from './mountopts';
import { checkSysctls, labelMountData, planLsm, processExtras } from './process';
import { compileSeccomp } from './seccomp';
import type { InitPlan, PlanDevice, PlanHook, PlanMount } from './types';

export const CLONE = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  time: 0x00000080,
} as const;

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** The spec's default devices (config-linux.md), as runc creates them. */
const DEFAULT_DEVICES: PlanDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
];

/** Where the container's cgroup is on the host, for `cgroup` mounts. */
export interface CgroupMountSource {
  /** the hierarchy's directory name under /sys/fs/cgroup ("memory", "unified", ...) */
  name: string;
  /** the container's cgroup directory on the host */
  source: string;
}

export interface PlanContext {
  bundle: string;
  fifoPath: string;
  noPivot?: boolean;
  /** the container's own session keyring (runc names it after the container); undefined: --no-new-keyring */
  keyring?: string;
  /** v1/hybrid: one entry per hierarchy; pure v2: undefined */
  cgroupHierarchies?: CgroupMountSource[];
  /** Warnings for the log (ignored capabilities, ...). */
  warnings?: string[];
  /** the caller's umask: kept when process.user.umask is unset (config.md; as runc) */
  callerUmask?: number;
}

function unsupported(pointer: string, what: string): OcitsError {
  return new OcitsError('ENOTSUP', `unsupported config: ${pointer}: ${what} is not supported by ocits yet`, { pointer });
}

function invalid(pointer: string, what: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${what}`, { pointer });
}

/** The rootfs as an absolute host path (relative to the bundle), which must be a directory. */
export function resolveRootfs(spec: Spec, bundle: string): string {
  if (!spec.root?.path) throw invalid('/root/path', 'is required');
  const p = path.resolve(bundle, spec.root.path);
  let real: string;
  try {
    real = fs.realpathSync.native(p);
  } catch {
    throw new OcitsError('EBUNDLE', `invalid config: /root/path: rootfs ${p} does not exist`, { pointer: '/root/path' });
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new OcitsError('EBUNDLE', `invalid config: /root/path: rootfs ${p} is not a directory`, { pointer: '/root/path' });
  }
  return real;
}

function toU64(v: number): bigint {
  // JSON numbers above 2^53 arrive rounded; anything at or past 2^64-1 is RLIM_INFINITY.
  if (!Number.isFinite(v) || v >= 18446744073709551615) return 0xffffffffffffffffn;
  return BigInt(Math.trunc(v));
}

function cgroupMounts(m: Mount, i: number, flags: number, attrs: { attrSet: number; attrClr: number }, ctx: PlanContext): PlanMount[] {
  const dest = m.destination;
  if (!ctx.cgroupHierarchies) {
    return [{ source: 'cgroup2', destination: dest, fstype: 'cgroup2', data: '', flags, ext: 0, propagation: [], ...attrs, index: i }];
  }
  const none = { attrSet: 0, attrClr: 0 };
  const perMount = flags & ~MS.RDONLY;
  const out: PlanMount[] = [
    { source: 'tmpfs', destination: dest, fstype: 'tmpfs', data: 'mode=755', flags: perMount, ext: 0, propagation: [], ...none, index: i },
  ];
  for (const h of ctx.cgroupHierarchies) {
    out.push({
      source: h.source,
      destination: path.posix.join(dest, h.name),
      fstype: 'bind',
      data: '',
      flags: flags | MS.BIND | MS.REC,
      ext: MountExt.BIND,
      propagation: [],
      ...none,
      index: i,
    });
  }
  // last, over the whole tree: ro, and the recursive options
  if (flags & MS.RDONLY || attrs.attrSet || attrs.attrClr) {
    out.push({ source: '', destination: dest, fstype: '', data: '', flags: MS.REMOUNT | MS.BIND | flags, ext: 0, propagation: [], ...attrs, index: i });
  }
  return out;
}

function planMounts(spec: Spec, ctx: PlanContext, mountLabel: string): { mounts: PlanMount[]; bindsDev: boolean } {
  const mounts: PlanMount[] = [];
  let bindsDev = false;
  (spec.mounts ?? []).forEach((m, i) => {
    const ptr = `/mounts/${i}`;
    const dest = path.posix.resolve('/', m.destination);
    const opts = parseMountOptions(m.options);
    if (opts.unsupported.length) throw unsupported(`${ptr}/options`, `mount option ${quoteInput(opts.unsupported[0])}`);
    if (m.uidMappings || m.gidMappings) throw unsupported(`${ptr}/uidMappings`, 'an idmapped mount');
    const bind = m.type === 'bind' || (opts.flags & MS.BIND) !== 0;
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      mounts.push(...cgroupMounts({ ...m, destination: dest }, i, opts.flags, { attrSet: opts.attrSet, attrClr: opts.attrClr }, ctx));
      return;
    }
    // As runc: tmpcopyup means something for a tmpfs only.
    const copyUp = opts.copyUp && m.type === 'tmpfs' && !bind;
    let source = m.source ?? '';
    if (bind) {
      if (!source) throw invalid(`${ptr}/source`, 'a bind mount needs a source');
      source = path.resolve(ctx.bundle, source);
      if (!fs.existsSync(source)) throw invalid(`${ptr}/source`, `mount source ${inputText(source)} does not exist`);
      if (dest === '/dev') bindsDev = true;
    } else if (!m.type) {
      throw invalid(`${ptr}/type`, 'is required for a mount that is not a bind mount');
    }
    mounts.push({
      source,
      destination: dest,
      fstype: bind ? 'bind' : m.type!,
      data: bind ? opts.data : labelMountData(m.type!, opts.data, mountLabel),
      flags: bind ? opts.flags | MS.BIND : opts.flags,
      // As runc: proc and sysfs only on an ordinary directory (never through a symlink)
      ext: (bind ? MountExt.BIND : copyUp ? MountExt.TMPCOPYUP : 0) | (!bind && (m.type === 'proc' || m.type === 'sysfs') ? MountExt.ORDINARY_DIR : 0),
      propagation: opts.propagation,
      attrSet: opts.attrSet,
      attrClr: opts.attrClr,
      index: i,
    });
  });
  return { mounts, bindsDev };
}

function planDevices(spec: Spec): PlanDevice[] {
  const byPath = new Map<string, PlanDevice>();
  for (const d of DEFAULT_DEVICES) byPath.set(d.path, d);
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const ptr = `/linux/devices/${i}`;
    if (!path.posix.isAbsolute(d.path)) throw invalid(`${ptr}/path`, `device path ${quoteInput(d.path)} must be absolute`);
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      throw invalid(ptr, `device ${inputText(d.path)} of type ${quoteInput(d.type)} needs major and minor`);
    }
    byPath.set(d.path, {
      path: path.posix.normalize(d.path),
      type: d.type === 'u' ? 'c' : d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      mode: d.fileMode ?? 0o666,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    });
  });
  return [...byPath.values()];
}

const under = (p: string, dir: string) => dir === '/' ? p !== '/' : p.startsWith(dir + '/');

/**
 * A read-only tmpfs (or /dev) that the rest of the rootfs setup needs to
 * write into (a later mount's mount point, the default
 * devices and /dev symlinks, /dev/console, the cwd) is mounted read-write and
 * made read-only once those are done (runc does so for /dev and tmpfs). Bind
 * mounts are never delayed: their inside is a host directory.
 */
export function deferReadonly(mounts: PlanMount[], needs: { dev: boolean; cwd: string; devices: string[] }): void {
  mounts.forEach((m, i) => {
    // A tmpfs (or /dev) only, as runc: others (sysfs, proc) keep their read-only
    // superblock, and nothing can be created in them anyway.
    if (!(m.flags & MS.RDONLY) || m.ext & MountExt.BIND || m.flags & MS.REMOUNT || !(m.fstype === 'tmpfs' || m.destination === '/dev')) return;
    const later = mounts.slice(i + 1);
    if (later.some((l) => l.destination === m.destination)) return; // covered: nothing will write into it
    const needed =
      later.some((l) => under(l.destination, m.destination)) ||
      (needs.dev && (m.destination === '/dev' || under('/dev', m.destination))) ||
      needs.devices.some((d) => under(d, m.destination)) ||
      under(needs.cwd, m.destination) ||
      needs.cwd === m.destination;
    if (needed) m.ext |= MountExt.DEFER_RO;
  });
}

const HOOK_NAMES: readonly HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/**
 * Check every hook (path absolute, timeout a whole number of seconds > 0,
 * args and env lists of strings) and plan the init's: createContainer and
 * startContainer run in the init, and the init stops at its hook point
 * (MSG_HOOKS) when any hook of create or start needs it (prestart and
 * createRuntime run in the runtime then; startContainer needs the state the
 * runtime sends there).
 */
export function planHooks(spec: Spec): { hookPoints: number; createContainer: PlanHook[]; startContainer: PlanHook[] } {
  const all = spec.hooks ?? {}; // other kinds are ignored, as runc
  const checked = (name: HookName): PlanHook[] => {
    const list = all[name] ?? [];
    if (!Array.isArray(list)) throw invalid(`/hooks/${name}`, 'must be an array of hooks');
    return list.map((h, i) => {
      const ptr = `/hooks/${name}/${i}`;
      if (typeof h?.path !== 'string' || !h.path) throw invalid(`${ptr}/path`, 'is required');
      if (!path.posix.isAbsolute(h.path)) throw invalid(`${ptr}/path`, `hook path ${quoteInput(h.path)} must be absolute`);
      for (const k of ['args', 'env'] as const) {
        const v = h[k];
        if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw invalid(`${ptr}/${k}`, 'must be an array of strings');
        if (v?.some((x) => x.includes('\0'))) throw invalid(`${ptr}/${k}`, 'must not contain NUL bytes');
      }
      if (h.timeout !== undefined && !(Number.isInteger(h.timeout) && h.timeout > 0 && h.timeout <= 0xffffffff)) {
        throw invalid(`${ptr}/timeout`, `timeout ${JSON.stringify(h.timeout)} must be a whole number of seconds > 0`);
      }
      return { path: h.path, args: h.args ?? [], env: h.env ?? [], timeout: h.timeout ?? 0 };
    });
  };
  const lists = Object.fromEntries(HOOK_NAMES.map((n) => [n, checked(n)])) as Record<HookName, PlanHook[]>;
  const atHookPoint = lists.prestart.length + lists.createRuntime.length + lists.createContainer.length + lists.startContainer.length;
  return { hookPoints: atHookPoint ? 1 : 0, createContainer: lists.createContainer, startContainer: lists.startContainer };
}

/** process.consoleSize as the init's rows/cols (0/0: left as the kernel makes it). */
export function planConsoleSize(size: { height?: number; width?: number } | undefined): { rows: number; cols: number } {
  const rows = size?.height ?? 0;
  const cols = size?.width ?? 0;
  for (const [v, f] of [[rows, 'height'], [cols, 'width']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw invalid(`/process/consoleSize/${f}`, `must be an integer from 0 to 65535, got ${v}`);
  }
  return rows && cols ? { rows, cols } : { rows: 0, cols: 0 };
}

export function buildPlan(spec: Spec, rootfs: string, ctx: PlanContext): InitPlan {
  const proc = spec.process;
  const linux = spec.linux ?? {};
  if (!proc) throw invalid('/process', 'is required to create a container');
  if (!proc.args || proc.args.length === 0) throw invalid('/process/args', 'must name the program to run');
  if (linux.intelRdt) throw unsupported('/linux/intelRdt', 'intelRdt');
  const hooks = planHooks(spec);

  let flags = 0;
  let cloneFlags = 0;
  const joins: { type: number; path: string }[] = [];
  const seen = new Set<string>();
  (linux.namespaces ?? []).forEach((ns, i) => {
    const ptr = `/linux/namespaces/${i}`;
    if (seen.has(ns.type)) throw invalid(`${ptr}/type`, `namespace ${quoteInput(ns.type)} is listed twice`);
    seen.add(ns.type);
    const bit = CLONE[ns.type as keyof typeof CLONE];
    if (bit === undefined) throw invalid(`${ptr}/type`, `unknown namespace type ${quoteInput(ns.type)}`);
    if (ns.path) {
      if (!path.posix.isAbsolute(ns.path)) throw invalid(`${ptr}/path`, `namespace path ${quoteInput(ns.path)} must be absolute`);
      joins.push({ type: bit, path: ns.path });
    } else {
      cloneFlags |= bit;
      if (ns.type === 'network') flags |= PlanFlag.LOOPBACK;
    }
  });
  // config-linux.md: a namespace type that is not listed is the runtime's.
  // Without a mount namespace the rootfs is prepared in the runtime's (the
  // init never changes the propagation of the host's mounts, and delete
  // removes every mount it made) and entered with chroot.
  if (!seen.has('mount')) {
    flags |= PlanFlag.HOST_MOUNT_NS;
    if (cloneFlags & CLONE.user || joins.some((j) => j.type === CLONE.user)) {
      throw invalid('/linux/namespaces', 'a new user namespace needs a mount namespace too: its root cannot mount in the runtime\'s mount namespace');
    }
    if (linux.rootfsPropagation) {
      throw invalid('/linux/rootfsPropagation', "needs a mount namespace: without one it would change the propagation of the host's /");
    }
  }
  // In a user namespace (new or joined) the init cannot mknod: device nodes
  // are bind mounts of the host's, as runc. The parent writes the id maps.
  const userns = planUserNamespace(spec, ctx.warnings);
  if (userns.create || userns.join) flags |= PlanFlag.BIND_DEVICES;
  const timeOffsets = planTimeOffsets(spec);
  // As runc: the uts namespace may be new or joined (containerd sets the pod's
  // hostname on every container that joins the pod's namespace).
  const uts = seen.has('uts');
  if (spec.hostname) {
    if (!uts) throw invalid('/hostname', 'setting the hostname needs a uts namespace');
    flags |= PlanFlag.SET_HOSTNAME;
  }
  if (spec.domainname) {
    if (!uts) throw invalid('/domainname', 'setting the domainname needs a uts namespace');
    flags |= PlanFlag.SET_DOMAINNAME;
  }
  checkSysctls(spec);
  const lsm = planLsm(spec);
  const extras = processExtras(spec);
  flags |= extras.flags;

  const { mounts, bindsDev } = planMounts(spec, ctx, lsm.mountLabel);
  if (!bindsDev) flags |= PlanFlag.SETUP_DEV;
  if (ctx.noPivot) flags |= PlanFlag.NO_PIVOT;
  if (spec.root?.readonly) flags |= PlanFlag.READONLY_ROOT;
  if (proc.noNewPrivileges) flags |= PlanFlag.NO_NEW_PRIVS;
  // process.terminal: the init makes the pty and sends its master over the
  // console socket; consoleSize applies only when both values are set (runc).
  if (proc.terminal) flags |= PlanFlag.TERMINAL;
  const consoleSize = proc.terminal ? planConsoleSize(proc.consoleSize) : { rows: 0, cols: 0 };
  const devices = bindsDev ? [] : planDevices(spec);
  deferReadonly(mounts, {
    dev: !bindsDev || !!proc.terminal,
    cwd: proc.cwd ? path.posix.resolve('/', proc.cwd) : '/',
    devices: devices.map((d) => d.path),
  });

  let rootPropagation = 0;
  if (linux.rootfsPropagation) {
    const v = PROPAGATION[linux.rootfsPropagation];
    if (v === undefined) throw invalid('/linux/rootfsPropagation', `unknown propagation ${quoteInput(linux.rootfsPropagation)}`);
    rootPropagation = v;
  }

  const seenRlimits = new Set<string>();
  const rlimits = (proc.rlimits ?? []).map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw invalid(`/process/rlimits/${i}/type`, `unknown rlimit ${quoteInput(r.type)}`);
    // config.md: duplicated entries MUST be an error
    if (seenRlimits.has(r.type)) throw invalid(`/process/rlimits/${i}/type`, `rlimit ${quoteInput(r.type)} is listed twice`);
    seenRlimits.add(r.type);
    const soft = toU64(r.soft);
    const hard = toU64(r.hard);
    if (soft > hard) throw invalid(`/process/rlimits/${i}/soft`, `soft limit ${r.soft} is above the hard limit ${r.hard}`);
    return { resource, soft, hard };
  });

  const caps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
  // As runc: no process.capabilities means no capabilities at all (every set
  // empty), never the runtime's own.
  flags |= PlanFlag.HAS_CAPS;
  if (proc.capabilities) {
    const ignored: string[] = [];
    for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
      caps[set] = capMask(proc.capabilities[set] ?? [], `/process/capabilities/${set}`, { unknown: 'ignore', ignored });
    }
    const warning = unknownCapsWarning(ignored);
    if (warning) ctx.warnings?.push(warning);
  }
  if (proc.oomScoreAdj !== undefined) flags |= PlanFlag.HAS_OOM;
  const user = proc.user ?? { uid: 0, gid: 0 };
  // Last: the filter is compiled by libseccomp (the addon) once everything else is known to be valid.
  const seccomp = linux.seccomp ? compileSeccomp(linux.seccomp, ctx.bundle) : undefined;
  if (seccomp?.notify) flags |= PlanFlag.SECCOMP_NOTIFY;

  return {
    flags,
    cloneFlags,
    joins,
    rootfs,
    rootPropagation,
    hostname: spec.hostname ?? '',
    domainname: spec.domainname ?? '',
    mounts,
    devices,
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    sysctls: Object.entries(linux.sysctl ?? {}),
    rlimits,
    oomScoreAdj: proc.oomScoreAdj ?? 0,
    caps,
    uid: user.uid,
    gid: user.gid,
    additionalGids: user.additionalGids ?? [],
    umask: user.umask ?? ctx.callerUmask ?? 0o022,
    cwd: proc.cwd,
    args: proc.args,
    env: proc.env ?? [],
    fifoPath: ctx.fifoPath,
    hookPoints: hooks.hookPoints,
    keyring: ctx.keyring ?? '',
    seccompFlags: seccomp?.flags ?? 0,
    seccompBpf: seccomp?.bpf ?? Buffer.alloc(0),
    timeOffsets,
    ioprio: extras.ioprio,
    sched: extras.sched,
    personality: extras.personality,
    apparmorProfile: lsm.apparmorProfile,
    selinuxLabel: lsm.selinuxLabel,
    createContainerHooks: hooks.createContainer,
    startContainerHooks: hooks.startContainer,
    consoleRows: consoleSize.rows,
    consoleCols: consoleSize.cols,
  };
}
