/**
 * A container without a mount namespace of its own (config-linux.md: a
 * namespace type not listed is the runtime's): the init makes its mounts in
 * the runtime's mount namespace, all of them under a bind of the rootfs onto
 * itself (addon/init/mounts.cc). create records which mounts the rootfs
 * already had (a client's overlay, say); delete, and a create that fails,
 * detach every mount stacked on the rootfs above those, which takes every
 * mount of the container with it. runc 1.1.5 leaves its mounts behind here.
 */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';
import { native } from '../native';

/** What the state keeps: the rootfs and the ids of the mounts that were at it before create. */
export interface HostMounts {
  rootfs: string;
  before: number[];
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mounts whose mount point is `dir` (mountinfo ids and parents), bottom first. */
export function mountsAt(dir: string, mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): { id: number; parent: number }[] {
  const out: { id: number; parent: number }[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && unescape(f[4]) === dir) out.push({ id: Number(f[0]), parent: Number(f[1]) });
  }
  return out;
}

/** The topmost of a stack of mounts at one mount point: the one that is no other's parent. */
function top(stack: { id: number; parent: number }[]): number | undefined {
  return stack.find((m) => !stack.some((o) => o.parent === m.id))?.id;
}

export function recordHostMounts(rootfs: string): HostMounts {
  return { rootfs, before: mountsAt(rootfs).map((m) => m.id) };
}

/** Detach what the container mounted at its rootfs (idempotent; its processes must be gone). */
export function removeHostMounts(h: HostMounts): void {
  for (let i = 0; i < 16; i++) {
    const id = top(mountsAt(h.rootfs));
    if (id === undefined || h.before.includes(id)) return;
    try {
      native().umount(h.rootfs, true);
    } catch (e) {
      throw new OcitsError('ESYS', `unmount the container's mounts at ${h.rootfs}: ${(e as Error).message}`, { cause: e });
    }
  }
  throw new OcitsError('ESYS', `unmount the container's mounts at ${h.rootfs}: still mounted after 16 attempts`);
}
