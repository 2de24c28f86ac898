/**
 * v1 cpuset: a new cpuset cgroup starts with empty cpuset.cpus and
 * cpuset.mems, and a task cannot join it until both are set. Copy them from
 * the parent down every level, before any pid is written (runc does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fsError, mkdirLevels } from './files';

const FILES = ['cpuset.cpus', 'cpuset.mems'] as const;

function readValue(file: string, missingOk: boolean): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    // a fresh level of a fake tree has no files yet: same as empty
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw fsError('read', file, err);
  }
}

/** Copy cpus/mems from the parent into `dir` where they are empty. */
export function copyIfEmpty(dir: string): void {
  const parent = posix.dirname(dir);
  for (const name of FILES) {
    const file = posix.join(dir, name);
    if (readValue(file, true) !== '') continue;
    const value = readValue(posix.join(parent, name), false);
    try {
      writeFileSync(file, value);
    } catch (err) {
      throw fsError('write', file, err);
    }
  }
}

/** mkdir every level below base down to dir, copying cpus/mems into each. */
export function copyCpusetDown(base: string, dir: string): void {
  mkdirLevels(base, dir, copyIfEmpty);
}
