/**
 * Device access rules of the container's cgroup, as runc 1.1 makes them:
 *
 *   rules = linux.resources.devices in config order (type a/b/c, absent
 *           major/minor = wildcard, access some of rwm), then runc's default
 *           allow rules (mknod of any c/b node, the standard /dev nodes,
 *           /dev/pts/*, ptmx, tun), minus the defaults whose path
 *           linux.devices redefines;
 *   state = the rules replayed on a cgroup v1 devices emulator that starts
 *           as deny-all (runc's Emulator: same semantics as the kernel's
 *           devices controller, plus an error for holes punched in wildcards).
 *
 * v1: the state is written to devices.allow / devices.deny as the minimal
 * transition from the cgroup's current devices.list (runc's Transition),
 * then checked by reading devices.list back.
 * v2: the state becomes an eBPF BPF_PROG_TYPE_CGROUP_DEVICE program
 * (addon/native/devices_bpf.cc) attached to the container's unified dir.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError } from '../errors';
import type { Spec } from '../spec/types';
import { fsError } from './files';
import type { CgroupManager } from './types';

export type DeviceType = 'a' | 'b' | 'c';

/** One cgroup device rule; -1 = wildcard major/minor. */
export interface DeviceRule {
  type: DeviceType;
  major: number;
  minor: number;
  /** some of r, w, m, in this order */
  access: string;
  allow: boolean;
}

export const WILDCARD = -1;

/** runc 1.1.5 libcontainer/specconv AllowedDevices, in its order. */
export const DEFAULT_RULES: readonly (DeviceRule & { path?: string })[] = [
  { type: 'c', major: WILDCARD, minor: WILDCARD, access: 'm', allow: true },
  { type: 'b', major: WILDCARD, minor: WILDCARD, access: 'm', allow: true },
  { path: '/dev/null', type: 'c', major: 1, minor: 3, access: 'rwm', allow: true },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, access: 'rwm', allow: true },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, access: 'rwm', allow: true },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, access: 'rwm', allow: true },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, access: 'rwm', allow: true },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, access: 'rwm', allow: true },
  // /dev/pts/*
  { type: 'c', major: 136, minor: WILDCARD, access: 'rwm', allow: true },
  // /dev/ptmx
  { type: 'c', major: 5, minor: 2, access: 'rwm', allow: true },
  // tuntap
  { type: 'c', major: 10, minor: 200, access: 'rwm', allow: true },
];

function invalid(pointer: string, msg: string): OcitsError {
  return new OcitsError('EINVAL_CONFIG', `${pointer}: ${msg}`, { pointer });
}

/** The canonical access string ("rwm" order, no repeats). */
export function normAccess(a: string): string {
  return ['r', 'w', 'm'].filter((c) => a.includes(c)).join('');
}

