/**
 * Which cgroup hierarchies are mounted, where, and in which cgroup the runtime
 * itself is: parsed from /proc/self/mountinfo and /proc/self/cgroup texts so
 * tests can hand in samples.
 */
import { readFileSync } from 'node:fs';
import { OcitsError } from '../errors';
import type { CgroupMode } from './types';

export const DEFAULT_ROOT = '/sys/fs/cgroup';

/** v1 controllers a container is placed in (runc's list), besides name=systemd. */
export const V1_CONTROLLERS: readonly string[] = [
  'cpuset', 'cpu', 'cpuacct', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio',
  'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
];
/** Named (controller-less) v1 hierarchies that also get the container. */
export const V1_NAMED: readonly string[] = ['name=systemd'];

export interface CgroupMount {
  version: 1 | 2;
  /** where it is mounted (absolute) */
  mountpoint: string;
  /** which cgroup of the hierarchy appears at the mount point ('/' usually; not in nested containers) */
  mountRoot: string;
  /** v1: the controllers and name=X of the super options; v2: [] */
  controllers: string[];
}

export interface Hierarchy extends CgroupMount {
  /** keys this hierarchy answers to in CgroupManager.paths */
  keys: string[];
}

/** Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Normalize a root: absolute, no trailing slash (except '/'). */
export function normRoot(root: string): string {
  let r = root.replace(/\/+/g, '/');
  while (r.length > 1 && r.endsWith('/')) r = r.slice(0, -1);
  return r;
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : dir + '/');
}

/**
 * The cgroup and cgroup2 mounts of a mountinfo text that are visible at or
 * below `root`, in mountinfo order; mounts shadowed by a later mount at the
 * same place or above are dropped.
 */
export function parseCgroupMounts(mountinfo: string, root: string = DEFAULT_ROOT): CgroupMount[] {
  const r = normRoot(root);
  let mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 6 || post.length < 1) continue;
    const mountRoot = unescape(pre[3]);
    const mountpoint = normRoot(unescape(pre[4]));
    const fstype = post[0];
    // a later mount hides everything at or below its mount point
    mounts = mounts.filter((m) => !under(m.mountpoint, mountpoint));
    if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || !under(mountpoint, r)) continue;
    const superOpts = (post[2] ?? '').split(',');
    const controllers =
      fstype === 'cgroup2' ? [] : superOpts.filter((o) => V1_CONTROLLERS.includes(o) || o.startsWith('name='));
    mounts.push({ version: fstype === 'cgroup2' ? 2 : 1, mountpoint, mountRoot, controllers });
  }
  return mounts;
}

let mountinfo: string | undefined;
let selfCgroup: string | undefined;

/** /proc/self/mountinfo, read once per process (a CLI command is short-lived). */
export function readMountinfo(): string {
  return (mountinfo ??= readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** /proc/self/cgroup, read once per process. */
export function readSelfCgroup(): string {
  return (selfCgroup ??= readFileSync('/proc/self/cgroup', 'utf8'));
}

function modeOf(mounts: CgroupMount[], root: string): CgroupMode {
  const r = normRoot(root);
  if (mounts.some((m) => m.version === 2 && m.mountpoint === r)) return 'v2';
  const v1 = mounts.some((m) => m.version === 1);
  const v2 = mounts.some((m) => m.version === 2);
  if (v1 && v2) return 'hybrid';
  if (v1) return 'v1';
  if (v2) return 'v2'; // cgroup2 mounted below the root only: treat it as the unified hierarchy
  throw new OcitsError('ECGROUP', `no cgroup filesystem is mounted at or below ${r}`);
}

/** The host's cgroup mode, from a mountinfo text (default: /proc/self/mountinfo). */
export function detectMode(mountinfo?: string, root: string = DEFAULT_ROOT): CgroupMode {
  return modeOf(parseCgroupMounts(mountinfo ?? readMountinfo(), root), root);
}

/**
 * The hierarchies a container is placed in, in placement order:
 * v1 hierarchies with a known controller or name=systemd (the first mount of
 * each), then the unified one (v2: the root; hybrid: the cgroup2 mount below it).
 */
export function findHierarchies(mountinfo: string, root: string = DEFAULT_ROOT): { mode: CgroupMode; hierarchies: Hierarchy[] } {
  const mounts = parseCgroupMounts(mountinfo, root);
  const mode = modeOf(mounts, root);
  const hierarchies: Hierarchy[] = [];
  if (mode !== 'v2') {
    const seen = new Set<string>();
    for (const m of mounts) {
      if (m.version !== 1) continue;
      const keys = m.controllers.filter((c) => (V1_CONTROLLERS.includes(c) || V1_NAMED.includes(c)) && !seen.has(c));
      if (keys.length === 0) continue;
      keys.forEach((k) => seen.add(k));
      hierarchies.push({ ...m, keys });
    }
  }
  if (mode !== 'v1') {
    const r = normRoot(root);
    const v2 = mounts.filter((m) => m.version === 2);
    const u = v2.find((m) => m.mountpoint === r) ?? v2[0];
    if (u) hierarchies.push({ ...u, keys: ['unified'] });
  }
  return { mode, hierarchies };
}

export interface SelfCgroupEntry {
  id: string;
  /** v1: controllers and name=X; v2 ('0::'): [] */
  controllers: string[];
  path: string;
}

/** Parse /proc/<pid>/cgroup ("id:controllers:path" per line). */
export function parseSelfCgroup(text: string): SelfCgroupEntry[] {
  const out: SelfCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const ctl = line.slice(a + 1, b);
    out.push({ id: line.slice(0, a), controllers: ctl ? ctl.split(',') : [], path: line.slice(b + 1) });
  }
  return out;
}

/** The runtime's own cgroup (as /proc/self/cgroup names it) in a hierarchy, or undefined. */
export function ownCgroupIn(entries: SelfCgroupEntry[], h: CgroupMount): string | undefined {
  if (h.version === 2) return entries.find((e) => e.id === '0' && e.controllers.length === 0)?.path;
  return entries.find((e) => e.controllers.some((c) => h.controllers.includes(c)))?.path;
}
