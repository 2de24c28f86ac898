/** Small helpers for cgroup file operations: errors that name the file, sync sleep, mkdir by levels. */
import { mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError } from '../errors';

/** "ENOENT: no such file or directory" out of a Node fs error. */
export function errText(err: unknown): string {
  if (err instanceof OcitsError) return err.message;
  const e = err as NodeJS.ErrnoException;
  const m = /^([A-Z][A-Z0-9_]*: [^,]+)/.exec(e?.message ?? '');
  return m ? m[1] : String(e?.message ?? err);
}

export function errnoOf(err: unknown): number | undefined {
  const n = (err as { errno?: number } | null)?.errno;
  return typeof n === 'number' ? Math.abs(n) : undefined;
}

export function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export function fsError(op: string, path: string, err: unknown): OcitsError {
  return new OcitsError('ECGROUP', `${op} ${path}: ${errText(err)}`, { errno: errnoOf(err), cause: err });
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The levels from just below `base` down to `dir`. */
export function levelsBelow(base: string, dir: string): string[] {
  const rel = posix.relative(base, dir);
  if (rel === '' || rel === '..' || rel.startsWith('../')) return [];
  const out: string[] = [];
  let cur = base;
  for (const c of rel.split('/')) {
    cur = posix.join(cur, c);
    out.push(cur);
  }
  return out;
}

/**
 * mkdir every level below base down to dir. A concurrent destroy() of a
 * sibling container may remove an empty parent between two mkdirs (ENOENT, or
 * ENODEV for a file of a dir being removed):
 * start again from the top, a few times. `each` runs on every level after it
 * exists (cpuset copies its values there).
 */
export function mkdirLevels(base: string, dir: string, each?: (level: string) => void): void {
  const levels = levelsBelow(base, dir);
  for (let attempt = 0; ; attempt++) {
    try {
      for (const level of levels) {
        try {
          mkdirSync(level, 0o755);
        } catch (err) {
          if (codeOf(err) !== 'EEXIST') throw Object.assign(err as object, { level });
        }
        each?.(level);
      }
      return;
    } catch (err) {
      // ENODEV: a file of a level being removed right then (a parent's cpuset.cpus read during its rmdir)
      const enoent = codeOf(err) === 'ENOENT' || codeOf(err) === 'ENODEV' || (err instanceof OcitsError && (err.errno === 2 || err.errno === 19));
      if (enoent && attempt < 5) continue;
      if (err instanceof OcitsError) throw err;
      throw fsError('create cgroup', (err as { level?: string }).level ?? dir, err);
    }
  }
}

