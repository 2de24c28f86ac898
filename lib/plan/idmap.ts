/**
 * User namespace id mappings and time namespace offsets: the checks made
 * before any process exists (every problem named by its JSON pointer), and
 * the text the parent writes to /proc/PID/{uid,gid}_map. Pure.
 */
import { OcitsError, quoteInput } from '../errors';
import type { LinuxIDMapping, Spec } from '../spec/types';

function invalid(pointer: string, what: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${what}`, { pointer });
}

/** The most ranges an id map may have (the kernel's UID_GID_MAP_MAX_EXTENTS, since Linux 4.15). */
export const MAX_RANGES = 340;

/** Ids are u32; (u32)-1 is no id (the kernel refuses it as a start). */
const ID_LIMIT = 0x100000000;

export type IdKind = 'uid' | 'gid';

/** linux.uidMappings / linux.gidMappings */
export function mappingsField(kind: IdKind): string {
  return kind === 'uid' ? '/linux/uidMappings' : '/linux/gidMappings';
}

/**
 * At most 340 ranges, each well formed (size >= 1, both ends inside u32), and
 * no two ranges overlapping on either side (the kernel refuses all three).
 */
export function checkMappings(list: readonly LinuxIDMapping[] | undefined, kind: IdKind): void {
  const field = mappingsField(kind);
  const maps = list ?? [];
  // First: the kernel takes no more (UID_GID_MAP_MAX_EXTENTS), and the overlap check below is quadratic.
  if (maps.length > MAX_RANGES) throw invalid(field, `${maps.length} ranges: the kernel takes at most ${MAX_RANGES}`);
  maps.forEach((m, i) => {
    const ptr = `${field}/${i}`;
    for (const k of ['containerID', 'hostID', 'size'] as const) {
      const v = m[k];
      if (!Number.isInteger(v) || v < 0 || v >= ID_LIMIT) throw invalid(`${ptr}/${k}`, `${k} ${v} is not a ${kind} (0 to 4294967295)`);
    }
    if (m.size < 1) throw invalid(`${ptr}/size`, 'a mapping must cover at least one id (size >= 1)');
    // (u32)-1 is never an id: the last id of a range is at most 4294967294.
    if (m.containerID + m.size >= ID_LIMIT) {
      throw invalid(ptr, `container ${kind}s ${m.containerID}+${m.size} run past 4294967294`);
    }
    if (m.hostID + m.size >= ID_LIMIT) {
      throw invalid(ptr, `host ${kind}s ${m.hostID}+${m.size} run past 4294967294`);
    }
    for (let j = 0; j < i; j++) {
      const o = maps[j];
      if (m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size) {
        throw invalid(`${ptr}/containerID`, `container ${kind}s ${m.containerID}-${m.containerID + m.size - 1} overlap mapping ${j}`);
      }
      if (m.hostID < o.hostID + o.size && o.hostID < m.hostID + m.size) {
        throw invalid(`${ptr}/hostID`, `host ${kind}s ${m.hostID}-${m.hostID + m.size - 1} overlap mapping ${j}`);
      }
    }
  });
}

/** The host id of a container id, or undefined when no range maps it. */
export function hostIdOf(list: readonly LinuxIDMapping[] | undefined, id: number): number | undefined {
  for (const m of list ?? []) {
    if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  }
  return undefined;
}

/** The contents of /proc/PID/uid_map or gid_map: "inside outside count" per line, one write. */
export function formatIdMap(list: readonly LinuxIDMapping[]): string {
  return list.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

export interface UserNamespacePlan {
  /** a new user namespace: the parent writes these maps */
  create: boolean;
  /** a user namespace joined by path */
  join: boolean;
  uidMappings: LinuxIDMapping[];
  gidMappings: LinuxIDMapping[];
}

/**
 * linux.namespaces' user entry with linux.{uid,gid}Mappings and process.user:
 * - a new user namespace needs both mappings (runc: "User namespaces enabled,
 *   but no uid mappings found"), each mapping the container's root (uid and
 *   gid 0: the init becomes root in it first, as runc);
 * - process.user's uid, gid and additionalGids must be mapped, or the kernel
 *   refuses to switch to them;
 * - a joined user namespace has its maps already: mappings, if given, are
 *   checked and used for the checks above, never written;
 * - mappings without a user namespace are ignored, as runc 1.1 does (a warning).
 */
export function planUserNamespace(spec: Spec, warnings?: string[]): UserNamespacePlan {
  const linux = spec.linux ?? {};
  const i = (linux.namespaces ?? []).findIndex((n) => n.type === 'user');
  const ns = i >= 0 ? linux.namespaces![i] : undefined;
  const uid = linux.uidMappings ?? [];
  const gid = linux.gidMappings ?? [];
  const none: UserNamespacePlan = { create: false, join: false, uidMappings: [], gidMappings: [] };
  if (!ns) {
    if (uid.length || gid.length) {
      warnings?.push('linux.uidMappings/gidMappings are ignored: linux.namespaces has no user namespace (as runc)');
    }
    return none;
  }
  checkMappings(uid, 'uid');
  checkMappings(gid, 'gid');
  const join = !!ns.path;
  if (!join) {
    if (!uid.length) throw invalid('/linux/uidMappings', `a new user namespace (/linux/namespaces/${i}) needs uid mappings`);
    if (!gid.length) throw invalid('/linux/gidMappings', `a new user namespace (/linux/namespaces/${i}) needs gid mappings`);
    if (hostIdOf(uid, 0) === undefined) throw invalid('/linux/uidMappings', "no mapping for the container's root (uid 0)");
    if (hostIdOf(gid, 0) === undefined) throw invalid('/linux/gidMappings', "no mapping for the container's root (gid 0)");
  }
  const user = spec.process?.user;
  if (user && uid.length && hostIdOf(uid, user.uid ?? 0) === undefined) {
    throw invalid('/process/user/uid', `uid ${user.uid} is not mapped by /linux/uidMappings`);
  }
  if (user && gid.length) {
    if (hostIdOf(gid, user.gid ?? 0) === undefined) throw invalid('/process/user/gid', `gid ${user.gid} is not mapped by /linux/gidMappings`);
    (user.additionalGids ?? []).forEach((g, k) => {
      if (hostIdOf(gid, g) === undefined) throw invalid(`/process/user/additionalGids/${k}`, `gid ${g} is not mapped by /linux/gidMappings`);
    });
  }
  return { create: !join, join, uidMappings: uid, gidMappings: gid };
}

/** Clock ids of /proc/PID/timens_offsets, by the spec's key. */
export const TIME_CLOCKS: Record<string, number> = { monotonic: 1 /* CLOCK_MONOTONIC */, boottime: 7 /* CLOCK_BOOTTIME */ };

/**
 * linux.timeOffsets -> the lines of /proc/self/timens_offsets. They can only
 * be set on a new time namespace, before any process is in it: offsets
 * without one, or with a joined one, are an error (as runc 1.2 and the spec).
 */
export function planTimeOffsets(spec: Spec): { clock: number; secs: bigint; nanos: number }[] {
  const linux = spec.linux ?? {};
  const offsets = linux.timeOffsets;
  if (!offsets || Object.keys(offsets).length === 0) return [];
  const i = (linux.namespaces ?? []).findIndex((n) => n.type === 'time');
  if (i < 0) throw invalid('/linux/timeOffsets', 'time offsets need a new time namespace in /linux/namespaces');
  if (linux.namespaces![i].path) {
    throw invalid('/linux/timeOffsets', `time offsets cannot be set on a joined time namespace (/linux/namespaces/${i}/path)`);
  }
  const out: { clock: number; secs: bigint; nanos: number }[] = [];
  for (const [name, o] of Object.entries(offsets)) {
    const ptr = `/linux/timeOffsets/${name}`;
    const clock = TIME_CLOCKS[name];
    if (clock === undefined) throw invalid(ptr, `unknown clock ${quoteInput(name)} (monotonic or boottime)`);
    if (!o) continue;
    const secs = o.secs ?? 0;
    const nanos = o.nanosecs ?? 0;
    if (!Number.isSafeInteger(secs)) throw invalid(`${ptr}/secs`, `${secs} is not a whole number of seconds`);
    if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999999999) throw invalid(`${ptr}/nanosecs`, `${nanos} is not between 0 and 999999999`);
    out.push({ clock, secs: BigInt(secs), nanos });
  }
  return out;
}
