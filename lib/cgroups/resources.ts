/**
 * linux.resources -> cgroup files, as runc writes them (libcontainer/cgroups/fs
 * for v1 hierarchies, fs2 for the unified one). Each controller is written
 * where it lives: its v1 hierarchy if mounted, else the unified hierarchy if
 * that one offers it (hybrid hosts: hugetlb here). Device rules are not
 * handled here (devices*.ts).
 *
 * Errors name the config field as a JSON pointer: ECGROUP when the host
 * lacks the controller or refuses the write (ENOENT, EBUSY ...),
 * EINVAL_CONFIG when the kernel or runc's rules reject the value (EINVAL).
 */
import { constants, closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError, quoteInput } from '../errors';
import type { LinuxResources, LinuxThrottleDevice } from '../spec/types';
import { codeOf, errText, errnoOf, levelsBelow } from './files';
import type { CgroupMode } from './types';

const P = '/linux/resources';

/** runc's cgroups.ConvertCPUSharesToCgroupV2Value: [2, 262144] -> [1, 10000]. */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** cpu.weight for linux.resources.cpu.shares on cgroup v2; shares outside [2, 262144] are an error naming the field. */
export function sharesToWeightChecked(shares: number): number {
  if (shares < 2 || shares > 262144) throw invalid('cpu/shares', `cpu shares ${shares} out of range [2, 262144] for cgroup v2 (cpu.weight)`);
  return cpuSharesToWeight(shares);
}

/** runc's cgroups.ConvertBlkIOToIOWeightValue: [10, 1000] -> [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * runc's cgroups.ConvertMemorySwapToCgroupV2Value: the spec's swap is
 * memory+swap (v1 memsw); v2 memory.swap.max is the swap alone.
 */
export function memorySwapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) throw invalid('memory/swap', 'unable to set swap limit without memory limit');
  if (limit < 0) throw invalid('memory/limit', `invalid memory value: ${limit}`);
  if (swap < limit) throw invalid('memory/swap', 'memory+swap limit should be >= memory limit');
  return swap - limit;
}

/** cpu.max: "quota period", "max period", or one word when the period is unset. */
export function cpuMax(quota: number, period: number): string {
  let s = quota > 0 ? String(quota) : 'max';
  if (period) s += ` ${period}`;
  return s;
}

/** fs2 numToStr: 0 = unset (''), -1 = 'max'. */
function numToStr(v: number): string {
  if (v === 0) return '';
  if (v === -1) return 'max';
  return String(v);
}

export function invalid(field: string, msg: string): OcitsError {
  const pointer = `${P}/${field}`;
  return new OcitsError('EINVAL_CONFIG', `${pointer}: ${msg}`, { pointer });
}

export interface ResourceTarget {
  mode: CgroupMode;
  paths: Record<string, string>;
  bases: Record<string, string>;
}

/** v1 controller name -> its v2 name. */
const V2_NAME: Record<string, string> = { blkio: 'io', cpu: 'cpu', cpuset: 'cpuset', memory: 'memory', pids: 'pids', hugetlb: 'hugetlb', rdma: 'rdma' };

interface Where {
  dir: string;
  v2: boolean;
}

class Writer {
  private unifiedCtl?: string[];
  private enabled = new Set<string>();
  readonly written: [string, string][] = [];

  constructor(
    private readonly t: ResourceTarget,
    readonly warn: (msg: string) => void,
  ) {}

  /** The controllers the unified hierarchy offers (its top's cgroup.controllers). */
  private unifiedControllers(): string[] {
    if (this.unifiedCtl) return this.unifiedCtl;
    const base = this.t.bases.unified;
    let text = '';
    try {
      text = readFileSync(posix.join(base, 'cgroup.controllers'), 'utf8');
    } catch {
      // no list: nothing offered
    }
    return (this.unifiedCtl = text.split(/\s+/).filter(Boolean));
  }

