/**
 * The runtime-spec version ocits implements, and the check of a config's
 * ociVersion against it: every 1.x.y (SemVer, pre-release and build suffixes
 * allowed) up to and including 1.2.x is accepted, since 1.2 is a superset of
 * 1.0 and 1.1; another major, a newer minor or a non-SemVer string is refused.
 */
import { OcitsError } from '../errors';

/** Printed by `ocits --version` as `spec: 1.2.0`. */
export const SPEC_VERSION = '1.2.0';

/** The oldest and newest config versions accepted (inclusive, by major.minor). */
export const MIN_OCI_VERSION = '1.0.0';
export const MAX_OCI_MINOR = 2;

// SemVer 2.0.0 (semver.org's regular expression, without named groups).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
}

/** Parse a SemVer 2.0.0 string; undefined when it is not one. */
export function parseSemver(v: string): ParsedVersion | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  const p: ParsedVersion = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  if (m[4] !== undefined) p.prerelease = m[4];
  return p;
}

const SUPPORTED = `ocits supports ${MIN_OCI_VERSION} to 1.${MAX_OCI_MINOR}.x`;

/**
 * Throw EINVAL_CONFIG (pointer /ociVersion) unless `v` is a 1.x.y SemVer
 * version no newer than 1.2.x.
 */
export function checkOciVersion(v: string): void {
  const fail = (why: string): never => {
    throw new OcitsError('EINVAL_CONFIG', `invalid config: /ociVersion: ${why} (${SUPPORTED})`, { pointer: '/ociVersion' });
  };
  if (typeof v !== 'string') fail('must be a string');
  const p = parseSemver(v);
  if (!p) fail(`${JSON.stringify(v)} is not a SemVer version`);
  if (p!.major !== 1 || p!.minor > MAX_OCI_MINOR) fail(`unsupported version ${JSON.stringify(v)}`);
}
