/**
 * The process attributes of config.json beyond ids and capabilities:
 * process.ioPriority, process.scheduler, linux.personality, and the checks of
 * linux.sysctl and process.rlimits that runc's validator makes. Pure, except
 * that reading the runtime's own namespaces and limits from /proc.
 */
import * as fs from 'node:fs';
import { OcitsError, quoteInput } from '../errors';
import { capNames } from '../spec/caps';
import type { Spec } from '../spec/types';
import { native } from '../native';
import { PlanFlag } from '../native/protocol';
import type { InitPlan } from './types';

function invalid(pointer: string, what: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${what}`, { pointer });
}

const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

const PERSONALITY: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

type Extras = Pick<InitPlan, 'ioprio' | 'sched' | 'personality'> & { flags: number };

/** ioPriority, scheduler and personality as the init applies them, validated as runc 1.2 does. */
export function processExtras(spec: Spec): Extras {
  const out: Extras = {
    flags: 0,
    ioprio: 0,
    sched: { policy: 0, nice: 0, priority: 0, flags: 0, runtime: 0n, deadline: 0n, period: 0n },
    personality: 0,
  };
  const io = spec.process?.ioPriority;
  if (io) {
    const cls = IOPRIO_CLASS[io.class];
    if (cls === undefined) throw invalid('/process/ioPriority/class', `unknown class ${quoteInput(io.class)}`);
    const prio = io.priority ?? 0;
    if (!Number.isInteger(prio) || prio < 0 || prio > 7) throw invalid('/process/ioPriority/priority', 'must be an integer from 0 to 7');
    out.ioprio = (cls << 13) | prio;
    out.flags |= PlanFlag.HAS_IOPRIO;
  }
  const s = spec.process?.scheduler;
  if (s) {
    const policy = SCHED_POLICY[s.policy];
    if (policy === undefined) throw invalid('/process/scheduler/policy', `unknown policy ${quoteInput(s.policy)}`);
    const nice = s.nice ?? 0;
    if (nice < -20 || nice > 19) throw invalid('/process/scheduler/nice', 'must be from -20 to 19');
    const priority = s.priority ?? 0;
    const realtime = policy === SCHED_POLICY.SCHED_FIFO || policy === SCHED_POLICY.SCHED_RR;
    if (realtime && (priority < 1 || priority > 99)) {
      throw invalid('/process/scheduler/priority', `must be from 1 to 99 for ${s.policy}`);
    }
    if (!realtime && priority !== 0) throw invalid('/process/scheduler/priority', `must be 0 for ${s.policy}`);
    let flags = 0;
    (s.flags ?? []).forEach((f, i) => {
      const bit = SCHED_FLAG[f];
      if (bit === undefined) throw invalid(`/process/scheduler/flags/${i}`, `unknown flag ${quoteInput(f)}`);
      flags |= bit;
    });
    if (policy === SCHED_POLICY.SCHED_DEADLINE) {
      if (!s.runtime || !s.deadline) throw invalid('/process/scheduler', 'SCHED_DEADLINE needs runtime and deadline');
      const period = s.period ?? s.deadline;
      if (!(s.runtime <= s.deadline && s.deadline <= period)) {
        throw invalid('/process/scheduler', 'SCHED_DEADLINE needs runtime <= deadline <= period');
      }
    }
    out.sched = {
      policy,
      nice,
      priority,
      flags,
      runtime: BigInt(s.runtime ?? 0),
      deadline: BigInt(s.deadline ?? 0),
      period: BigInt(s.period ?? 0),
    };
    out.flags |= PlanFlag.HAS_SCHED;
  }
  const p = spec.linux?.personality;
  if (p) {
    const domain = PERSONALITY[p.domain ?? 'LINUX'];
    if (domain === undefined) throw invalid('/linux/personality/domain', `unknown domain ${quoteInput(p.domain)}`);
    if (p.flags?.length) {
      throw new OcitsError('ENOTSUP', 'unsupported config: /linux/personality/flags: personality flags are not supported (as runc)', {
        pointer: '/linux/personality/flags',
      });
    }
    out.personality = domain;
    out.flags |= PlanFlag.HAS_PERSONALITY;
  }
  return out;
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * As runc's validator: only sysctls of a namespace the container does not
 * share with the host may be set (ipc ones with an ipc namespace, net.* with
 * a network namespace that is not the host's, kernel.domainname with a uts
 * namespace); kernel.hostname conflicts with the hostname field.
 */
export function checkSysctls(spec: Spec): void {
  const sysctl = spec.linux?.sysctl;
  if (!sysctl) return;
  const ns = new Map((spec.linux?.namespaces ?? []).map((n) => [n.type, n.path ?? '']));
  for (const key of Object.keys(sysctl)) {
    const ptr = `/linux/sysctl/${key}`;
    if (!/^[A-Za-z0-9_\-.]+$/.test(key) || key.split('.').some((c) => c === '' || c === '..')) {
      throw invalid(ptr, 'is not a sysctl name');
    }
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc') || (ns.get('ipc') && sameFile(ns.get('ipc')!, '/proc/self/ns/ipc'))) {
        throw invalid(ptr, `sysctl ${quoteInput(key)} is not allowed in the host's ipc namespace`);
      }
      continue;
    }
    if (key.startsWith('net.')) {
      if (!ns.has('network') || (ns.get('network') && sameFile(ns.get('network')!, '/proc/self/ns/net'))) {
        throw invalid(ptr, `sysctl ${quoteInput(key)} is not allowed in the host's network namespace`);
      }
      continue;
    }
    if (ns.has('uts')) {
      if (key === 'kernel.domainname') continue;
      if (key === 'kernel.hostname') throw invalid(ptr, 'sysctl "kernel.hostname" conflicts with the hostname field');
    }
    throw invalid(ptr, `sysctl ${quoteInput(key)} is not in a separate kernel namespace`);
  }
}

