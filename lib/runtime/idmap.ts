/**
 * The parent's side of a new user namespace: once the init has unshared it
 * (MSG_MAPS), write its uid and gid maps, then let it go on (MSG_MAPS_DONE).
 * The Node process never enters a namespace itself; it only writes files of
 * /proc/PID, which the kernel allows to a privileged process of the parent
 * user namespace.
 */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';
import { formatIdMap, mappingsField, type IdKind, type UserNamespacePlan } from '../plan/idmap';
import type { LinuxIDMapping } from '../spec/types';

function writeProcFile(file: string, text: string): void {
  // The kernel takes a map in one write(2) at offset 0: no O_TRUNC, no retry loop.
  const fd = fs.openSync(file, fs.constants.O_WRONLY);
  try {
    const buf = Buffer.from(text);
    const n = fs.writeSync(fd, buf, 0, buf.length, null);
    if (n !== buf.length) throw Object.assign(new Error(`short write (${n} of ${buf.length} bytes)`), { errno: 5 });
  } finally {
    fs.closeSync(fd);
  }
}

function writeMap(pid: number, kind: IdKind, list: readonly LinuxIDMapping[]): void {
  const file = `/proc/${pid}/${kind}_map`;
  const text = formatIdMap(list);
  try {
    writeProcFile(file, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const field = mappingsField(kind);
    const cause = err.message.replace(/^E[A-Z]+: /, '').replace(/, (open|write) .*$|, (open|write)$/, '');
    const lines = list.length === 1 ? `"${text.trim()}"` : `of ${list.length} ranges`;
    throw new OcitsError('EINVAL_CONFIG', `invalid config: ${field}: the kernel refused the ${kind} mapping ${lines}: write ${file}: ${cause}`, {
      pointer: field,
      errno: typeof err.errno === 'number' ? Math.abs(err.errno) : undefined,
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
      writeProcFile(`/proc/${pid}/setgroups`, 'deny');
    } catch (e) {
      throw new OcitsError('ESYS', `user namespace: write /proc/${pid}/setgroups: ${(e as Error).message}`);
    }
  }
  writeMap(pid, 'uid', ns.uidMappings);
  writeMap(pid, 'gid', ns.gidMappings);
}
