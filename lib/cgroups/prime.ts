/**
 * Paying the kernel's slow part of the first cgroup migration early.
 *
 * A write to cgroup.procs takes a per-cpu rwsem for writing, which waits for
 * an RCU grace period (~10 ms here) unless one passed lately; runc pays it too,
 * in its first cgroup.procs write. Moving the runtime into the cgroup it is
 * already in ("0" is the writer itself) is a no-op migration that pays that
 * wait on a pool thread while the main thread validates and plans, so that
 * the init's real placement is fast. bin/ocits calls this before it even loads
 * the CLI; create() calls it again (once per process). Best effort: any
 * failure is ignored.
 */
import { closeSync, openSync, write } from 'node:fs';
import { posix } from 'node:path';
import { DEFAULT_ROOT, findHierarchies, ownCgroupIn, parseSelfCgroup, readMountinfo, readSelfCgroup } from './mounts';

const PRIMED = Symbol.for('ocits.cgroups.primed');

export function primeMigration(): void {
  const proc = process as unknown as Record<symbol, boolean>;
  if (proc[PRIMED]) return;
  proc[PRIMED] = true;
  try {
    const { hierarchies } = findHierarchies(readMountinfo(), DEFAULT_ROOT);
    const h = hierarchies[0];
    const own = h && ownCgroupIn(parseSelfCgroup(readSelfCgroup()), h);
    if (own === undefined) return;
    const rel = posix.relative(h.mountRoot, own);
    if (rel.startsWith('..')) return;
    // Opened here, written on a pool thread: the write is the slow part.
    const fd = openSync(posix.join(h.mountpoint, rel, 'cgroup.procs'), 'w');
    write(fd, '0', () => closeSync(fd));
  } catch {
    /* an optimisation only */
  }
}
