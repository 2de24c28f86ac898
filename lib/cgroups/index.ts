/**
 * lib/cgroups: one CgroupManager interface for the container's cgroup.
 *
 *   const m = newManager({ id, cgroupsPath: config.linux?.cgroupsPath });
 *   m.create(); m.addPid(pid);             // create
 *   state.cgroup = m.toJSON();             // kept by the state store
 *   loadManager(state.cgroup).destroy();   // delete
 *
 * Drivers: cgroupfs (fs.ts) for v1, v2 and hybrid hosts; systemd (systemd/) on each of them.
 */
import { OcitsError } from '../errors';
import { FsManager } from './fs';
import { DEFAULT_ROOT, findHierarchies, parseSelfCgroup, readMountinfo, readSelfCgroup, type SelfCgroupEntry } from './mounts';
import { computeDirs, parseCgroupsPath } from './paths';
import { loadSystemdManager, newSystemdManager } from './systemd';
import type { CgroupManager, CgroupMode, CgroupOptions, SavedCgroup } from './types';

export type { CgroupDriver, CgroupManager, CgroupMode, CgroupOptions, SavedCgroup } from './types';
export { detectMode, parseCgroupMounts, parseSelfCgroup, DEFAULT_ROOT } from './mounts';
export { parseCgroupsPath } from './paths';
export { primeMigration } from './prime';

/** A manager for a new container: computes the dirs, touches nothing. */
export function newManager(opts: CgroupOptions): CgroupManager {
  if (opts.systemd) return newSystemdManager(opts);
  const inner = parseCgroupsPath(opts.cgroupsPath, opts.id);
  const root = opts.root ?? DEFAULT_ROOT;
  const { mode, hierarchies } = findHierarchies(opts.mountinfo ?? readMountinfo(), root);
  let self: SelfCgroupEntry[] | undefined;
  const selfCgroup = () => (self ??= parseSelfCgroup(opts.selfCgroup ?? readSelfCgroup()));
  return new FsManager(mode, computeDirs(mode, hierarchies, inner, selfCgroup));
}

const MODES: readonly CgroupMode[] = ['v1', 'v2', 'hybrid'];

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' && x.startsWith('/'));
}

/** Rebuild the manager of an existing container from its saved form. */
export function loadManager(saved: SavedCgroup): CgroupManager {
  const s = saved as Partial<SavedCgroup> | null;
  if (
    !s ||
    (s.driver !== 'cgroupfs' && s.driver !== 'systemd') ||
    !MODES.includes(s.mode as CgroupMode) ||
    !isStringMap(s.paths) ||
    !isStringMap(s.bases) ||
    Object.keys(s.paths).some((k) => s.bases![k] === undefined)
  ) {
    throw new OcitsError('ECGROUP', `saved cgroup state is invalid: ${JSON.stringify(saved)}`);
  }
  if (s.driver === 'systemd') return loadSystemdManager(s as SavedCgroup);
  return FsManager.fromSaved(s as SavedCgroup);
}
