/**
 * linux.seccomp -> the input of the addon's seccompCompile (libseccomp, in
 * this process) and the plan's seccomp fields. Every config problem is an
 * error naming its JSON pointer (/linux/seccomp/syscalls/3/action, ...).
 *
 * Behaviour, as runc 1.1.5 unless said otherwise (README, compatibility table):
 *  - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (the process dies of SIGSYS, exit 159);
 *  - SCMP_ACT_ERRNO and SCMP_ACT_TRACE without errnoRet (defaultErrnoRet for
 *    the default action) return EPERM;
 *  - errnoRet (defaultErrnoRet) with any other action is an error, as
 *    config-linux.md says (runc 1.1.5 silently ignores it);
 *  - a syscall name libseccomp does not know is ignored (logged at debug
 *    level), so that one profile serves older and newer kernels and libseccomps;
 *  - every name of an entry is a rule of its own; conditions on different
 *    arguments are ANDed, conditions on the same argument become one rule each
 *    (ORed); a rule with the default action is skipped;
 *  - the -ENOSYS stub: with a default action that is not ALLOW, LOG or TRACE,
 *    on the architectures listed, syscalls newer than every one the profile
 *    names fail with ENOSYS (runc's patchbpf);
 *  - flags: runc 1.1.5 refuses every flag ("seccomp flags are not yet
 *    supported by runc"); ocits supports them as runc 1.2 and the spec do:
 *    SECCOMP_FILTER_FLAG_TSYNC is accepted and needs nothing (the init is
 *    single-threaded; TSYNC cannot be combined with a notify listener anyway),
 *    LOG and SPEC_ALLOW go to seccomp(2), WAIT_KILLABLE_RECV too when a rule
 *    uses SCMP_ACT_NOTIFY (the kernel takes it only with a listener; without
 *    one it means nothing and is left out). A flag this kernel does not know
 *    is an error;
 *  - SCMP_ACT_NOTIFY: not as the default action, not for write (runc) or
 *    sendmsg (the init sends the listener fd with it), and only with
 *    listenerPath; listenerMetadata without listenerPath is an error
 *    (config-linux.md: it MUST NOT be set then).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcitsError, quoteInput } from '../errors';
import * as log from '../log';
import { native, type SeccompCompileInput } from '../native';
import { exactIntegers } from '../spec/exactints';
import type { LinuxSeccomp } from '../spec/types';

/** libseccomp's action values (seccomp.h); ERRNO and TRACE carry the errno in the low 16 bits. */
export const SCMP_ACT: Record<string, number> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

/** libseccomp's comparison operators (enum scmp_compare). */
export const SCMP_CMP: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** seccomp(2)'s SECCOMP_FILTER_FLAG_* bits. */
export const SECCOMP_FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  WAIT_KILLABLE_RECV: 32,
} as const;

/** The flags of the runtime-spec, in its order, and their seccomp(2) bits (TSYNC: nothing to pass). */
export const KNOWN_FLAGS: readonly (readonly [string, number])[] = [
  ['SECCOMP_FILTER_FLAG_TSYNC', 0],
  ['SECCOMP_FILTER_FLAG_LOG', SECCOMP_FILTER_FLAG.LOG],
  ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', SECCOMP_FILTER_FLAG.SPEC_ALLOW],
  ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV],
];

/** The architecture names of the runtime-spec (libseccomp decides which of them it supports). */
export const SPEC_ARCHS: readonly string[] = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64',
];

const EPERM = 1;
const ENOSYS = 38;
/** sizeof(sockaddr_un.sun_path) - 1 */
const MAX_SOCKET_PATH = 107;
/** runc: libseccomp's binary-tree optimization above this many rules */
const OPTIMIZE_ABOVE = 32;
/** Notify rules on these would deadlock the hand-off of the listener fd (write: as runc). */
const NO_NOTIFY = new Set(['write', 'sendmsg']);

export type { SeccompCompileInput };
type SeccompRuleInput = SeccompCompileInput['rules'][number];

