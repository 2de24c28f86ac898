/**
 * The systemd driver's naming rules, as runc 1.1 has them (libcontainer/specconv
 * CreateCgroupConfig, cgroups/systemd common.go): linux.cgroupsPath is
 * "slice:prefix:name" (an empty slice is system.slice); the container's unit is
 * the scope "<prefix>-<name>.scope", or the slice <name> when it ends in ".slice";
 * without a cgroupsPath it is "ocits-<id>.scope" in system.slice. A slice name
 * expands to its place in the tree: "a-b.slice" is /a.slice/a-b.slice.
 */
import { OcitsError } from '../../errors';

const POINTER = '/linux/cgroupsPath';
export const DEFAULT_SLICE = 'system.slice';
/** runc's default prefix is "runc": ocits names its own units */
export const DEFAULT_PREFIX = 'ocits';

export interface SystemdUnit {
  /** the parent slice as the unit's Slice= (or Wants= of a slice unit) names it */
  slice: string;
  /** the container's unit: a scope (or a slice) */
  unit: string;
  /** the name part, for the unit's Description */
  name: string;
}

function invalid(msg: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `${POINTER}: ${msg}`, { pointer: POINTER });
}

/** Characters systemd allows in a unit name (unit_name_is_valid, without the template '@'). */
const UNIT_CHARS = /^[A-Za-z0-9:_.\\-]*$/;

/** systemd's slice expansion (runc ExpandSlice): "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "/". */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  const bad = () => invalid(`invalid slice name: ${slice}`);
  if (slice.length < suffix.length || !slice.endsWith(suffix) || slice.includes('/')) throw bad();
  const base = slice.slice(0, -suffix.length);
  if (base === '-') return '/';
  let path = '';
  let prefix = '';
  for (const c of base.split('-')) {
    if (c === '') throw bad();
    path += `/${prefix}${c}${suffix}`;
    prefix += `${c}-`;
  }
  return path;
}

/** The container's unit and parent slice from linux.cgroupsPath (and the container id). */
export function parseSystemdPath(cgroupsPath: string | undefined, id: string): SystemdUnit {
  let slice = '';
  let prefix = DEFAULT_PREFIX;
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) {
      throw invalid(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`);
    }
    [slice, prefix, name] = parts;
  }
  if (!name) throw invalid(`the name part of ${JSON.stringify(cgroupsPath)} is empty`);
  for (const [what, v] of [['prefix', prefix], ['name', name]] as const) {
    if (!UNIT_CHARS.test(v)) throw invalid(`the ${what} ${JSON.stringify(v)} has characters a systemd unit name cannot hold (A-Z a-z 0-9 : _ . - \\)`);
  }
  slice ||= DEFAULT_SLICE;
  expandSlice(slice); // validated here, before anything exists
  const unit = name.endsWith('.slice') ? name : `${prefix}-${name}.scope`;
  if (unit.length > 255) throw invalid(`the unit name ${unit} is longer than systemd allows (255)`);
  return { slice, unit, name };
}

/** runc's getUnitType: Slice for a slice unit, else Scope. */
export function unitType(unit: string): 'Slice' | 'Scope' {
  return unit.endsWith('.slice') ? 'Slice' : 'Scope';
}

/** The major version out of systemd's Version property ("252.39-1~deb12u2", "v245.4-1.fc32"); runc's systemdVersionAtoi. */
export function systemdVersionOf(version: string): number {
  const m = /v?([0-9]+)/.exec(version);
  if (!m) throw new OcitsError('ECGROUP', `cannot parse the systemd version ${JSON.stringify(version)}`);
  return Number(m[1]);
}
