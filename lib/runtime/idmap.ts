/**
 * The parent's side of a new user namespace: once the init has unshared it
 * (MSG_MAPS), write its uid and gid maps, then let it go on (MSG_MAPS_DONE).
 * The Node process never enters a namespace itself; it only writes files of
 * /proc/PID (through the verified procfs handle), which the kernel allows to
 * a privileged process of the parent user namespace.
 */
import { OcitsError } from '../errors';
import { native } from '../native';
import { formatIdMap, mappingsField, type IdKind, type UserNamespacePlan } from '../plan/idmap';
import type { LinuxIDMapping } from '../spec/types';

function writeMap(pid: number, kind: IdKind, list: readonly LinuxIDMapping[]): void {
  const text = formatIdMap(list);
  try {
    // The kernel takes a map in one write(2) at offset 0, through the verified procfs handle.
    native().procWrite(pid, `${kind}_map`, text);
  } catch (e) {
    const err = e as Error & { errno?: number };
    const field = mappingsField(kind);
    const lines = list.length === 1 ? `"${text.trim()}"` : `of ${list.length} ranges`;
    throw new OcitsError('EINVAL_CONFIG', `invalid config: ${field}: the kernel refused the ${kind} mapping ${lines}: ${err.message}`, {
      pointer: field,
      errno: err.errno,
    });
  }
}

/**
 * Write the maps of the init's new user namespace. setgroups is left
 * "allow" (as runc run by root: the container may call setgroups(2)); only
 * a runtime without privileges over the parent namespace must write "deny"
 * before the gid map, because the kernel requires it then.
 */
export function writeIdMaps(pid: number, ns: UserNamespacePlan): void {
  if (process.geteuid?.() !== 0) {
    try {
      native().procWrite(pid, 'setgroups', 'deny');
    } catch (e) {
      throw new OcitsError('ESYS', `user namespace: ${(e as Error).message}`);
    }
  }
  writeMap(pid, 'uid', ns.uidMappings);
  writeMap(pid, 'gid', ns.gidMappings);
}