  /** Where a controller lives; throws naming `field` when nowhere. */
  where(ctrl: string, field: string): Where {
    if (this.t.mode !== 'v2' && this.t.paths[ctrl]) return { dir: this.t.paths[ctrl], v2: false };
    const v2name = V2_NAME[ctrl];
    if (this.t.paths.unified && v2name && this.unifiedControllers().includes(v2name)) {
      const dir = this.t.paths.unified;
      this.enable(v2name);
      return { dir, v2: true };
    }
    const pointer = `${P}/${field}`;
    const what = this.t.mode === 'v2' ? `the cgroup v2 controller ${quoteInput(v2name ?? ctrl)}` : `the cgroup controller ${quoteInput(ctrl)}`;
    throw new OcitsError('ECGROUP', `cannot set ${pointer}: ${what} is not available on this host (container could not join or create cgroup)`, {
      pointer,
    });
  }

  /** v2: "+ctrl" into cgroup.subtree_control from the base down to the container's parent (runc's CreateCgroupPath). */
  enable(v2name: string): void {
    if (this.enabled.has(v2name)) return;
    this.enabled.add(v2name);
    enableControllers(this.t.bases.unified, this.t.paths.unified, [v2name], true);
  }

  /** Write one value the way runc does (O_WRONLY|O_TRUNC, no create); errors name the field. */
  write(dir: string, name: string, value: string, field: string): void {
    const file = posix.join(dir, name);
    try {
      writeCgroupFile(file, value);
      this.written.push([file, value]);
    } catch (err) {
      const pointer = `${P}/${field}`;
      const c = codeOf(err);
      const code = c === 'EINVAL' || c === 'ERANGE' ? 'EINVAL_CONFIG' : 'ECGROUP';
      const hint = c === 'ENOENT' ? ' (the kernel does not offer this setting here)' : '';
      throw new OcitsError(code, `cannot set ${pointer}: write ${JSON.stringify(value)} to ${file}: ${errText(err)}${hint}`, {
        pointer,
        errno: errnoOf(err),
        cause: err,
      });
    }
  }

  read(dir: string, name: string): string {
    try {
      return readFileSync(posix.join(dir, name), 'utf8').trim();
    } catch {
      return '';
    }
  }
}

/**
 * v2: the controllers into cgroup.subtree_control of every level from base down
 * to dir's parent, where missing (runc fs2 CreateCgroupPath). strict: a refusal
 * is an error; else, as runc, all at once, then one by one, refusals left out.
 */
export function enableControllers(base: string, dir: string, ctrls: readonly string[], strict: boolean): void {
  const levels = [base, ...levelsBelow(base, dir)];
  levels.pop(); // not the container's own dir
  for (const level of levels) {
    const file = posix.join(level, 'cgroup.subtree_control');
    let cur: string[] = [];
    try {
      cur = readFileSync(file, 'utf8').split(/\s+/);
    } catch {
      // written below
    }
    const missing = ctrls.filter((c) => !cur.includes(c));
    if (!missing.length) continue;
    // not strict: only where the file is there (a real cgroup; fake trees in tests have none)
    if (!strict && !existsSync(file)) continue;
    try {
      writeFileMaybeCreate(file, missing.map((c) => `+${c}`).join(' '));
    } catch (err) {
      if (strict) throw new OcitsError('ECGROUP', `enable the cgroup v2 controller ${missing.join(' ')} in ${file}: ${errText(err)}`, { errno: errnoOf(err), cause: err });
      for (const c of missing) {
        try {
          writeFileMaybeCreate(file, `+${c}`);
        } catch {
          // this level cannot have it: the container goes without
        }
      }
    }
  }
}

