/**
 * linux.resources -> the systemd unit properties that systemd owns, as runc 1.1's
 * systemd managers compute them (libcontainer/cgroups/systemd: common.go,
 * v1.go genV1ResourcesProperties, v2.go genV2ResourcesProperties and
 * unifiedResToSystemdProps, cpuset.go RangeToBits; the byte order and the
 * device-path rules as fixed in runc 1.1.5+). Pure: the systemd version and
 * /proc/devices come in as arguments. Values of D-Bus type "t" are bigints.
 *
 * Besides runc: blockIO.weight becomes IOWeight on v2 (runc 1.1 sets it only
 * in the file), as crun does.
 */
import type { UnitProperty } from '../../native/systemd';
import { OcitsError } from '../../errors';
import type { LinuxResources } from '../../spec/types';
import { DeviceEmulator, WILDCARD, type DeviceRule } from '../devices';
import { blkioWeightToIoWeight, invalid, memorySwapToV2, sharesToWeightChecked } from '../resources';

/** USEC_INFINITY / "max" / (uint64)-1 */
export const INFINITY = 18446744073709551615n;
/** The kernel's default cpu.cfs_period_us. */
const DEFAULT_PERIOD = 100000n;

const P = '/linux/resources';

export interface PropertyContext {
  /** systemd's major version (Version property) */
  version: number;
  /** v2: the unified manager's properties; v1/hybrid: the legacy manager's */
  v2: boolean;
  /** text of /proc/devices, read only when a rule needs a device group */
  procDevices: () => string;
  /** runc's warnings (a rule systemd cannot express) */
  warn: (msg: string) => void;
  /** sdVer < 240 looks device paths up on the filesystem: does this one exist? */
  exists?: (path: string) => boolean;
}

const u64 = (n: number | bigint): bigint => (typeof n === 'bigint' ? n : n === -1 ? INFINITY : BigInt(Math.trunc(n)));

/**
 * runc's RangeToBits: a cpuset list ("0-3,8") as the byte array AllowedCPUs /
 * AllowedMemoryNodes take (bit n of byte n/8 is cpu n). Throws on an empty or
 * malformed list.
 */
export function rangeToBits(list: string): Buffer {
  const bits = new Set<number>();
  for (const raw of list.split(',')) {
    const r = raw.trim();
    if (r === '') continue;
    const dash = r.indexOf('-');
    const num = (s: string) => {
      if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new Error(`invalid cpu or node number ${JSON.stringify(s)} in ${JSON.stringify(list)}`);
      return Number(s);
    };
    if (dash >= 0) {
      const start = num(r.slice(0, dash));
      const end = num(r.slice(dash + 1));
      if (start > end) throw new Error(`invalid range: ${r}`);
      for (let i = start; i <= end; i++) bits.add(i);
    } else bits.add(num(r));
  }
  if (!bits.size) throw new Error('empty value');
  const out = Buffer.alloc((Math.max(...bits) >> 3) + 1);
  for (const b of bits) out[b >> 3] |= 1 << (b & 7);
  return out;
}

/**
 * runc's addCpuQuota: CPUQuotaPeriodUSec (systemd 242+) and CPUQuotaPerSecUSec,
 * the quota per second of CPU rounded up to whole percents (10 ms), as systemd
 * keeps CPUQuota= in percent, so that the cgroup gets at least what was asked.
 */
export function cpuQuotaProperties(quota: number, period: number, version: number): UnitProperty[] {
  const out: UnitProperty[] = [];
  if (period !== 0 && version >= 242) out.push(['CPUQuotaPeriodUSec', 't', BigInt(period)]);
  if (quota !== 0 || period !== 0) {
    let perSec = INFINITY;
    if (quota > 0) {
      const p = period ? BigInt(period) : DEFAULT_PERIOD;
      perSec = (BigInt(quota) * 1000000n) / p;
      if (perSec % 10000n !== 0n) perSec = (perSec / 10000n + 1n) * 10000n;
    }
    out.push(['CPUQuotaPerSecUSec', 't', perSec]);
  }
  return out;
}

/** "char-pts" for (c, 136) from a /proc/devices text; undefined when no group has that major. */
export function deviceGroup(type: 'b' | 'c', major: number, procDevices: string): string | undefined {
  let cur: 'b' | 'c' | undefined;
  for (const raw of procDevices.split('\n')) {
    const line = raw.trim();
    if (line === 'Block devices:') cur = 'b';
    else if (line === 'Character devices:') cur = 'c';
    else if (line && cur === type) {
      const m = /^(\d+)\s+(\S+)$/.exec(line);
      if (m && Number(m[1]) === major) return `${type === 'b' ? 'block' : 'char'}-${m[2]}`;
    }
  }
  return undefined;
}

