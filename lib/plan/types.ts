/** The InitPlan: every step of the init, fully resolved (numbers, flags, paths). */

export interface PlanMount {
  source: string;
  destination: string;
  fstype: string;
  data: string;
  flags: number;
  ext: number;
  propagation: number[];
  /** recursive options (rro, ...): mount_setattr(AT_RECURSIVE) attr_set / attr_clr; 0/0: none */
  attrSet: number;
  attrClr: number;
  /** the config mount it comes from (/mounts/N), for the init's errors */
  index: number;
}

export interface PlanDevice {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

/** A hook the init runs itself (createContainer, startContainer). */
export interface PlanHook {
  path: string;
  args: string[];
  env: string[];
  /** seconds; 0: no timeout */
  timeout: number;
}

export interface InitPlan {
  flags: number;
  cloneFlags: number;
  joins: { type: number; path: string }[];
  rootfs: string;
  rootPropagation: number;
  hostname: string;
  domainname: string;
  mounts: PlanMount[];
  devices: PlanDevice[];
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctls: [string, string][];
  rlimits: { resource: number; soft: bigint; hard: bigint }[];
  oomScoreAdj: number;
  caps: { bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint };
  uid: number;
  gid: number;
  additionalGids: number[];
  umask: number;
  cwd: string;
  args: string[];
  env: string[];
  fifoPath: string;
  hookPoints: number;
  /** name of the container's own session keyring; '' with --no-new-keyring */
  keyring: string;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2) (NEW_LISTENER is added by the init when needed) */
  seccompFlags: number;
  /** the filter as compiled by libseccomp in the parent: an array of struct sock_filter (8 bytes each); empty: none */
  seccompBpf: Buffer;
  /** linux.timeOffsets: written to /proc/self/timens_offsets in a new time namespace */
  timeOffsets: { clock: number; secs: bigint; nanos: number }[];
  /** process.ioPriority as the ioprio_set value ((class << 13) | level), with PlanFlag.HAS_IOPRIO */
  ioprio: number;
  /** process.scheduler, with PlanFlag.HAS_SCHED (sched_setattr's fields) */
  sched: { policy: number; nice: number; priority: number; flags: number; runtime: bigint; deadline: bigint; period: bigint };
  /** linux.personality as personality(2)'s argument, with PlanFlag.HAS_PERSONALITY */
  personality: number;
  /** process.apparmorProfile, where AppArmor is enabled ('' otherwise: ignored, as runc) */
  apparmorProfile: string;
  /** process.selinuxLabel, where SELinux is enabled ('' otherwise) */
  selinuxLabel: string;
  /** hooks.createContainer: run by the init in the container's namespaces, before pivot_root */
  createContainerHooks: PlanHook[];
  /** hooks.startContainer: run by the init once `start` opened the fifo, before the process */
  startContainerHooks: PlanHook[];
  /** process.consoleSize, with PlanFlag.TERMINAL (0: leave the pty's size) */
  consoleRows: number;
  consoleCols: number;
}