/** The rule list runc builds from a config (specconv CreateCgroupConfig + createDevices). */
export function buildDeviceRules(spec: Spec): DeviceRule[] {
  const out: DeviceRule[] = [];
  (spec.linux?.resources?.devices ?? []).forEach((d, i) => {
    const ptr = `/linux/resources/devices/${i}`;
    const type = d.type === undefined || d.type === '' ? 'a' : d.type;
    if (type !== 'a' && type !== 'b' && type !== 'c') throw invalid(`${ptr}/type`, `invalid cgroup device type ${JSON.stringify(d.type)} (a, b or c)`);
    if (!d.access) throw invalid(`${ptr}/access`, `device access at ${i} field cannot be empty`);
    if (!/^[rwm]+$/.test(d.access)) throw invalid(`${ptr}/access`, `invalid device access ${JSON.stringify(d.access)} (some of r, w, m)`);
    for (const k of ['major', 'minor'] as const) {
      const v = d[k];
      if (v !== undefined && v !== WILDCARD && (!Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
        throw invalid(`${ptr}/${k}`, `invalid device ${k} ${v}`);
      }
    }
    out.push({ type, major: d.major ?? WILDCARD, minor: d.minor ?? WILDCARD, access: normAccess(d.access), allow: !!d.allow });
  });
  // A default device redefined (by path) in linux.devices loses its default rule.
  const specPaths = new Set((spec.linux?.devices ?? []).map((d) => d.path));
  for (const r of DEFAULT_RULES) {
    if (r.path !== undefined && specPaths.has(r.path)) continue;
    out.push({ type: r.type, major: r.major, minor: r.minor, access: r.access, allow: r.allow });
  }
  return out;
}

// ---- the v1 devices emulator (runc libcontainer/cgroups/devices/devices_emulator.go)

function key(type: DeviceType, major: number, minor: number): string {
  return `${type} ${major} ${minor}`;
}

function union(a: string, b: string): string {
  return normAccess(a + b);
}

function difference(a: string, b: string): string {
  return normAccess([...a].filter((c) => !b.includes(c)).join(''));
}

export class DeviceEmulator {
  /** true: allow all except the rules (black-list); false: deny all except the rules */
  defaultAllow = false;
  /** exceptions: key -> access */
  private rules = new Map<string, { type: DeviceType; major: number; minor: number; access: string }>();

  static fromRules(rules: readonly DeviceRule[]): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const r of rules) e.apply(r);
    return e;
  }

  /** The state of a v1 cgroup from the text of its devices.list. */
  static fromList(text: string): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line.trim());
      if (!m) throw new OcitsError('ECGROUP', `devices.list: cannot parse line ${JSON.stringify(line)}`);
      const num = (s: string) => (s === '*' ? WILDCARD : Number(s));
      e.apply({ type: m[1] as DeviceType, major: num(m[2]), minor: num(m[3]), access: m[4], allow: true });
    }
    return e;
  }

  isBlacklist(): boolean {
    return this.defaultAllow;
  }

  apply(rule: DeviceRule): void {
    if (rule.type === 'a') {
      // the kernel: "a" resets the cgroup to allow-all or deny-all, whatever major/minor/access say
      this.defaultAllow = rule.allow;
      this.rules.clear();
      return;
    }
    const access = normAccess(rule.access);
    // allow on a white-list and deny on a black-list add an exception; the others remove one
    if (rule.allow !== this.defaultAllow) this.addRule(rule.type, rule.major, rule.minor, access);
    else this.rmRule(rule.type, rule.major, rule.minor, access, rule);
  }

  private addRule(type: DeviceType, major: number, minor: number, access: string): void {
    const k = key(type, major, minor);
    const old = this.rules.get(k);
    this.rules.set(k, { type, major, minor, access: union(old?.access ?? '', access) });
  }

  private rmRule(type: DeviceType, major: number, minor: number, access: string, rule: DeviceRule): void {
    // cgroup v1 silently ignores removing part of a wildcard exception; runc refuses it
    for (const [pmaj, pmin] of [
      [WILDCARD, minor],
      [major, WILDCARD],
      [WILDCARD, WILDCARD],
    ]) {
      if (pmaj === major && pmin === minor) continue;
      const partial = this.rules.get(key(type, pmaj, pmin));
      if (partial && difference(access, partial.access) !== access) {
        throw new OcitsError(
          'EINVAL_CONFIG',
          `device rule ${ruleString(rule)} not supported by devices cgroupv1 (cannot punch hole in existing wildcard rule ${ruleString({ type, major: pmaj, minor: pmin, access: partial.access, allow: !rule.allow })})`,
        );
      }
    }
    const k = key(type, major, minor);
    const old = this.rules.get(k);
    if (!old) return;
    const left = difference(old.access, access);
    if (left) this.rules.set(k, { ...old, access: left });
    else this.rules.delete(k);
  }

  /** Exceptions sorted by type, major, minor (wildcards first), as runc orders them. */
  entries(): { type: DeviceType; major: number; minor: number; access: string }[] {
    return [...this.rules.values()].sort((a, b) => (a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.major - b.major || a.minor - b.minor));
  }

  /** The clean rule list: on a black-list an "a" allow first, then every exception. */
  cleanRules(): DeviceRule[] {
    const out: DeviceRule[] = [];
    if (this.defaultAllow) out.push({ type: 'a', major: WILDCARD, minor: WILDCARD, access: 'rwm', allow: true });
    for (const e of this.entries()) out.push({ ...e, allow: !this.defaultAllow });
    return out;
  }

  accessOf(type: DeviceType, major: number, minor: number): string | undefined {
    return this.rules.get(key(type, major, minor))?.access;
  }

  equals(o: DeviceEmulator): boolean {
    if (this.defaultAllow !== o.defaultAllow || this.rules.size !== o.rules.size) return false;
    for (const [k, v] of this.rules) if (o.rules.get(k)?.access !== v.access) return false;
    return true;
  }

  /** The writes that take a cgroup from this state to target (runc's Transition). */
  transition(target: DeviceEmulator): DeviceRule[] {
    const out: DeviceRule[] = [];
    let old = this.entries();
    // devices.list cannot show a black-list's deny rules: start a black-list over
    if (this.isBlacklist() || this.defaultAllow !== target.defaultAllow) {
      out.push({ type: 'a', major: WILDCARD, minor: WILDCARD, access: 'rwm', allow: target.defaultAllow });
      old = [];
    }
    const oldMap = new Map(old.map((e) => [key(e.type, e.major, e.minor), e.access]));
    for (const e of old) {
      const dropped = difference(e.access, target.accessOf(e.type, e.major, e.minor) ?? '');
      if (dropped) out.push({ type: e.type, major: e.major, minor: e.minor, access: dropped, allow: target.defaultAllow });
    }
    for (const e of target.entries()) {
      const gained = difference(e.access, oldMap.get(key(e.type, e.major, e.minor)) ?? '');
      if (gained) out.push({ type: e.type, major: e.major, minor: e.minor, access: gained, allow: !target.defaultAllow });
    }
    return out;
  }
}