const RLIMIT_ROWS: Record<string, string> = {
  RLIMIT_CPU: 'Max cpu time',
  RLIMIT_FSIZE: 'Max file size',
  RLIMIT_DATA: 'Max data size',
  RLIMIT_STACK: 'Max stack size',
  RLIMIT_CORE: 'Max core file size',
  RLIMIT_RSS: 'Max resident set',
  RLIMIT_NPROC: 'Max processes',
  RLIMIT_NOFILE: 'Max open files',
  RLIMIT_MEMLOCK: 'Max locked memory',
  RLIMIT_AS: 'Max address space',
  RLIMIT_LOCKS: 'Max file locks',
  RLIMIT_SIGPENDING: 'Max pending signals',
  RLIMIT_MSGQUEUE: 'Max msgqueue size',
  RLIMIT_NICE: 'Max nice priority',
  RLIMIT_RTPRIO: 'Max realtime priority',
  RLIMIT_RTTIME: 'Max realtime timeout',
};

/** The runtime's own hard limits (/proc/self/limits), "unlimited" as Infinity. */
function ownHardLimits(): Map<string, number> {
  const out = new Map<string, number>();
  const text = fs.readFileSync('/proc/self/limits', 'utf8');
  for (const [name, row] of Object.entries(RLIMIT_ROWS)) {
    const line = text.split('\n').find((l) => l.startsWith(row));
    if (!line) continue;
    const hard = line.slice(26).trim().split(/\s+/)[1];
    out.set(name, hard === 'unlimited' ? Infinity : Number(hard));
  }
  return out;
}

function hasCapSysResource(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return !!m && ((BigInt(`0x${m[1]}`) >> 24n) & 1n) === 1n;
}

/**
 * config.md: capabilities that cannot be granted SHOULD NOT fail the
 * container. What the runtime itself lacks in its bounding set (a host fact,
 * read through the verified procfs handle: it decides the container's
 * capabilities) is dropped from every set of the plan, with one warning naming them.
 */
