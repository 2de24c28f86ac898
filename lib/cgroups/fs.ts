/**
 * The cgroupfs driver: the container's cgroup is a plain directory in every
 * hierarchy (v1 each, v2 the unified one, hybrid both). Placement only for
 * now; resources, freeze and stats come later (ENOTSUP).
 */
import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError } from '../errors';
import type { CgroupManager, CgroupMode, SavedCgroup } from './types';
import { copyCpusetDown } from './cpuset';
import { codeOf, errText, errnoOf, fsError, mkdirLevels, sleepMs } from './files';
import { type HierarchyDir } from './paths';
import { freezerOf, isFreezing, setFrozen } from './freezer';
import { readStats, type Stats } from './stats';
import { applyResources } from './resources';
import type { LinuxResources } from '../spec/types';

/** How long destroy() waits for killed processes to leave the cgroup. */
export const DESTROY_WAIT_MS = 2000;
const POLL_MS = 10;

/** Read the pids of one cgroup.procs file; [] if the cgroup is gone. */
function readProcs(dir: string): number[] {
  const file = posix.join(dir, 'cgroup.procs');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const c = codeOf(err);
    if (c === 'ENOENT' || c === 'ENODEV' || c === 'EOPNOTSUPP') return [];
    throw fsError('read', file, err);
  }
  const out: number[] = [];
  for (const l of text.split('\n')) {
    const n = Number(l);
    if (l && Number.isInteger(n) && n > 0) out.push(n);
  }
  return out;
}

/** The cgroup dir and all its sub-cgroups, parents before children. */
function walkDirs(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return out;
    throw fsError('read dir', dir, err);
  }
  out.push(dir);
  for (const e of entries) if (e.isDirectory()) walkDirs(posix.join(dir, e.name), out);
  return out;
}

function pidsUnder(dir: string): number[] {
  const all = new Set<number>();
  for (const d of walkDirs(dir)) for (const p of readProcs(d)) all.add(p);
  return [...all].sort((a, b) => a - b);
}

/** Send a signal; false if the process is gone (ESRCH). */
function signal(pid: number, sig: number): boolean {
  // never signal ourselves or init, whatever a (fake or corrupt) cgroup.procs says
  if (pid <= 1 || pid === process.pid) return true;
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if (codeOf(err) === 'ESRCH') return false;
    throw new OcitsError('ECGROUP', `kill ${pid} with signal ${sig}: ${errText(err)}`, { errno: errnoOf(err), cause: err });
  }
}

/** rmdir, retrying EBUSY a few times (the kernel can lag after the last task left). */
function rmdirRetry(dir: string): void {
  // The lag is usually a millisecond or two: poll finely first (1, 2, 4 ... 256 ms; ~0.5 s in all).
  let delay = 1;
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return;
      if (codeOf(err) !== 'EBUSY' || i >= 9) throw err;
      sleepMs(delay);
      delay *= 2;
    }
  }
}

/** Remove a cgroup dir and its sub-cgroups, deepest first. */
function removeTree(dir: string): void {
  const dirs = walkDirs(dir);
  for (let i = dirs.length - 1; i >= 0; i--) {
    try {
      rmdirRetry(dirs[i]);
    } catch (err) {
      throw fsError('remove cgroup', dirs[i], err);
    }
  }
}

export class FsManager implements CgroupManager {
  readonly driver = 'cgroupfs' as const;
  readonly mode: CgroupMode;
  readonly paths: Record<string, string>;
  private readonly bases: Record<string, string>;
  /** unique container dirs in placement order, each with its base */
  private readonly dirs: { dir: string; base: string; keys: string[] }[];

  constructor(mode: CgroupMode, dirs: HierarchyDir[]) {
    this.mode = mode;
    const paths: Record<string, string> = {};
    const bases: Record<string, string> = {};
    const unique = new Map<string, { dir: string; base: string; keys: string[] }>();
    for (const d of dirs) {
      for (const k of d.keys) {
        paths[k] = d.dir;
        bases[k] = d.base;
      }
      const u = unique.get(d.dir);
      if (u) u.keys.push(...d.keys);
      else unique.set(d.dir, { dir: d.dir, base: d.base, keys: [...d.keys] });
    }
    this.paths = Object.freeze(paths);
    this.bases = bases;
    this.dirs = [...unique.values()];
  }

  static fromSaved(saved: SavedCgroup): FsManager {
    const dirs: HierarchyDir[] = Object.keys(saved.paths).map((k) => ({
      keys: [k],
      dir: saved.paths[k],
      base: saved.bases[k],
    }));
    return new FsManager(saved.mode, dirs);
  }

  create(): void {
    for (const d of this.dirs) {
      // cpuset: levels between the mount point and the base already exist and
      // hold processes (or are the root), so their cpus/mems are set
      if (d.keys.includes('cpuset')) copyCpusetDown(d.base, d.dir);
      else mkdirLevels(d.base, d.dir);
    }
  }