/** "c 1:3 rwm", "a *:* rwm": the devices.allow / devices.deny / devices.list form. */
export function ruleString(r: DeviceRule): string {
  const n = (v: number) => (v === WILDCARD ? '*' : String(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

// ---- v1 writer

/** Bring a v1 devices cgroup dir to the rules' state; verified by reading devices.list back. */
export function applyV1(dir: string, rules: readonly DeviceRule[]): DeviceRule[] {
  const target = DeviceEmulator.fromRules(rules);
  const listFile = posix.join(dir, 'devices.list');
  const read = () => {
    try {
      return DeviceEmulator.fromList(readFileSync(listFile, 'utf8'));
    } catch (err) {
      if (err instanceof OcitsError) throw err;
      throw fsError('read', listFile, err);
    }
  };
  const writes = read().transition(target);
  for (const r of writes) {
    const file = posix.join(dir, r.allow ? 'devices.allow' : 'devices.deny');
    try {
      writeFileSync(file, ruleString(r));
    } catch (err) {
      throw fsError(`write "${ruleString(r)}" to`, file, err);
    }
  }
  const after = read();
  if (target.isBlacklist() ? !after.isBlacklist() : !after.equals(target)) {
    throw new OcitsError('ECGROUP', `devices cgroup ${dir}: the resulting devices.list does not match the rules`);
  }
  return writes;
}

// ---- v2: the eBPF program

/** What the addon's devicesProgram takes: the emulator's clean rules, "a" excluded. */
export interface BpfProgramInput {
  defaultAllow: boolean;
  rules: { type: 'b' | 'c'; major: number; minor: number; access: string; allow: boolean }[];
}

export function bpfInput(rules: readonly DeviceRule[]): BpfProgramInput {
  const emu = DeviceEmulator.fromRules(rules);
  const clean = emu.cleanRules().filter((r) => r.type !== 'a');
  return { defaultAllow: emu.isBlacklist(), rules: clean.map((r) => ({ ...r, type: r.type as 'b' | 'c' })) };
}

/** The native part, injected so that this module stays free of the addon. */
export interface BpfAttacher {
  devicesProgram(input: BpfProgramInput): Buffer;
  devicesAttach(cgroupDir: string, insns: Buffer): number;
  close(fd: number): void;
}

/**
 * Apply the config's device rules to the container's cgroup: v1 where a devices
 * hierarchy holds it (v1 and hybrid hosts, as runc), the eBPF program on a pure
 * v2 host. Nothing where neither exists.
 */
export function applyDevices(cg: CgroupManager, spec: Spec, bpf: () => BpfAttacher): void {
  const rules = buildDeviceRules(spec);
  if (cg.devices) cg.devices(rules, bpf);
  else applyDeviceRules(cg, rules, bpf);
}

/** The rules onto a cgroup's dirs: v1 devices hierarchy, else (pure v2) the eBPF program. */
export function applyDeviceRules(cg: Pick<CgroupManager, 'mode' | 'paths'>, rules: readonly DeviceRule[], bpf: () => BpfAttacher): void {
  if (cg.paths.devices) {
    applyV1(cg.paths.devices, rules);
    return;
  }
  if (cg.mode === 'v2' && cg.paths.unified) {
    const n = bpf();
    const insns = n.devicesProgram(bpfInput(rules));
    // The attachment keeps the program alive; rmdir of the cgroup detaches it.
    n.close(n.devicesAttach(cg.paths.unified, insns));
  }
}
