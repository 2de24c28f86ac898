/**
 * Freezing a container's cgroup, as runc 1.1 does it: v1 writes FROZEN /
 * THAWED to freezer.state and waits (bounded) until the kernel reports it;
 * v2 writes 1 / 0 to cgroup.freeze and waits for `frozen 1` / `frozen 0` in
 * cgroup.events.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError } from '../errors';
import { fsError, sleepMs } from './files';

/** How long freeze()/thaw() wait for the kernel to report the new state. */
export const FREEZE_WAIT_MS = 5000;

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw fsError('read', file, err);
  }
}

function write(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw fsError('write', file, err);
  }
}

/** v1: freezer.state. A stuck FREEZING is retried by rewriting FROZEN now and then (as runc). */
export function setFreezerV1(dir: string, frozen: boolean, waitMs = FREEZE_WAIT_MS): void {
  const file = posix.join(dir, 'freezer.state');
  const want = frozen ? 'FROZEN' : 'THAWED';
  write(file, want);
  const deadline = Date.now() + waitMs;
  let delay = 1;
  for (let i = 1; ; i++) {
    const now = read(file).trim();
    if (now === want) return;
    if (Date.now() >= deadline) {
      if (frozen) {
        try {
          writeFileSync(file, 'THAWED'); // do not leave it half frozen
        } catch {
          /* reported below */
        }
      }
      throw new OcitsError('ECGROUP', `unable to ${frozen ? 'freeze' : 'thaw'} cgroup ${dir}: ${file} still reads ${now}`);
    }
    if (frozen && i % 25 === 0) write(file, want);
    sleepMs(delay);
    delay = Math.min(delay * 2, 20);
  }
}

/** v2: cgroup.freeze, then cgroup.events' `frozen` field. */
export function setFreezerV2(dir: string, frozen: boolean, waitMs = FREEZE_WAIT_MS): void {
  const file = posix.join(dir, 'cgroup.freeze');
  const events = posix.join(dir, 'cgroup.events');
  write(file, frozen ? '1' : '0');
  const want = frozen ? '1' : '0';
  const deadline = Date.now() + waitMs;
  let delay = 1;
  for (;;) {
    const m = /^frozen (\d)$/m.exec(read(events));
    // no `frozen` field: an old kernel that reports nothing; trust the write
    if (!m || m[1] === want) return;
    if (Date.now() >= deadline) {
      if (frozen) {
        try {
          writeFileSync(file, '0');
        } catch {
          /* reported below */
        }
      }
      throw new OcitsError('ECGROUP', `unable to ${frozen ? 'freeze' : 'thaw'} cgroup ${dir}: ${events} still says frozen ${m[1]}`);
    }
    sleepMs(delay);
    delay = Math.min(delay * 2, 20);
  }
}

/**
 * Which freezer the container has: v1 freezer hierarchy if there is one,
 * else the unified dir's cgroup.freeze (v2, or hybrid without a v1 freezer).
 */
export function freezerOf(paths: Record<string, string>): { kind: 'v1' | 'v2'; dir: string } | undefined {
  if (paths.freezer) return { kind: 'v1', dir: paths.freezer };
  if (paths.unified && existsSync(posix.join(paths.unified, 'cgroup.freeze'))) return { kind: 'v2', dir: paths.unified };
  return undefined;
}

/** The file's text; undefined when the cgroup (or the file) is not there. */
function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Paused, as `state` reports it: v1 freezer.state FROZEN; v2 (or a hybrid
 * host's unified hierarchy without a v1 freezer) `frozen 1` in cgroup.events.
 * False where the cgroup or its freezer is gone.
 */
export function isPaused(paths: Record<string, string>): boolean {
  if (paths.freezer) return readIfThere(posix.join(paths.freezer, 'freezer.state'))?.trim() === 'FROZEN';
  if (paths.unified) return /^frozen 1$/m.test(readIfThere(posix.join(paths.unified, 'cgroup.events')) ?? '');
  return false;
}

/**
 * Frozen or freezing, by itself or through an ancestor: a process placed in
 * it would not run (v1 freezer.state other than THAWED; v2 cgroup.freeze 1 or
 * `frozen 1` in cgroup.events). False where the cgroup does not exist.
 */
export function isFreezing(paths: Record<string, string>): boolean {
  if (paths.freezer) {
    const st = readIfThere(posix.join(paths.freezer, 'freezer.state'))?.trim();
    return st !== undefined && st !== 'THAWED';
  }
  if (paths.unified) {
    if (readIfThere(posix.join(paths.unified, 'cgroup.freeze'))?.trim() === '1') return true;
    return /^frozen 1$/m.test(readIfThere(posix.join(paths.unified, 'cgroup.events')) ?? '');
  }
  return false;
}

export function setFrozen(paths: Record<string, string>, frozen: boolean, waitMs = FREEZE_WAIT_MS): void {
  const f = freezerOf(paths);
  if (!f) throw new OcitsError('ENOTSUP', `cannot ${frozen ? 'freeze' : 'thaw'} the container: no freezer cgroup (neither a v1 freezer hierarchy nor cgroup.freeze)`);
  if (f.kind === 'v1') setFreezerV1(f.dir, frozen, waitMs);
  else setFreezerV2(f.dir, frozen, waitMs);
}
