/**
 * `exec`: the process to run (from --process FILE, or the container's
 * config.json process with the command line's overrides, as runc builds it)
 * and its InitPlan. Pure, as build.ts: the namespaces to join and the init's
 * pid come from the runtime.
 */
import { OcitsError } from '../errors';
import { PlanFlag } from '../native/protocol';
import type { Process, Spec } from '../spec/types';
import { nulBytePointer } from '../spec/validate';
import { buildPlan } from './build';
import type { InitPlan } from './types';

/** The command line's part of an exec (runc's flags). */
export interface ExecOverrides {
  args: string[];
  cwd?: string;
  env?: string[];
  /** --tty given (true or false); undefined: not given */
  tty?: boolean;
  /** "uid[:gid]" */
  user?: string;
  additionalGids?: number[];
  caps?: string[];
  /** --no-new-privs given */
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
}

function usage(msg: string): OcitsError {
  return new OcitsError('EUSAGE', msg);
}

function parseId(s: string, what: 'uid' | 'gid'): number {
  if (!/^-?\d+$/.test(s)) throw usage(`parsing ${s} as int for ${what} failed: invalid syntax`);
  const n = Number(s);
  // Go's uint32(int) conversion wraps; ids beyond it are not ids.
  if (n < 0 || n > 0xffffffff) throw usage(`${what} ${s} is out of range`);
  return n;
}

/**
 * The container's process with runc's exec overrides: args replaced, cwd,
 * apparmor and label overridden, capabilities added to the bounding,
 * effective, permitted and ambient sets, env appended, terminal only with
 * --tty, no_new_privs when asked, user and additional gids.
 */
export function overrideProcess(base: Process | undefined, o: ExecOverrides): Process {
  const p: Process = structuredClone(base ?? { cwd: '/' });
  p.args = o.args;
  if (o.cwd) p.cwd = o.cwd;
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  if (o.caps?.length) {
    const c = (p.capabilities ??= {});
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) c[set] = [...(c[set] ?? []), ...o.caps];
  }
  if (o.env?.length) p.env = [...(p.env ?? []), ...o.env];
  p.terminal = o.tty === true;
  if (o.noNewPrivs) p.noNewPrivileges = true;
  const user = (p.user ??= { uid: 0, gid: 0 });
  if (o.user) {
    const [uid, gid] = o.user.split(':', 2);
    if (gid !== undefined) user.gid = parseId(gid, 'gid');
    user.uid = parseId(uid, 'uid');
  }
  if (o.additionalGids?.length) {
    for (const g of o.additionalGids) if (g < 0) throw usage(`additional-gids must be a positive number ${g}`);
    user.additionalGids = [...(user.additionalGids ?? []), ...o.additionalGids];
  }
  return p;
}

/** runc's validateProcessSpec, with the field named. */
export function checkExecProcess(p: Process): void {
  const nul = nulBytePointer(p);
  if (nul) throw new OcitsError('EINVAL_CONFIG', `invalid process: ${nul}: must not contain a NUL byte`, { pointer: nul });
  if (!p.cwd) throw new OcitsError('EINVAL_CONFIG', 'invalid process: /cwd: Cwd property must not be empty', { pointer: '/cwd' });
  if (!p.cwd.startsWith('/')) throw new OcitsError('EINVAL_CONFIG', 'invalid process: /cwd: Cwd must be an absolute path', { pointer: '/cwd' });
  if (!p.args?.length) throw new OcitsError('EINVAL_CONFIG', 'invalid process: /args: args must not be empty', { pointer: '/args' });
}

export interface ExecPlanContext {
  bundle: string;
  /** host pid of the container's init: its root is the process's root */
  initPid: number;
  /** the init's namespaces that are not the runtime's own: joined */
  joins: { type: number; path: string }[];
  warnings?: string[];
  callerUmask?: number;
}

/** What an exec plan keeps of a container plan: the process's own settings. */
const PROCESS_FLAGS =
  PlanFlag.NO_NEW_PRIVS |
  PlanFlag.HAS_CAPS |
  PlanFlag.HAS_OOM |
  PlanFlag.HAS_IOPRIO |
  PlanFlag.HAS_SCHED |
  PlanFlag.HAS_PERSONALITY |
  PlanFlag.SECCOMP_NOTIFY |
  PlanFlag.TERMINAL;

/**
 * The plan of an exec'd process: the container plan's process part (user,
 * capabilities, rlimits, scheduling, LSM labels, the container's seccomp
 * filter, personality) for `proc`, with nothing of the rootfs, hostname,
 * hooks or fifo, in exec mode (join, chroot into the init's root).
 */
export function buildExecPlan(spec: Spec, proc: Process, ctx: ExecPlanContext): InitPlan {
  const container: Spec = {
    ociVersion: spec.ociVersion,
    root: spec.root,
    process: proc,
    linux: { namespaces: [{ type: 'mount' }], seccomp: spec.linux?.seccomp, personality: spec.linux?.personality },
  };
  const rootfs = `/proc/${ctx.initPid}/root`;
  const plan = buildPlan(container, rootfs, { bundle: ctx.bundle, fifoPath: '', warnings: ctx.warnings, callerUmask: ctx.callerUmask });
  return {
    ...plan,
    flags: (plan.flags & PROCESS_FLAGS) | PlanFlag.EXEC,
    cloneFlags: 0,
    joins: ctx.joins,
    rootfs,
    mounts: [],
    devices: [],
    maskedPaths: [],
    readonlyPaths: [],
    sysctls: [],
    timeOffsets: [],
    hostname: '',
    domainname: '',
    hookPoints: 0,
    keyring: '',
    fifoPath: '',
    createContainerHooks: [],
    startContainerHooks: [],
  };
}
