/**
 * Container stats read from the cgroup files, in the layout runc 1.1's
 * `events` prints (types.Stats: cpu, cpuset, memory, pids, blkio, hugetlb,
 * intel_rdt, network_interfaces), including runc's omitempty rules. Every
 * counter is a bigint (limits reach 2^64-1); statsJSON() prints them exactly.
 * Each controller is read where it lives: a v1 hierarchy if the container has
 * one for it, else the unified (v2) dir (hybrid hosts: hugetlb).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import type { CgroupMode } from './types';

const MAX_U64 = 18446744073709551615n;
const NS_PER_SEC = 1000000000n;
/** USER_HZ: cpuacct.stat counts in clock ticks (100 on every Linux runc supports). */
const CLOCK_TICKS = 100n;

export type U64 = bigint;

export interface BlkioEntry { major?: U64; minor?: U64; op?: string; value?: U64 }
export interface MemoryEntry { limit: U64; usage?: U64; max?: U64; failcnt: U64 }

export interface Stats {
  cpu: {
    usage: { total?: U64; percpu?: U64[]; percpu_kernel?: U64[]; percpu_user?: U64[]; kernel: U64; user: U64 };
    throttling: { periods?: U64; throttledPeriods?: U64; throttledTime?: U64 };
  };
  cpuset: Record<string, U64 | number[] | undefined>;
  memory: { cache?: U64; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry; raw?: Record<string, U64> };
  pids: { current?: U64; limit?: U64 };
  blkio: Record<string, BlkioEntry[]>;
  hugetlb: Record<string, { usage?: U64; max?: U64; failcnt: U64 }>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

function readText(dir: string, name: string): string | undefined {
  try {
    return readFileSync(posix.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** One unsigned value; "max" is 2^64-1 (as runc's GetCgroupParamUint); a negative number is 0. */
function parseU64(s: string): U64 | undefined {
  const v = s.trim();
  if (v === 'max') return MAX_U64;
  if (/^-\d+$/.test(v)) return 0n;
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}

function u64(dir: string, name: string): U64 | undefined {
  const t = readText(dir, name);
  return t === undefined ? undefined : parseU64(t);
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat ...). */
function keyValues(dir: string, name: string): Record<string, U64> | undefined {
  const t = readText(dir, name);
  if (t === undefined) return undefined;
  const out: Record<string, U64> = {};
  for (const line of t.split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    if (!k || v === undefined || extra !== undefined) continue;
    const n = parseU64(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function nz(v: U64 | undefined): U64 | undefined {
  return v ? v : undefined;
}

function nonEmpty<T>(a: T[] | undefined): T[] | undefined {
  return a && a.length ? a : undefined;
}

/** "0-3,5" -> [0,1,2,3,5] */
function parseList(s: string | undefined): number[] | undefined {
  if (!s || !s.trim()) return undefined;
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let i = a; i <= (Number.isInteger(b) ? b : a); i++) out.push(i);
  }
  return out;
}

function emptyEntry(): MemoryEntry {
  return { limit: 0n, failcnt: 0n };
}

function entry(limit: U64 | undefined, usage: U64 | undefined, max: U64 | undefined, failcnt: U64 | undefined): MemoryEntry {
  return { limit: limit ?? 0n, usage: nz(usage), max: nz(max), failcnt: failcnt ?? 0n };
}

// ---- cpu -------------------------------------------------------------------

function cpuV1(acct: string | undefined, cpu: string | undefined): Stats['cpu'] {
  const out: Stats['cpu'] = { usage: { kernel: 0n, user: 0n }, throttling: {} };
  if (acct) {
    out.usage.total = nz(u64(acct, 'cpuacct.usage'));
    const percpu = readText(acct, 'cpuacct.usage_percpu');
    out.usage.percpu = nonEmpty(percpu?.trim().split(/\s+/).filter(Boolean).map((x) => parseU64(x) ?? 0n));
    const all = readText(acct, 'cpuacct.usage_all');
    if (all !== undefined) {
      const kernel: U64[] = [];
      const user: U64[] = [];
      for (const line of all.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length !== 3) continue;
        user.push(parseU64(f[1]) ?? 0n);
        kernel.push(parseU64(f[2]) ?? 0n);
      }
      out.usage.percpu_kernel = nonEmpty(kernel);
      out.usage.percpu_user = nonEmpty(user);
    }
    const st = keyValues(acct, 'cpuacct.stat');
    if (st) {
      out.usage.user = ((st.user ?? 0n) * NS_PER_SEC) / CLOCK_TICKS;
      out.usage.kernel = ((st.system ?? 0n) * NS_PER_SEC) / CLOCK_TICKS;
    }
  }
  // runc's field order: total, percpu, percpu_kernel, percpu_user, kernel, user
  const { kernel, user, ...rest } = out.usage;
  out.usage = { ...rest, kernel, user };
  if (cpu) {
    const st = keyValues(cpu, 'cpu.stat');
    if (st) out.throttling = { periods: nz(st.nr_periods), throttledPeriods: nz(st.nr_throttled), throttledTime: nz(st.throttled_time) };
  }
  return out;
}

function cpuV2(dir: string): Stats['cpu'] {
  const st = keyValues(dir, 'cpu.stat') ?? {};
  return {
    usage: { total: nz((st.usage_usec ?? 0n) * 1000n), kernel: (st.system_usec ?? 0n) * 1000n, user: (st.user_usec ?? 0n) * 1000n },
    throttling: { periods: nz(st.nr_periods), throttledPeriods: nz(st.nr_throttled), throttledTime: nz((st.throttled_usec ?? 0n) * 1000n) },
  };
}

// ---- cpuset ----------------------------------------------------------------

const CPUSET_FLAGS = ['cpu_exclusive', 'mems', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab', 'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level'];

function cpuset(dir: string | undefined): Stats['cpuset'] {
  const out: Stats['cpuset'] = { cpus: dir ? parseList(readText(dir, 'cpuset.cpus')) : undefined };
  for (const k of CPUSET_FLAGS) {
    if (k === 'mems') {
      out.mems = dir ? parseList(readText(dir, 'cpuset.mems')) : undefined;
      continue;
    }
    const t = dir ? readText(dir, `cpuset.${k}`)?.trim() : undefined;
    // sched_relax_domain_level is signed (-1 by default)
    out[k] = t !== undefined && /^-?\d+$/.test(t) ? BigInt(t) : 0n;
  }
  return out;
}

// ---- memory ----------------------------------------------------------------

function memoryV1(dir: string): Stats['memory'] {
  const e = (prefix: string): MemoryEntry => {
    if (u64(dir, `${prefix}.limit_in_bytes`) === undefined && u64(dir, `${prefix}.usage_in_bytes`) === undefined) return emptyEntry();
    return entry(u64(dir, `${prefix}.limit_in_bytes`), u64(dir, `${prefix}.usage_in_bytes`), u64(dir, `${prefix}.max_usage_in_bytes`), u64(dir, `${prefix}.failcnt`));
  };
  const raw = keyValues(dir, 'memory.stat');
  return {
    cache: nz(raw?.cache),
    usage: e('memory'),
    swap: e('memory.memsw'),
    kernel: e('memory.kmem'),
    kernelTCP: e('memory.kmem.tcp'),
    raw: raw && Object.keys(raw).length ? sortKeys(raw) : undefined,
  };
}

function memoryV2(dir: string): Stats['memory'] {
  const raw = keyValues(dir, 'memory.stat');
  const usage = entry(u64(dir, 'memory.max'), u64(dir, 'memory.current'), undefined, undefined);
  const swapUsage = u64(dir, 'memory.swap.current');
  const swapLimit = u64(dir, 'memory.swap.max') ?? 0n;
  // as runc: v1 reports swap as mem+swap, so v2 adds memory to swap
  const swap = entry(swapLimit === MAX_U64 ? swapLimit : swapLimit + usage.limit, (swapUsage ?? 0n) + (usage.usage ?? 0n), undefined, undefined);
  return {
    cache: nz(raw?.file),
    usage,
    swap,
    kernel: emptyEntry(),
    kernelTCP: emptyEntry(),
    raw: raw && Object.keys(raw).length ? sortKeys(raw) : undefined,
  };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

// ---- pids ------------------------------------------------------------------

function pids(dir: string): Stats['pids'] {
  let current = u64(dir, 'pids.current');
  if (current === undefined) {
    const procs = readText(dir, 'cgroup.procs');
    if (procs !== undefined) current = BigInt(procs.split('\n').filter(Boolean).length);
  }
  const limit = u64(dir, 'pids.max');
  return { current: nz(current), limit: limit === MAX_U64 ? undefined : nz(limit) };
}

// ---- blkio -----------------------------------------------------------------

function blkioEntries(dir: string, name: string): BlkioEntry[] {
  const t = readText(dir, name);
  if (!t) return [];
  const out: BlkioEntry[] = [];
  for (const line of t.split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev) continue; // "Total N" and blank lines
    const value = parseU64(f[f.length - 1]) ?? 0n;
    out.push({ major: nz(BigInt(dev[1])), minor: nz(BigInt(dev[2])), op: f.length === 3 ? f[1] : undefined, value: nz(value) });
  }
  return out;
}

function blkioV1(dir: string): Stats['blkio'] {
  const out: Stats['blkio'] = {};
  const put = (key: string, file: string) => {
    const e = blkioEntries(dir, file);
    if (e.length) out[key] = e;
  };
  if (existsSync(posix.join(dir, 'blkio.io_serviced_recursive'))) {
    // CFQ
    put('ioServiceBytesRecursive', 'blkio.io_service_bytes_recursive');
    put('ioServicedRecursive', 'blkio.io_serviced_recursive');
    put('ioQueueRecursive', 'blkio.io_queued_recursive');
    put('ioServiceTimeRecursive', 'blkio.io_service_time_recursive');
    put('ioWaitTimeRecursive', 'blkio.io_wait_time_recursive');
    put('ioMergedRecursive', 'blkio.io_merged_recursive');
    put('ioTimeRecursive', 'blkio.time_recursive');
    put('sectorsRecursive', 'blkio.sectors_recursive');
  } else if (existsSync(posix.join(dir, 'blkio.bfq.io_serviced_recursive'))) {
    put('ioServiceBytesRecursive', 'blkio.bfq.io_service_bytes_recursive');
    put('ioServicedRecursive', 'blkio.bfq.io_serviced_recursive');
  } else {
    put('ioServiceBytesRecursive', 'blkio.throttle.io_service_bytes_recursive');
    put('ioServicedRecursive', 'blkio.throttle.io_serviced_recursive');
  }
  return out;
}

function ioV2(dir: string): Stats['blkio'] {
  const t = readText(dir, 'io.stat');
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (t ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev) continue;
    for (const item of f.slice(1)) {
      const [k, v] = item.split('=');
      const target = k === 'rbytes' || k === 'wbytes' ? bytes : k === 'rios' || k === 'wios' ? ios : undefined;
      if (!target) continue;
      target.push({ major: nz(BigInt(dev[1])), minor: nz(BigInt(dev[2])), op: k[0] === 'r' ? 'Read' : 'Write', value: nz(parseU64(v ?? '') ?? 0n) });
    }
  }
  const out: Stats['blkio'] = {};
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}

// ---- hugetlb ---------------------------------------------------------------

function pageSizes(dir: string, suffix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^hugetlb\\.([^.]+)\\.${suffix.replace(/\./g, '\\.')}$`);
  return names.map((n) => re.exec(n)?.[1]).filter((x): x is string => !!x).sort();
}

function hugetlbV1(dir: string): Stats['hugetlb'] {
  const out: Stats['hugetlb'] = {};
  for (const size of pageSizes(dir, 'usage_in_bytes')) {
    out[size] = { usage: nz(u64(dir, `hugetlb.${size}.usage_in_bytes`)), max: nz(u64(dir, `hugetlb.${size}.max_usage_in_bytes`)), failcnt: u64(dir, `hugetlb.${size}.failcnt`) ?? 0n };
  }
  return out;
}

function hugetlbV2(dir: string): Stats['hugetlb'] {
  const out: Stats['hugetlb'] = {};
  for (const size of pageSizes(dir, 'current')) {
    const events = keyValues(dir, `hugetlb.${size}.events`);
    out[size] = { usage: nz(u64(dir, `hugetlb.${size}.current`)), failcnt: events?.max ?? 0n };
  }
  return out;
}

// ---- all -------------------------------------------------------------------

/** The stats of a container's cgroup, given the manager's mode and paths. */
export function readStats(mode: CgroupMode, paths: Record<string, string>): Stats {
  const v2 = mode === 'v2' ? paths.unified : undefined;
  const uni = paths.unified;
  const has = (dir: string | undefined, file: string) => !!dir && existsSync(posix.join(dir, file));
  const cpu = v2 !== undefined ? cpuV2(v2) : cpuV1(paths.cpuacct, paths.cpu);
  const memory = v2 !== undefined ? memoryV2(v2) : paths.memory ? memoryV1(paths.memory) : { usage: emptyEntry(), swap: emptyEntry(), kernel: emptyEntry(), kernelTCP: emptyEntry() };
  const p = v2 !== undefined ? pids(v2) : paths.pids ? pids(paths.pids) : {};
  const blkio = v2 !== undefined ? ioV2(v2) : paths.blkio ? blkioV1(paths.blkio) : {};
  const hugetlb = paths.hugetlb && mode !== 'v2' && paths.hugetlb !== uni ? hugetlbV1(paths.hugetlb) : has(uni, 'cgroup.controllers') ? hugetlbV2(uni!) : {};
  return {
    cpu,
    cpuset: cpuset(v2 !== undefined ? undefined : paths.cpuset),
    memory,
    pids: p,
    blkio,
    hugetlb,
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** The OOM-kill counter: v1 memory.oom_control oom_kill, v2 memory.events oom_kill (0 when absent). */
export function oomKillCount(mode: CgroupMode, paths: Record<string, string>): U64 {
  if (mode === 'v2' && paths.unified) return keyValues(paths.unified, 'memory.events')?.oom_kill ?? 0n;
  if (paths.memory) return keyValues(paths.memory, 'memory.oom_control')?.oom_kill ?? 0n;
  return 0n;
}

const BIG = '\u0001big:';

/** JSON with bigints as plain numbers (exact) and undefined fields left out, as Go's encoder with omitempty. */
export function statsJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? BIG + x.toString() : x)).replace(/"\\u0001big:(-?\d+)"/g, '$1');
}
