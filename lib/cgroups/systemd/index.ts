/**
 * The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
 * transient systemd unit (manager.ts), named from a "slice:prefix:name"
 * cgroupsPath (unit.ts), with the properties runc gives it (properties.ts),
 * over libsystemd's sd-bus (lib/native/systemd.ts, loaded only here).
 */
import { existsSync, readFileSync } from 'node:fs';
import { OcitsError } from '../../errors';
import { DEFAULT_ROOT, findHierarchies, ownCgroupIn, parseSelfCgroup, readMountinfo, type Hierarchy } from '../mounts';
import type { CgroupManager, CgroupOptions, SavedCgroup } from '../types';
import { SystemdManager, unitDirs } from './manager';
import { expandSlice, parseSystemdPath } from './unit';

/** sd_booted(3): systemd is the init when this directory exists. */
export const SYSTEMD_RUN_DIR = '/run/systemd/system';

/** The clear error where no systemd runs (this project's CI machines, containers without systemd). */
export function requireSystemd(runDir = SYSTEMD_RUN_DIR): void {
  if (!existsSync(runDir)) {
    throw new OcitsError(
      'ECGROUP',
      `systemd cgroup driver (--systemd-cgroup): systemd is not running on this host (no ${runDir}); run without --systemd-cgroup to use the cgroupfs driver`,
    );
  }
}

export function newSystemdManager(opts: CgroupOptions & { runDir?: string }): CgroupManager {
  const u = parseSystemdPath(opts.cgroupsPath, opts.id);
  requireSystemd(opts.runDir);
  const root = opts.root ?? DEFAULT_ROOT;
  const { mode, hierarchies } = findHierarchies(opts.mountinfo ?? readMountinfo(), root);
  let init: ReturnType<typeof parseSelfCgroup> | undefined;
  const initCgroup = (h: Hierarchy) => ownCgroupIn((init ??= parseSelfCgroup(opts.initCgroup ?? readFileSync('/proc/1/cgroup', 'utf8'))), h) ?? '/';
  const dirs = unitDirs(mode, hierarchies, expandSlice(u.slice), u.unit, initCgroup);
  return new SystemdManager({ mode, dirs, unit: u.unit, slice: u.slice, name: u.name, started: false });
}

export function loadSystemdManager(saved: SavedCgroup): CgroupManager {
  if (!saved.unit || !saved.slice) throw new OcitsError('ECGROUP', `saved cgroup state is invalid: ${JSON.stringify(saved)}`);
  const dirs = Object.keys(saved.paths).map((k) => ({ keys: [k], dir: saved.paths[k], base: saved.bases[k] }));
  return new SystemdManager({ mode: saved.mode, dirs, unit: saved.unit, slice: saved.slice, started: true });
}