/**
 * runc's generateDeviceProperties: DevicePolicy=strict and the white-list as
 * DeviceAllow entries (/dev/{char,block}/M:m for a device, a /proc/devices group
 * for M:*, char-* / block-* for *:*). What systemd cannot express (*:m rules,
 * black-lists) is left to the runtime's own device rules, with runc's warnings.
 */
export function deviceProperties(rules: readonly DeviceRule[], ctx: PropertyContext): UnitProperty[] {
  const emu = DeviceEmulator.fromRules(rules);
  if (emu.isBlacklist()) {
    if (emu.entries().length === 0) {
      // allow-all: the one black-list systemd can do
      return [
        ['DevicePolicy', 's', 'auto'],
        ['DeviceAllow', 'a(ss)', []],
      ];
    }
    ctx.warn("systemd doesn't support blacklist device rules -- applying temporary deny-all rule");
    return [
      ['DevicePolicy', 's', 'strict'],
      ['DeviceAllow', 'a(ss)', []],
    ];
  }
  const allow: [string, string][] = [];
  let devices: string | undefined;
  for (const r of emu.entries()) {
    const kind = r.type === 'b' ? 'block' : 'char';
    const rule = `${r.type} ${r.major === WILDCARD ? '*' : r.major}:${r.minor === WILDCARD ? '*' : r.minor} ${r.access}`;
    let path: string;
    if (r.major === WILDCARD) {
      if (r.minor !== WILDCARD) {
        ctx.warn(`systemd doesn't support '*:n' device rules -- temporarily ignoring rule: ${rule}`);
        continue;
      }
      path = `${kind}-*`;
    } else if (r.minor === WILDCARD) {
      const group = deviceGroup(r.type as 'b' | 'c', r.major, (devices ??= ctx.procDevices()));
      if (!group) {
        ctx.warn(`could not find device group for '${r.type}/${r.major}' in /proc/devices -- temporarily ignoring rule: ${rule}`);
        continue;
      }
      path = group;
    } else {
      path = `/dev/${kind}/${r.major}:${r.minor}`;
      // before v240 systemd stat()s the path and skips a missing one
      if (ctx.version < 240 && ctx.exists && !ctx.exists(path)) continue;
    }
    allow.push([path, r.access]);
  }
  return [
    ['DevicePolicy', 's', 'strict'],
    ['DeviceAllow', 'a(ss)', []],
    ['DeviceAllow', 'a(ss)', allow],
  ];
}

