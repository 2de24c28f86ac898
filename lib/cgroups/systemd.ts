/**
 * The systemd cgroup driver (--systemd-cgroup): the container's cgroup would
 * be a transient scope created over D-Bus, and cgroupsPath takes the
 * "slice:prefix:name" form. Not implemented yet (no systemd on the project's
 * hosts); a SystemdManager implementing CgroupManager goes here.
 */
import { OcitsError } from '../errors';
import type { CgroupManager, CgroupOptions, SavedCgroup } from './types';

const MSG = 'systemd cgroup driver is not supported yet (no systemd on this host)';

export function newSystemdManager(_opts: CgroupOptions): CgroupManager {
  throw new OcitsError('ENOTSUP', MSG);
}

export function loadSystemdManager(_saved: SavedCgroup): CgroupManager {
  throw new OcitsError('ENOTSUP', MSG);
}