export interface SeccompConfigPlan {
  input: SeccompCompileInput;
  /** JSON pointer of each rule of input.rules */
  rulePointers: string[];
  /** SECCOMP_FILTER_FLAG_* for seccomp(2) (NEW_LISTENER is the init's) */
  flags: number;
  /** a rule uses SCMP_ACT_NOTIFY */
  notify: boolean;
  listenerPath: string;
  listenerMetadata: string;
}

export interface SeccompOptions {
  /** the exact value of an integer above 2^53, by JSON pointer (JSON.parse rounds them) */
  exact?: (pointer: string) => bigint | undefined;
  /** flag names this kernel accepts; undefined: every known flag */
  supportedFlags?: readonly string[];
}

function invalid(pointer: string, what: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${what}`, { pointer });
}

function actionValue(name: string, errnoRet: number | undefined, ptr: string, errnoPtr: string): number {
  const base = SCMP_ACT[name];
  if (base === undefined || !Object.prototype.hasOwnProperty.call(SCMP_ACT, name)) {
    throw invalid(ptr, `unknown seccomp action ${quoteInput(name)} (one of ${Object.keys(SCMP_ACT).join(', ')})`);
  }
  const takesErrno = name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE';
  if (errnoRet !== undefined) {
    if (!takesErrno) throw invalid(errnoPtr, `an errno return code is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${name}`);
    if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > 0xffff) {
      throw invalid(errnoPtr, `errno return code ${errnoRet} does not fit the 16 bits of a seccomp return value`);
    }
  }
  return takesErrno ? (base | (errnoRet ?? EPERM)) >>> 0 : base;
}

function u64(v: unknown, ptr: string, opts: SeccompOptions): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid(ptr, `${JSON.stringify(v)} is not an unsigned 64-bit integer`);
  if (Number.isSafeInteger(v)) return BigInt(v);
  const exact = opts.exact?.(ptr);
  // The exact digits must be the number JSON.parse saw (the file did not change meanwhile).
  if (exact === undefined || Number(exact) !== v) throw invalid(ptr, `cannot read the exact value of ${v}`);
  if (exact > 0xffffffffffffffffn) throw invalid(ptr, `${exact} does not fit in 64 bits`);
  return exact;
}

/** linux.seccomp -> the addon's input, the plan's flags, and the notify settings. Pure. */
export function seccompInput(s: LinuxSeccomp, opts: SeccompOptions = {}): SeccompConfigPlan {
  const P = '/linux/seccomp';
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') throw invalid(`${P}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be used as default action');
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet, `${P}/defaultAction`, `${P}/defaultErrnoRet`);

  const architectures: string[] = [];
  (s.architectures ?? []).forEach((a, i) => {
    if (!SPEC_ARCHS.includes(a)) throw invalid(`${P}/architectures/${i}`, `unknown seccomp architecture ${quoteInput(a)}`);
    architectures.push(a);
  });

  const rules: SeccompRuleInput[] = [];
  const rulePointers: string[] = [];
  const stubNames: string[] = [];
  let notify = false;
  (s.syscalls ?? []).forEach((sc, i) => {
    const ptr = `${P}/syscalls/${i}`;
    if (!Array.isArray(sc.names) || sc.names.length === 0) throw invalid(`${ptr}/names`, 'must name at least one syscall');
    const action = actionValue(sc.action, sc.errnoRet, `${ptr}/action`, `${ptr}/errnoRet`);
    const args = (sc.args ?? []).map((a, k) => {
      const aptr = `${ptr}/args/${k}`;
      if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
        throw invalid(`${aptr}/index`, `syscalls have at most 6 arguments (index 0 to 5), not ${a.index}`);
      }
      const op = Object.prototype.hasOwnProperty.call(SCMP_CMP, a.op) ? SCMP_CMP[a.op] : undefined;
      if (op === undefined) throw invalid(`${aptr}/op`, `unknown seccomp operator ${quoteInput(a.op)} (one of ${Object.keys(SCMP_CMP).join(', ')})`);
      return {
        index: a.index,
        op,
        value: u64(a.value, `${aptr}/value`, opts),
        valueTwo: a.valueTwo === undefined ? 0n : u64(a.valueTwo, `${aptr}/valueTwo`, opts),
      };
    });
    sc.names.forEach((name, j) => {
      if (typeof name !== 'string' || name === '') throw invalid(`${ptr}/names/${j}`, 'empty string is not a valid syscall');
      if (sc.action === 'SCMP_ACT_NOTIFY') {
        if (NO_NOTIFY.has(name)) {
          throw invalid(`${ptr}/names/${j}`, `SCMP_ACT_NOTIFY cannot be used for the ${name} syscall (the runtime needs it to hand the listener over)`);
        }
        notify = true;
      }
      stubNames.push(name);
      rules.push({ name, action, args });
      rulePointers.push(ptr);
    });
  });

  let flags = 0;
  const supported = opts.supportedFlags;
  (s.flags ?? []).forEach((f, i) => {
    const known = KNOWN_FLAGS.find(([name]) => name === f);
    if (!known) throw invalid(`${P}/flags/${i}`, `unknown seccomp flag ${quoteInput(f)}`);
    if (supported && !supported.includes(f)) throw invalid(`${P}/flags/${i}`, `seccomp flag ${f} is not supported by this kernel`);
    if (known[1] === SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV && !notify) return;
    flags |= known[1];
  });

  const listenerPath = s.listenerPath ?? '';
  const listenerMetadata = s.listenerMetadata ?? '';
  if (listenerMetadata && !listenerPath) throw invalid(`${P}/listenerMetadata`, 'must not be set without listenerPath');
  if (notify && !listenerPath) throw invalid(`${P}/listenerPath`, 'is required when a rule uses SCMP_ACT_NOTIFY');
  if (notify && Buffer.byteLength(listenerPath) > MAX_SOCKET_PATH) {
    throw invalid(`${P}/listenerPath`, `is longer than a unix socket path may be (${MAX_SOCKET_PATH} bytes)`);
  }

  const permissive = s.defaultAction === 'SCMP_ACT_ALLOW' || s.defaultAction === 'SCMP_ACT_LOG' || s.defaultAction === 'SCMP_ACT_TRACE';
  const enosysAlready = s.defaultAction === 'SCMP_ACT_ERRNO' && s.defaultErrnoRet === ENOSYS;
  return {
    input: {
      defaultAction,
      architectures,
      rules,
      stubNames,
      enosysStub: !permissive && !enosysAlready && architectures.length > 0,
      optimize: rules.length > OPTIMIZE_ABOVE,
    },
    rulePointers,
    flags,
    notify,
    listenerPath,
    listenerMetadata,
  };
}

