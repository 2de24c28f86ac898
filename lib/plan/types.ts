/** The InitPlan: every step of the init, fully resolved (numbers, flags, paths). */

export interface PlanMount {
  source: string;
  destination: string;
  fstype: string;
  data: string;
  flags: number;
  ext: number;
  propagation: number[];
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
}
