/**
 * The Linux capability table (linux/capability.h): CAP_CHOWN = 0 .. CAP_CHECKPOINT_RESTORE = 40.
 *
 * Unknown names — what runc 1.1.5 does (libcontainer/capabilities, verified by
 * running it): a name that is not in its table, or a known capability above the
 * kernel's /proc/sys/kernel/cap_last_cap, is dropped, and one warning is logged:
 *     ignoring unknown or unavailable capabilities: [CAP_FOO NOPE]
 * (names deduplicated over all five sets and sorted); the container still runs.
 * capMask() lets the caller choose: `unknown: 'error'` (the default) throws
 * EINVAL_CONFIG for a name missing from the table, `unknown: 'ignore'` behaves
 * like runc. In both modes a known capability above lastCap() is dropped and
 * reported in `ignored` (as runc: a config written on a newer kernel still runs);
 * build runc's warning text from that list with unknownCapsWarning().
 */
import * as fs from 'node:fs';
import { inputText, OcitsError, quoteInput } from '../errors';

/** Capability names, indexed by number. */
export const CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE', // 40
]);

/** The highest capability number this table knows. */
export const MAX_KNOWN_CAP = CAPABILITIES.length - 1;

const BY_NAME: ReadonlyMap<string, number> = new Map(CAPABILITIES.map((n, i) => [n, i]));

/** Number of a capability name ("CAP_KILL" -> 5); exact, case-sensitive, as runc. */
export function capNumber(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** Name of a capability number (5 -> "CAP_KILL"). */
export function capName(num: number): string | undefined {
  return CAPABILITIES[num];
}

let cachedLastCap: number | undefined;

/** /proc/sys/kernel/cap_last_cap, read once; MAX_KNOWN_CAP if unreadable. */
export function lastCap(): number {
  if (cachedLastCap === undefined) {
    let v = MAX_KNOWN_CAP;
    try {
      const n = Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'latin1').trim(), 10);
      if (Number.isInteger(n) && n >= 0 && n < 64) v = n;
    } catch {
      /* no /proc: keep the fallback */
    }
    cachedLastCap = v;
  }
  return cachedLastCap;
}

export type UnknownCapPolicy = 'error' | 'ignore';

export interface CapMaskOptions {
  /** What to do with a name missing from the table: throw (default) or drop like runc 1.1.5. */
  unknown?: UnknownCapPolicy;
  /** Names dropped (unknown under 'ignore', or above lastCap) are pushed here. */
  ignored?: string[];
  /** Override the kernel's last capability (tests). */
  lastCap?: number;
}

/**
 * 64-bit mask of the named capabilities. `pointer` is the JSON pointer of the
 * array (e.g. "/process/capabilities/bounding"); an error names the element
 * (".../bounding/2").
 */
export function capMask(names: readonly string[], pointer: string, opts: CapMaskOptions = {}): bigint {
  const policy = opts.unknown ?? 'error';
  const last = opts.lastCap ?? lastCap();
  let mask = 0n;
  names.forEach((name, i) => {
    const n = BY_NAME.get(name);
    if (n === undefined) {
      if (policy === 'error') {
        const p = `${pointer}/${i}`;
        throw new OcitsError('EINVAL_CONFIG', `invalid config: ${p}: unknown capability ${quoteInput(name)}`, {
          pointer: p,
        });
      }
      opts.ignored?.push(name);
      return;
    }
    if (n > last) {
      opts.ignored?.push(name);
      return;
    }
    mask |= 1n << BigInt(n);
  });
  return mask;
}

/** Names of the bits set in a mask (unknown bits as "CAP_<n>"), ascending. */
export function capNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((mask >> BigInt(i)) & 1n) out.push(CAPABILITIES[i] ?? `CAP_${i}`);
  }
  return out;
}

/**
 * runc 1.1.5's warning for dropped capabilities (deduplicated, sorted by code
 * unit like Go's sort.Strings), or undefined when nothing was dropped.
 */
export function unknownCapsWarning(ignored: readonly string[]): string | undefined {
  if (ignored.length === 0) return undefined;
  const list = [...new Set(ignored)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `ignoring unknown or unavailable capabilities: [${list.map((n) => inputText(n)).join(' ')}]`;
}
