/**
 * linux.cgroupsPath -> the container's dir in each hierarchy (runc's rules):
 *  - absolute: below each hierarchy's mount point;
 *  - relative: below the runtime's own cgroup in that hierarchy (from
 *    /proc/self/cgroup, made relative to the mount's root); on a pure v2 host
 *    below the *parent* of the runtime's own cgroup, as runc does, because a
 *    v2 cgroup holding processes cannot give controllers to children;
 *  - empty/absent: /ocits/<id>.
 */
import { posix } from 'node:path';
import { OcitsError, quoteInput } from '../errors';
import type { CgroupMode } from './types';
import { type Hierarchy, type SelfCgroupEntry, ownCgroupIn } from './mounts';

const POINTER = '/linux/cgroupsPath';

export interface InnerPath {
  absolute: boolean;
  /** cleaned path without leading '/', never empty, never with '..' */
  rel: string;
}

/**
 * Validate and clean a cgroupsPath. Throws EINVAL_CONFIG (pointer
 * /linux/cgroupsPath) for '..' escaping the base, NUL, or a path naming the
 * base itself, or for the systemd slice:prefix:name form (that one needs
 * --systemd-cgroup: runc would make a directory of that name instead).
 */
export function parseCgroupsPath(cgroupsPath: string | undefined, id: string): InnerPath {
  if (cgroupsPath === undefined || cgroupsPath === '') {
    if (!id || id.includes('/') || id === '.' || id === '..' || id.includes('\0')) {
      throw new OcitsError('ECGROUP', `container id ${quoteInput(id)} cannot name a cgroup`);
    }
    return { absolute: true, rel: `ocits/${id}` };
  }
  const p = cgroupsPath;
  if (p.includes('\0')) {
    throw new OcitsError('EINVAL_CONFIG', `invalid cgroupsPath ${JSON.stringify(p)}: contains a NUL byte`, { pointer: POINTER });
  }
  if (!p.startsWith('/') && p.split(':').length === 3 && !p.includes('/')) {
    throw new OcitsError(
      'EINVAL_CONFIG',
      `${POINTER}: cgroupsPath ${quoteInput(p)} is in the systemd "slice:prefix:name" form: it needs the systemd cgroup driver (--systemd-cgroup)`,
      { pointer: POINTER },
    );
  }
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (parts.length === 0) {
        throw new OcitsError('EINVAL_CONFIG', `invalid cgroupsPath ${quoteInput(p)}: '..' escapes the cgroup ${p.startsWith('/') ? 'root' : 'parent'}`, {
          pointer: POINTER,
        });
      }
      parts.pop();
      continue;
    }
    parts.push(c);
  }
  if (parts.length === 0) {
    throw new OcitsError('EINVAL_CONFIG', `invalid cgroupsPath ${quoteInput(p)}: it must name a cgroup below the ${p.startsWith('/') ? 'root' : 'runtime\'s own cgroup'}`, {
      pointer: POINTER,
    });
  }
  return { absolute: p.startsWith('/'), rel: parts.join('/') };
}

/**
 * `exec --cgroup` (runc 1.1): `[<controller>[,<controller>...]:]<path>`,
 * repeatable; a path without a controller (the only form on cgroup v2, and
 * then the only argument) applies to every hierarchy. Returns, per key of the
 * container's `paths`, the existing sub-cgroup dir the process goes to.
 * Errors are runc's words (OcitsError EUSAGE).
 */
export function subCgroupDirs(paths: Record<string, string>, args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const below = (key: string, add: string, arg: string) => {
    const base = paths[key];
    const dir = posix.join(base, add);
    if (dir !== base && !dir.startsWith(base + '/')) throw new OcitsError('EUSAGE', `${add} is not a sub cgroup path (--cgroup ${arg})`);
    out[key] = dir;
  };
  for (const arg of args) {
    const cs = arg.split(':');
    if (cs.length > 2) throw new OcitsError('EUSAGE', `invalid --cgroup argument: ${arg}`);
    if (cs.length === 1) {
      if (args.length !== 1) throw new OcitsError('EUSAGE', `invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      for (const key of Object.keys(paths)) below(key, arg, arg);
      continue;
    }
    for (const ctrl of cs[0].split(',')) {
      if (!(ctrl in paths)) throw new OcitsError('EUSAGE', `unknown controller ${ctrl} in --cgroup ${arg}`);
      below(ctrl, cs[1], arg);
    }
  }
  return out;
}

export interface HierarchyDir {
  keys: string[];
  /** the container's dir */
  dir: string;
  /** the dir below which missing levels are created (and empty ones removed) */
  base: string;
}

/** The container's dir in each hierarchy. */
export function computeDirs(
  mode: CgroupMode,
  hierarchies: Hierarchy[],
  inner: InnerPath,
  selfCgroup: () => SelfCgroupEntry[],
): HierarchyDir[] {
  return hierarchies.map((h) => {
    let base = h.mountpoint;
    if (!inner.absolute) {
      const own = ownCgroupIn(selfCgroup(), h);
      const name = h.version === 2 ? 'unified (0::)' : h.keys.join(',');
      if (own === undefined || !own.startsWith('/')) {
        throw new OcitsError('ECGROUP', `cannot find the runtime's own cgroup in hierarchy ${name} (/proc/self/cgroup)`);
      }
      const rel = posix.relative(h.mountRoot, posix.normalize(own));
      if (rel === '..' || rel.startsWith('../')) {
        throw new OcitsError(
          'ECGROUP',
          `the runtime's own cgroup ${own} in hierarchy ${name} is not visible below its mount ${h.mountpoint} (mount root ${h.mountRoot})`,
        );
      }
      base = posix.join(h.mountpoint, rel);
      if (mode === 'v2' && base !== h.mountpoint) base = posix.dirname(base);
    }
    return { keys: h.keys, dir: posix.join(base, inner.rel), base };
  });
}