export function dropUngrantableCaps(caps: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', bigint>, status = native().procRead(0, 'status')): string | undefined {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return undefined;
  const own = BigInt(`0x${m[1]}`);
  let dropped = 0n;
  for (const k of Object.keys(caps) as (keyof typeof caps)[]) {
    dropped |= caps[k] & ~own;
    caps[k] &= own;
  }
  if (!dropped) return undefined;
  return `cannot grant capabilities the runtime does not have, left out: [${capNames(dropped).join(' ')}]`;
}

/**
 * A hard limit above the runtime's own can only be set with CAP_SYS_RESOURCE
 * (which this project's machines do not have): say so before anything runs.
 */
export function checkRlimits(spec: Spec): void {
  const list = spec.process?.rlimits;
  if (!list?.length) return;
  let own: Map<string, number> | undefined;
  let capable: boolean | undefined;
  list.forEach((r, i) => {
    own ??= ownHardLimits();
    const max = own.get(r.type);
    if (max === undefined || r.hard <= max) return;
    capable ??= hasCapSysResource();
    if (capable) return;
    throw invalid(
      `/process/rlimits/${i}/hard`,
      `${r.type} hard limit ${r.hard} is above the runtime's own hard limit ${max}, and raising it needs CAP_SYS_RESOURCE`,
    );
  });
}

/** Where the kernel says whether an LSM is on (injectable for tests). */
export interface LsmPaths {
  apparmorEnabled: string;
  selinuxEnforce: string;
}
const LSM_PATHS: LsmPaths = {
  apparmorEnabled: '/sys/module/apparmor/parameters/enabled',
  selinuxEnforce: '/sys/fs/selinux/enforce',
};

/** The LSM part of the plan: what the init applies, and the data of mounts labelled with linux.mountLabel. */
export interface LsmPlan {
  apparmorProfile: string;
  selinuxLabel: string;
  /** SELinux on and linux.mountLabel set: the label for the mounts that take a context= option */
  mountLabel: string;
}

/**
 * AppArmor profiles and SELinux labels, as runc: applied where the LSM is
 * enabled (the init writes them to /proc/self/attr before its execve, and
 * mounts get context="<mountLabel>"), ignored where it is not (this project's
 * machines have neither, so the "enabled" path is covered by unit tests).
 */
export function planLsm(spec: Spec, paths: LsmPaths = LSM_PATHS): LsmPlan {
  const out: LsmPlan = { apparmorProfile: '', selinuxLabel: '', mountLabel: '' };
  const profile = spec.process?.apparmorProfile;
  if (profile) {
    let on = false;
    try {
      on = fs.readFileSync(paths.apparmorEnabled, 'utf8').trim() === 'Y';
    } catch {
      /* no AppArmor in this kernel */
    }
    if (on) {
      if (/[\s\0]/.test(profile)) throw invalid('/process/apparmorProfile', 'must be a profile name without blanks');
      out.apparmorProfile = profile;
    }
  }
  if ((spec.process?.selinuxLabel || spec.linux?.mountLabel) && fs.existsSync(paths.selinuxEnforce)) {
    out.selinuxLabel = spec.process?.selinuxLabel ?? '';
    out.mountLabel = spec.linux?.mountLabel ?? '';
    if (/["\0]/.test(out.mountLabel)) throw invalid('/linux/mountLabel', 'must not hold a quote');
  }
  return out;
}

/** Mount types that take SELinux's context= option (those runc labels). */
const LABELLED_FS = new Set(['tmpfs', 'devpts', 'mqueue', 'ramfs', 'shm']);

/** Mount data with context="<label>" added where the filesystem takes it (runc's label.FormatMountLabel). */
export function labelMountData(fstype: string, data: string, mountLabel: string): string {
  if (!mountLabel || !LABELLED_FS.has(fstype)) return data;
  const ctx = `context="${mountLabel}"`;
  return data ? `${data},${ctx}` : ctx;
}