  addPid(pid: number, sub?: Record<string, string>): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new OcitsError('ECGROUP', `cannot place pid ${pid} in a cgroup: not a process id`);
    for (const d of this.dirs) {
      const key = sub ? d.keys.find((k) => sub[k] !== undefined) : undefined;
      const file = posix.join(key === undefined ? d.dir : sub![key], 'cgroup.procs');
      try {
        writeFileSync(file, String(pid));
      } catch (err) {
        throw fsError('write', file, err);
      }
    }
  }

  /** The dir pids are read from: unified on v2; v1/hybrid: pids, else freezer, else the first. */
  private primary(): string | undefined {
    if (this.mode === 'v2') return this.paths.unified;
    return this.paths.pids ?? this.paths.freezer ?? this.dirs.find((d) => !d.keys.includes('unified'))?.dir ?? this.dirs[0]?.dir;
  }

  pids(): number[] {
    const dir = this.primary();
    return dir === undefined ? [] : pidsUnder(dir);
  }

  exists(): boolean {
    return this.dirs.some((d) => existsSync(d.dir));
  }

  killAll(sig: number): void {
    if (sig === 9 && this.cgroupKill()) return;
    const failed: string[] = [];
    for (const pid of this.pids()) {
      try {
        signal(pid, sig);
      } catch (err) {
        failed.push(errText(err));
      }
    }
    if (failed.length) throw new OcitsError('ECGROUP', `signal the processes of cgroup ${this.primary()}: ${failed.join('; ')}`);
  }

  /** v2: write 1 to cgroup.kill (kernel 5.14+) if the file is there. */
  private cgroupKill(): boolean {
    if (this.mode !== 'v2' || !this.paths.unified) return false;
    const file = posix.join(this.paths.unified, 'cgroup.kill');
    if (!existsSync(file)) return false;
    try {
      writeFileSync(file, '1');
      return true;
    } catch {
      return false;
    }
  }

  /** Every pid in any of the container's hierarchies (a half-joined process counts too). */
  private allPids(): number[] {
    const all = new Set<number>();
    for (const d of this.dirs) for (const p of pidsUnder(d.dir)) all.add(p);
    return [...all].filter((p) => p > 1 && p !== process.pid);
  }

  /** rmdir every container dir (deepest first) as they are; false at the first that is busy. */
  private removeIfEmpty(): boolean {
    for (const d of this.dirs) {
      const dirs = walkDirs(d.dir);
      for (let i = dirs.length - 1; i >= 0; i--) {
        try {
          rmdirSync(dirs[i]);
        } catch (err) {
          if (codeOf(err) !== 'ENOENT') return false;
        }
      }
    }
    return true;
  }

  /**
   * keepOthers: the processes still in the cgroup are not the container's
   * (its init, pid 1 of its own pid namespace, is gone, and every process of
   * that namespace with it): another container shares the cgroup. They are
   * left alone, and so is the cgroup (runc 1.1 kills only when the container
   * shares the runtime's pid namespace).
   */
  destroy(opts: { keepOthers?: boolean } = {}): void {
    // 0. a stopped container's cgroups are empty: rmdir succeeds (EBUSY otherwise)
    if (this.removeIfEmpty()) {
      for (const d of this.dirs) removeEmptyParents(d.dir, d.base);
      return;
    }
    if (opts.keepOthers && this.allPids().length) return;
    // 1. kill what is left, wait (bounded) for the cgroups to empty
    let left = this.allPids();
    if (left.length) {
      const deadline = Date.now() + DESTROY_WAIT_MS;
      // a frozen (paused) process does not die of SIGKILL until thawed (v1)
      try {
        if (freezerOf(this.paths)) setFrozen(this.paths, false, 500);
      } catch {
        // best effort: the rmdir below reports what stays
      }
      this.cgroupKill();
      for (;;) {
        for (const pid of left) {
          try {
            signal(pid, 9);
          } catch {
            // best effort; rmdir below reports what stays
          }
        }
        sleepMs(POLL_MS);
        left = this.allPids();
        if (!left.length || Date.now() >= deadline) break;
      }
    }
    // 2. the container's dirs, deepest first
    const errors: string[] = [];
    for (const d of this.dirs) {
      try {
        removeTree(d.dir);
      } catch (err) {
        errors.push(errText(err));
      }
    }
    // 3. the parents this manager would have created, while empty
    for (const d of this.dirs) removeEmptyParents(d.dir, d.base);
    if (errors.length) {
      const still = left.length ? ` (processes still in it: ${left.join(' ')})` : '';
      throw new OcitsError('ECGROUP', `destroy cgroup: ${errors.join('; ')}${still}`);
    }
  }

  /** Apply linux.resources (resources.ts; device rules are applied separately). */
  set(resources: unknown, warn?: (msg: string) => void): void {
    applyResources({ mode: this.mode, paths: this.paths, bases: this.bases }, resources as LinuxResources | undefined, warn);
  }

  freeze(): void {
    setFrozen(this.paths, true);
  }

  thaw(): void {
    setFrozen(this.paths, false);
  }

  freezing(): boolean {
    return isFreezing(this.paths);
  }

  stats(): Stats {
    return readStats(this.mode, this.paths);
  }

  toJSON(): SavedCgroup {
    return { driver: this.driver, mode: this.mode, paths: { ...this.paths }, bases: { ...this.bases } };
  }
}

/** rmdir the parents of dir up to (not including) base; stop at the first that stays. */
function removeEmptyParents(dir: string, base: string): void {
  if (!base) return;
  let p = posix.dirname(dir);
  while (p !== base && p.startsWith(base === '/' ? '/' : base + '/')) {
    try {
      rmdirSync(p);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') return; // EBUSY / ENOTEMPTY / anything else: keep it
    }
    p = posix.dirname(p);
  }
}