function unifiedError(key: string, msg: string): OcitsError {
  const pointer = `${P}/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return new OcitsError('EINVAL_CONFIG', `${pointer}: ${msg}`, { pointer });
}

function parseU64(key: string, v: string, allowMax: boolean): bigint {
  if (allowMax && v === 'max') return INFINITY;
  if (!/^\d+$/.test(v) || BigInt(v) > INFINITY) throw unifiedError(key, `unified resource "${key}" value conversion error: invalid syntax ${JSON.stringify(v)}`);
  return BigInt(v);
}

const MEMORY_UNIFIED: Record<string, string> = {
  'memory.high': 'MemoryHigh',
  'memory.low': 'MemoryLow',
  'memory.min': 'MemoryMin',
  'memory.max': 'MemoryMax',
  'memory.swap.max': 'MemorySwapMax',
};

/** runc's unifiedResToSystemdProps: the unified keys systemd knows; the others are only written to the files. */
export function unifiedProperties(unified: Record<string, string>, version: number): UnitProperty[] {
  const out: UnitProperty[] = [];
  for (const key of Object.keys(unified).sort()) {
    if (key.includes('/')) throw unifiedError(key, `unified resource "${key}" must be a file name (no slashes)`);
    if (key.split('.').length < 2) throw unifiedError(key, `unified resource "${key}" must be in the form CONTROLLER.PARAMETER`);
    const v = String(unified[key]).trim();
    if (key === 'cpu.max') {
      const f = v.split(/\s+/).filter(Boolean);
      if (f.length < 1 || f.length > 2) throw unifiedError(key, `unified resource "${key}" value invalid: ${JSON.stringify(v)}`);
      let quota = 0;
      if (f[0] !== 'max') {
        if (!/^-?\d+$/.test(f[0])) throw unifiedError(key, `unified resource "${key}" quota value conversion error: ${JSON.stringify(f[0])}`);
        quota = Number(f[0]);
      }
      let period = Number(DEFAULT_PERIOD);
      if (f.length === 2) {
        if (!/^\d+$/.test(f[1])) throw unifiedError(key, `unified resource "${key}" period value conversion error: ${JSON.stringify(f[1])}`);
        period = Number(f[1]);
      }
      out.push(...cpuQuotaProperties(quota, period, version));
    } else if (key === 'cpu.weight') {
      out.push(['CPUWeight', 't', parseU64(key, v, false)]);
    } else if (key === 'cpuset.cpus' || key === 'cpuset.mems') {
      let bits: Buffer;
      try {
        bits = rangeToBits(v);
      } catch (e) {
        throw unifiedError(key, `unified resource "${key}"=${JSON.stringify(v)} conversion error: ${(e as Error).message}`);
      }
      if (version >= 244) out.push([key === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', 'ay', bits]);
    } else if (MEMORY_UNIFIED[key]) {
      out.push([MEMORY_UNIFIED[key], 't', parseU64(key, v, true)]);
    } else if (key === 'pids.max') {
      out.push(['TasksMax', 't', parseU64(key, v, true)]);
    }
    // anything else (memory.oom.group included, as runc) goes to the files only
  }
  return out;
}

function cpusetProperties(cpus: string | undefined, mems: string | undefined, version: number): UnitProperty[] {
  // AllowedCPUs/AllowedMemoryNodes since systemd 244; older ones get only the files
  if ((!cpus && !mems) || version < 244) return [];
  const out: UnitProperty[] = [];
  for (const [v, name, field] of [
    [cpus, 'AllowedCPUs', 'cpu/cpus'],
    [mems, 'AllowedMemoryNodes', 'cpu/mems'],
  ] as const) {
    if (!v) continue;
    try {
      out.push([name, 'ay', rangeToBits(v)]);
    } catch (e) {
      throw invalid(field, `${JSON.stringify(v)} conversion error: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * The unit properties of linux.resources (device rules excepted: deviceProperties),
 * in runc's order. Only what is set: an update changes nothing else.
 */
export function resourceProperties(r: LinuxResources | undefined, ctx: PropertyContext): UnitProperty[] {
  if (!r) return [];
  const out: UnitProperty[] = [];
  const m = r.memory ?? {};
  const c = r.cpu ?? {};
  const limit = m.limit ?? 0;
  if (ctx.v2) {
    if (limit !== 0) out.push(['MemoryMax', 't', u64(limit)]);
    if (m.reservation) out.push(['MemoryLow', 't', u64(m.reservation)]);
    const swap = memorySwapToV2(m.swap ?? 0, limit);
    if (swap !== 0) out.push(['MemorySwapMax', 't', u64(swap)]);
    if (c.shares) out.push(['CPUWeight', 't', BigInt(sharesToWeightChecked(c.shares))]);
  } else {
    if (limit !== 0) out.push(['MemoryLimit', 't', u64(limit)]);
    if (c.shares) out.push(['CPUShares', 't', BigInt(c.shares)]);
  }
  out.push(...cpuQuotaProperties(c.quota ?? 0, c.period ?? 0, ctx.version));
  if (r.blockIO?.weight) {
    if (ctx.v2) out.push(['IOWeight', 't', BigInt(blkioWeightToIoWeight(r.blockIO.weight))]);
    else out.push(['BlockIOWeight', 't', BigInt(r.blockIO.weight)]);
  }
  // as the cgroupfs driver (runc 1.2): a limit of 0 or below is no limit
  if (r.pids && r.pids.limit !== undefined && r.pids.limit !== null) out.push(['TasksMax', 't', r.pids.limit > 0 ? BigInt(r.pids.limit) : INFINITY]);
  out.push(...cpusetProperties(c.cpus, c.mems, ctx.version));
  if (ctx.v2 && r.unified) out.push(...unifiedProperties(r.unified, ctx.version));
  return out;
}

export interface ScopeOptions {
  unit: string;
  slice: string;
  name: string;
  pid: number;
  v2: boolean;
}

/**
 * The unit's own properties at StartTransientUnit (runc's Apply): description,
 * its slice (a slice unit Wants= its parent instead), delegation, the pid,
 * accounting on every controller, no default dependencies.
 */
export function scopeProperties(o: ScopeOptions): UnitProperty[] {
  const out: UnitProperty[] = [['Description', 's', `ocits container ${o.name}`]];
  if (o.unit.endsWith('.slice')) out.push(['Wants', 'as', [o.slice]]);
  else out.push(['Slice', 's', o.slice], ['Delegate', 'b', true]);
  out.push(['PIDs', 'au', [o.pid]]);
  out.push(
    ['MemoryAccounting', 'b', true],
    ['CPUAccounting', 'b', true],
    [o.v2 ? 'IOAccounting' : 'BlockIOAccounting', 'b', true],
    ['TasksAccounting', 'b', true],
    ['DefaultDependencies', 'b', false],
  );
  return out;
}