/** The exact integers of <bundle>/config.json, read only when a value is above 2^53. */
export function exactFromConfig(configPath: string): (pointer: string) => bigint | undefined {
  let map: Map<string, bigint> | undefined;
  return (pointer) => {
    map ??= exactIntegers(fs.readFileSync(configPath, 'utf8'));
    return map.get(pointer);
  };
}

export interface CompiledSeccomp {
  flags: number;
  bpf: Buffer;
  notify: boolean;
}

/** Validate linux.seccomp and compile it with libseccomp (the addon). */
export function compileSeccomp(s: LinuxSeccomp, bundle: string): CompiledSeccomp {
  const n = native();
  const plan = seccompInput(s, {
    exact: exactFromConfig(path.join(bundle, 'config.json')),
    supportedFlags: s.flags?.length ? n.seccompInfo().flags : undefined,
  });
  let out: { bpf: Buffer; ignored: string[] };
  try {
    out = n.seccompCompile(plan.input);
  } catch (e) {
    const err = e as Error & { rule?: number; arch?: number; errno?: number };
    const pointer =
      err.rule !== undefined
        ? plan.rulePointers[err.rule]
        : err.arch !== undefined
          ? `/linux/seccomp/architectures/${err.arch}`
          : '/linux/seccomp';
    throw new OcitsError('EINVAL_CONFIG', `invalid config: ${pointer}: ${err.message}`, { pointer, errno: err.errno, cause: e });
  }
  if (out.ignored.length) log.debug(`seccomp: syscalls unknown to libseccomp ignored: ${out.ignored.join(', ')}`);
  return { flags: plan.flags, bpf: out.bpf, notify: plan.notify };
}
