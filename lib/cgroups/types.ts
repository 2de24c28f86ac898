/**
 * The one cgroup manager interface of ocits. Implementations: the cgroupfs
 * driver for v1, v2 and hybrid hosts (fs.ts); a systemd driver later
 * (systemd.ts). Everything is synchronous: the calls are a few small file
 * operations and the CLI is sequential.
 */

/**
 * v1: only cgroup v1 hierarchies under the root.
 * v2: the root itself is cgroup2 (unified).
 * hybrid: v1 hierarchies plus a cgroup2 hierarchy below the root
 * (usually <root>/unified), which also gets the container.
 */
export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export type CgroupDriver = 'cgroupfs' | 'systemd';

export interface CgroupManager {
  readonly driver: CgroupDriver;
  readonly mode: CgroupMode;
  /**
   * Host dirs of this container's cgroup. Key = controller or hierarchy name
   * ('cpu', 'memory', 'pids', 'name=systemd', 'unified' ...), value = absolute
   * dir. Controllers mounted together (cpu,cpuacct) share one dir. On v2 the
   * only key is 'unified'.
   */
  readonly paths: Record<string, string>;
  /** mkdir -p on every hierarchy (v1 cpuset: cpus/mems copied down). Idempotent. */
  create(): void;
  /**
   * Write pid to cgroup.procs on every hierarchy. Errors name the file.
   * `sub` (exec --cgroup, paths.ts subCgroupDirs): per key, the sub-cgroup dir to use instead.
   */
  addPid(pid: number, sub?: Record<string, string>): void;
  /** Every pid in the container's cgroup, sub-cgroups included, sorted, unique. */
  pids(): number[];
  /** True if the container's dir exists on at least one hierarchy. */
  exists(): boolean;
  /** Signal every pid of the cgroup; ESRCH is ignored. */
  killAll(signal: number): void;
  /**
   * Kill what is left (SIGKILL, bounded wait), remove the container's dirs
   * deepest first on every hierarchy, then the empty parents this manager
   * created. Idempotent. Throws OcitsError('ECGROUP') only when a container
   * dir cannot be removed.
   */
  destroy(opts?: { keepOthers?: boolean }): void;
  /**
   * Apply linux.resources (device rules excepted) where each controller
   * lives. Errors name the field (OcitsError with a /linux/resources pointer).
   */
  set(resources: unknown, warn?: (msg: string) => void): void;
  /** v1 freezer.state FROZEN / v2 cgroup.freeze 1, waiting (bounded) until the kernel reports it. */
  freeze(): void;
  /** THAWED / 0, likewise. */
  thaw(): void;
  /** Frozen or freezing, by itself or an ancestor (a process placed in it would not run); false where it does not exist. */
  freezing(): boolean;
  /** Counters of the cgroup in runc's events layout (stats.ts). */
  stats(): import('./stats').Stats;
  /** What the state store keeps; loadManager(saved) rebuilds the manager. */
  toJSON(): SavedCgroup;
}

export interface CgroupOptions {
  /** container id; the default cgroupsPath is /ocits/<id> */
  id: string;
  /** config.json linux.cgroupsPath */
  cgroupsPath?: string;
  /** --systemd-cgroup (not supported yet: ENOTSUP) */
  systemd?: boolean;
  /** where the hierarchies are mounted; default '/sys/fs/cgroup' */
  root?: string;
  /** text of /proc/self/mountinfo; default: read it */
  mountinfo?: string;
  /** text of /proc/self/cgroup; default: read it (only needed for relative paths) */
  selfCgroup?: string;
}

/** The persisted form of a manager (kept in state.json). */
export interface SavedCgroup {
  driver: CgroupDriver;
  mode: CgroupMode;
  /** same as CgroupManager.paths */
  paths: Record<string, string>;
  /**
   * Per key of `paths`: the dir below which this manager creates missing
   * levels (the hierarchy's mount point for an absolute cgroupsPath, the
   * runtime's own cgroup for a relative one). destroy() removes empty parents
   * up to, not including, this dir.
   */
  bases: Record<string, string>;
}