function writeCgroupFile(file: string, value: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

function writeFileMaybeCreate(file: string, value: string): void {
  const fd = openSync(file, constants.O_WRONLY | (existsSync(file) ? 0 : constants.O_CREAT), 0o644);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

const isSet = (v: unknown) => v !== undefined && v !== null;

function setMemory(w: Writer, r: LinuxResources): void {
  const m = r.memory;
  if (!m) return;
  if (isSet(m.kernel)) w.warn('linux.resources.memory.kernel is ignored: kernel memory limits are deprecated (as runc 1.2)');
  let limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  const reservation = m.reservation ?? 0;
  const anyLimit = limit !== 0 || swap !== 0 || reservation !== 0 || isSet(m.swappiness) || m.disableOOMKiller || isSet(m.kernelTCP);
  if (!anyLimit) return;
  const where = w.where('memory', limit ? 'memory/limit' : swap ? 'memory/swap' : reservation ? 'memory/reservation' : 'memory');
  const dir = where.dir;
  if (where.v2) {
    // fs2 setMemory
    if (m.checkBeforeUpdate && limit > 0) {
      const usage = Number(w.read(dir, 'memory.current') || 0);
      if (usage >= limit) throw invalid('memory/limit', `rejecting memory limit ${limit} below current usage ${usage}`);
    }
    const v2swap = memorySwapToV2(swap, limit);
    let swapStr = numToStr(v2swap);
    if (swapStr === '' && v2swap === 0 && swap > 0) swapStr = '0'; // limit == swap: no swap
    if (swapStr !== '') {
      if (existsSync(posix.join(dir, 'memory.swap.max')) || !(swapStr === 'max' || swapStr === '0')) {
        w.write(dir, 'memory.swap.max', swapStr, 'memory/swap');
      }
    }
    if (numToStr(limit)) w.write(dir, 'memory.max', numToStr(limit), 'memory/limit');
    if (numToStr(reservation)) w.write(dir, 'memory.low', numToStr(reservation), 'memory/reservation');
    if (isSet(m.swappiness) && m.swappiness !== -1) w.warn('linux.resources.memory.swappiness is ignored on cgroup v2 (as runc)');
    if (m.disableOOMKiller) w.warn('linux.resources.memory.disableOOMKiller is ignored on cgroup v2 (as runc)');
    if (isSet(m.kernelTCP)) w.warn('linux.resources.memory.kernelTCP is ignored on cgroup v2 (as runc)');
    return;
  }
  // fs setMemoryAndSwap
  if (limit === -1 && swap === 0 && existsSync(posix.join(dir, 'memory.memsw.limit_in_bytes'))) swap = -1;
  const setLimit = () => {
    if (limit !== 0) w.write(dir, 'memory.limit_in_bytes', String(limit), 'memory/limit');
  };
  const setSwap = () => {
    if (swap !== 0) w.write(dir, 'memory.memsw.limit_in_bytes', String(swap), 'memory/swap');
  };
  let swapFirst = false;
  if (limit !== 0 && swap !== 0) {
    const cur = Number(w.read(dir, 'memory.limit_in_bytes'));
    swapFirst = swap === -1 || (Number.isFinite(cur) && cur < swap);
  }
  if (swapFirst) {
    setSwap();
    setLimit();
  } else {
    setLimit();
    setSwap();
  }
  if (reservation !== 0) w.write(dir, 'memory.soft_limit_in_bytes', String(reservation), 'memory/reservation');
  if (isSet(m.kernelTCP) && m.kernelTCP !== 0) w.write(dir, 'memory.kmem.tcp.limit_in_bytes', String(m.kernelTCP), 'memory/kernelTCP');
  if (m.disableOOMKiller) w.write(dir, 'memory.oom_control', '1', 'memory/disableOOMKiller');
  if (isSet(m.swappiness) && m.swappiness !== -1) {
    const s = m.swappiness!;
    if (s < 0 || s > 100) throw invalid('memory/swappiness', `invalid memory swappiness value: ${s} (valid range is 0-100)`);
    w.write(dir, 'memory.swappiness', String(s), 'memory/swappiness');
  }
}

function setCpu(w: Writer, r: LinuxResources): void {
  const c = r.cpu;
  if (!c) return;
  const shares = c.shares ?? 0;
  const quota = c.quota ?? 0;
  const period = c.period ?? 0;
  const rtRuntime = c.realtimeRuntime ?? 0;
  const rtPeriod = c.realtimePeriod ?? 0;
  if (shares || quota || period || isSet(c.burst) || isSet(c.idle) || rtRuntime || rtPeriod) {
    const field = shares ? 'cpu/shares' : quota ? 'cpu/quota' : period ? 'cpu/period' : isSet(c.burst) ? 'cpu/burst' : isSet(c.idle) ? 'cpu/idle' : 'cpu/realtimeRuntime';
    const { dir, v2 } = w.where('cpu', field);
    if (v2) {
      // fs2 setCPU
      if (rtRuntime || rtPeriod) {
        throw new OcitsError('ECGROUP', `cannot set ${P}/cpu/${rtRuntime ? 'realtimeRuntime' : 'realtimePeriod'}: cgroup v2 has no realtime cpu settings`, {
          pointer: `${P}/cpu/${rtRuntime ? 'realtimeRuntime' : 'realtimePeriod'}`,
        });
      }
      if (isSet(c.idle)) w.write(dir, 'cpu.idle', String(c.idle), 'cpu/idle');
      if (shares) w.write(dir, 'cpu.weight', String(sharesToWeightChecked(shares)), 'cpu/shares');
      let burst = '';
      if (isSet(c.burst)) {
        burst = String(c.burst);
        w.write(dir, 'cpu.max.burst', burst, 'cpu/burst');
      }
      if (quota || period) {
        w.write(dir, 'cpu.max', cpuMax(quota, period), quota ? 'cpu/quota' : 'cpu/period');
        if (burst) w.write(dir, 'cpu.max.burst', burst, 'cpu/burst');
      }
      return;
    }
    // fs CpuGroup.Set (rt first: runc sets it before the init joins)
    if (rtPeriod) w.write(dir, 'cpu.rt_period_us', String(rtPeriod), 'cpu/realtimePeriod');
    if (rtRuntime) w.write(dir, 'cpu.rt_runtime_us', String(rtRuntime), 'cpu/realtimeRuntime');
    if (shares) {
      w.write(dir, 'cpu.shares', String(shares), 'cpu/shares');
      const got = Number(w.read(dir, 'cpu.shares'));
      if (Number.isFinite(got) && got > 0 && got !== shares) {
        throw invalid('cpu/shares', shares > got ? `the maximum allowed cpu-shares is ${got}` : `the minimum allowed cpu-shares is ${got}`);
      }
    }
    let retryPeriod = false;
    if (period) {
      try {
        w.write(dir, 'cpu.cfs_period_us', String(period), 'cpu/period');
      } catch (e) {
        // a smaller period can be refused until the quota is set: retry after it
        if (!((e as OcitsError).code === 'EINVAL_CONFIG' && quota)) throw e;
        retryPeriod = true;
      }
    }
    let burst = '';
    if (isSet(c.burst)) {
      burst = String(c.burst);
      try {
        w.write(dir, 'cpu.cfs_burst_us', burst, 'cpu/burst');
      } catch (e) {
        if (!((e as OcitsError).code === 'EINVAL_CONFIG' && quota)) throw e;
      }
    }
    if (quota) {
      w.write(dir, 'cpu.cfs_quota_us', String(quota), 'cpu/quota');
      if (retryPeriod) w.write(dir, 'cpu.cfs_period_us', String(period), 'cpu/period');
      if (burst) w.write(dir, 'cpu.cfs_burst_us', burst, 'cpu/burst');
    }
    if (isSet(c.idle)) w.write(dir, 'cpu.idle', String(c.idle), 'cpu/idle');
  }
  if (c.cpus || c.mems) {
    const { dir } = w.where('cpuset', c.cpus ? 'cpu/cpus' : 'cpu/mems');
    if (c.cpus) w.write(dir, 'cpuset.cpus', c.cpus, 'cpu/cpus');
    if (c.mems) w.write(dir, 'cpuset.mems', c.mems, 'cpu/mems');
  }
}

function setPids(w: Writer, r: LinuxResources): void {
  if (!r.pids || !isSet(r.pids.limit)) return;
  const { dir } = w.where('pids', 'pids/limit');
  // runc 1.2: a limit of 0 or below is "no limit"
  const limit = r.pids.limit > 0 ? String(r.pids.limit) : 'max';
  w.write(dir, 'pids.max', limit, 'pids/limit');
}

const THROTTLE: [keyof NonNullable<LinuxResources['blockIO']>, string, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
];

function setBlkio(w: Writer, r: LinuxResources): void {
  const b = r.blockIO;
  if (!b) return;
  const any =
    !!b.weight || !!b.leafWeight || (b.weightDevice?.length ?? 0) > 0 || THROTTLE.some(([k]) => ((b[k] as LinuxThrottleDevice[] | undefined)?.length ?? 0) > 0);
  if (!any) return;
  const first = b.weight ? 'blockIO/weight' : b.leafWeight ? 'blockIO/leafWeight' : b.weightDevice?.length ? 'blockIO/weightDevice' : 'blockIO';
  const { dir, v2 } = w.where('blkio', first);
  if (v2) {
    // fs2 setIo
    const bfq = existsSync(posix.join(dir, 'io.bfq.weight'));
    if (b.weight) {
      if (bfq) w.write(dir, 'io.bfq.weight', String(b.weight), 'blockIO/weight');
      else w.write(dir, 'io.weight', String(blkioWeightToIoWeight(b.weight)), 'blockIO/weight');
    }
    if (b.leafWeight) w.warn('linux.resources.blockIO.leafWeight is ignored on cgroup v2 (as runc)');
    (b.weightDevice ?? []).forEach((d, i) => {
      if (!d.weight) return;
      if (bfq) w.write(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, `blockIO/weightDevice/${i}/weight`);
      else w.warn(`linux.resources.blockIO.weightDevice[${i}] is ignored: cgroup v2 per-device weights need the bfq scheduler (as runc)`);
    });
    for (const [key, , v2key] of THROTTLE) {
      ((b[key] as LinuxThrottleDevice[] | undefined) ?? []).forEach((d, i) =>
        w.write(dir, 'io.max', `${d.major}:${d.minor} ${v2key}=${d.rate}`, `blockIO/${key}/${i}`),
      );
    }
    return;
  }
  // fs BlkioGroup.Set
  const plain = existsSync(posix.join(dir, 'blkio.weight'));
  const weightFile = plain ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDeviceFile = plain ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  if (b.weight) w.write(dir, weightFile, String(b.weight), 'blockIO/weight');
  if (b.leafWeight) w.write(dir, 'blkio.leaf_weight', String(b.leafWeight), 'blockIO/leafWeight');
  (b.weightDevice ?? []).forEach((d, i) => {
    if (d.weight) w.write(dir, weightDeviceFile, `${d.major}:${d.minor} ${d.weight}`, `blockIO/weightDevice/${i}/weight`);
    if (d.leafWeight) w.write(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, `blockIO/weightDevice/${i}/leafWeight`);
  });
  for (const [key, file] of THROTTLE) {
    ((b[key] as LinuxThrottleDevice[] | undefined) ?? []).forEach((d, i) => w.write(dir, file, `${d.major}:${d.minor} ${d.rate}`, `blockIO/${key}/${i}`));
  }
}

function setHugetlb(w: Writer, r: LinuxResources): void {
  const list = r.hugepageLimits ?? [];
  if (!list.length) return;
  const { dir, v2 } = w.where('hugetlb', 'hugepageLimits/0');
  list.forEach((h, i) => {
    const field = `hugepageLimits/${i}`;
    if (!/^[0-9]+[KMG]B$/.test(h.pageSize)) throw invalid(`${field}/pageSize`, `invalid hugepage size ${quoteInput(h.pageSize)}`);
    const base = `hugetlb.${h.pageSize}`;
    const files = v2 ? [`${base}.rsvd.max`, `${base}.max`] : [`${base}.rsvd.limit_in_bytes`, `${base}.limit_in_bytes`];
    if (!existsSync(posix.join(dir, files[1]))) {
      throw new OcitsError('ECGROUP', `cannot set ${P}/${field}: hugepage size ${h.pageSize} is not supported by this host (no ${files[1]})`, {
        pointer: `${P}/${field}`,
      });
    }
    // runc 1.2: the reservation limit too, where the kernel has it
    if (existsSync(posix.join(dir, files[0]))) w.write(dir, files[0], String(h.limit), `${field}/limit`);
    w.write(dir, files[1], String(h.limit), `${field}/limit`);
  });
}

function setNetwork(w: Writer, r: LinuxResources): void {
  const n = r.network;
  if (!n) return;
  if (isSet(n.classID) && n.classID !== 0) {
    const { dir } = w.where('net_cls', 'network/classID');
    w.write(dir, 'net_cls.classid', String(n.classID), 'network/classID');
  }
  if (n.priorities?.length) {
    const { dir } = w.where('net_prio', 'network/priorities');
    n.priorities.forEach((p, i) => w.write(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `network/priorities/${i}`));
  }
}

function setRdma(w: Writer, r: LinuxResources): void {
  const entries = Object.entries(r.rdma ?? {});
  if (!entries.length) return;
  const { dir } = w.where('rdma', `rdma/${entries[0][0]}`);
  for (const [dev, lim] of entries) {
    const parts: string[] = [];
    if (isSet(lim.hcaHandles)) parts.push(`hca_handle=${lim.hcaHandles}`);
    if (isSet(lim.hcaObjects)) parts.push(`hca_object=${lim.hcaObjects}`);
    if (parts.length) w.write(dir, 'rdma.max', `${dev} ${parts.join(' ')}`, `rdma/${escapePointer(dev)}`);
  }
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function setUnified(w: Writer, t: ResourceTarget, r: LinuxResources): void {
  const entries = Object.entries(r.unified ?? {});
  if (!entries.length) return;
  if (!t.paths.unified) {
    const pointer = `${P}/unified`;
    throw new OcitsError('EINVAL_CONFIG', `${pointer}: invalid configuration: cannot use unified on cgroup v1`, { pointer });
  }
  const dir = t.paths.unified;
  for (const [key, value] of entries) {
    const field = `unified/${escapePointer(key)}`;
    if (key.includes('/') || key === '' || key === '.' || key === '..') throw invalid(field, `unified resource ${quoteInput(key)} must be a file name (no slashes)`);
    const ctrl = key.split('.')[0];
    if (ctrl !== 'cgroup') {
      const offered = existsSync(posix.join(t.bases.unified, 'cgroup.controllers'))
        ? readFileSync(posix.join(t.bases.unified, 'cgroup.controllers'), 'utf8').split(/\s+/)
        : [];
      if (!offered.includes(ctrl)) {
        const pointer = `${P}/${field}`;
        const hybrid = t.mode === 'hybrid' ? ' (on this hybrid host the unified hierarchy offers only: ' + (offered.filter(Boolean).join(' ') || 'none') + ')' : '';
        // a config error, in runc's words ("invalid configuration", "can't be set: controller ... not available")
        throw new OcitsError('EINVAL_CONFIG', `invalid configuration: ${pointer}: unified resource ${quoteInput(key)} can't be set: controller ${quoteInput(ctrl)} not available${hybrid}`, { pointer });
      }
      w.enable(ctrl);
    }
    w.write(dir, key, value, field);
  }
}

/**
 * Apply linux.resources to the container's cgroup, in runc's order.
 * Returns the (file, value) pairs written, in order.
 */
export function applyResources(t: ResourceTarget, r: LinuxResources | undefined, warn: (msg: string) => void = () => {}): [string, string][] {
  const w = new Writer(t, warn);
  if (!r) return w.written;
  // runc's v1 subsystem order: cpuset, devices (not here), memory, cpu, blkio, hugetlb, net_cls, net_prio, pids, rdma
  if (r.cpu) {
    const { cpus, mems, ...rest } = r.cpu;
    setCpu(w, { cpu: { cpus, mems } });
    setMemory(w, r);
    setCpu(w, { cpu: rest });
  } else setMemory(w, r);
  setBlkio(w, r);
  setHugetlb(w, r);
  setNetwork(w, r);
  setPids(w, r);
  setRdma(w, r);
  setUnified(w, t, r);
  return w.written;
}
