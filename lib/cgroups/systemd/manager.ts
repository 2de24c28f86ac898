/**
 * The systemd cgroup driver's manager (--systemd-cgroup), as runc 1.1's
 * unifiedManager (v2) and legacyManager (v1, hybrid) work:
 *
 *  - the container's cgroup is a transient unit, "<prefix>-<name>.scope" in its
 *    slice, started over D-Bus (StartTransientUnit, waiting for its job) when the
 *    init's pid is known, with the pid, Delegate=yes, accounting, and the
 *    resource and device properties systemd owns (runc sets those with a second
 *    call, SetUnitProperties; one call here);
 *  - then, as runc, the same files as the cgroupfs driver writes: every
 *    resource (what systemd cannot express, and what it expresses in its own
 *    rounding), the device rules (v1 files, v2 eBPF program beside systemd's),
 *    and on v1 the hierarchies systemd does not manage (cpuset, freezer, ...);
 *  - update: SetUnitProperties (runtime) and the files; pause/resume, ps,
 *    events, stats, kill --all: the files, as runc;
 *  - delete: what is left is killed, the unit stopped (its job awaited) and
 *    reset if failed, then whatever dir is left removed (never a slice).
 *
 * Until the init's pid arrives (create), set() and devices() only check and
 * keep what the unit will start with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { OcitsError } from '../../errors';
import { systemdBus, type BusError, type UnitProperty } from '../../native/systemd';
import type { LinuxResources } from '../../spec/types';
import { applyDeviceRules, type BpfAttacher, type DeviceRule } from '../devices';
import { sleepMs } from '../files';
import { FsManager } from '../fs';
import type { Hierarchy } from '../mounts';
import type { HierarchyDir } from '../paths';
import type { Stats } from '../stats';
import type { CgroupManager, CgroupMode, SavedCgroup } from '../types';
import { deviceProperties, resourceProperties, scopeProperties, type PropertyContext } from './properties';
import { systemdVersionOf } from './unit';

/** runc waits 30 s for a unit's job. */
export const JOB_TIMEOUT_MS = 30_000;
/** How long destroy() waits for killed processes to leave before it stops the unit. */
const KILL_WAIT_MS = 2000;

/** Keys whose dirs systemd itself makes and fills (v1: name=systemd; hybrid: also the unified one). */
const SYSTEMD_OWNED = new Set(['name=systemd', 'unified']);

function isDbus(e: unknown, name: string): boolean {
  return (e as BusError | null)?.dbusName === `org.freedesktop.systemd1.${name}`;
}

function busError(what: string, e: unknown): OcitsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new OcitsError('ECGROUP', `${what}: ${msg}`, { cause: e });
}

let versionCache: number | undefined;

export class SystemdManager implements CgroupManager {
  readonly driver = 'systemd' as const;
  readonly mode: CgroupMode;
  readonly paths: Record<string, string>;
  readonly unit: string;
  readonly slice: string;
  private readonly name: string;
  private readonly bases: Record<string, string>;
  /** every dir, for the file side (keepParents: the slices are systemd's) */
  private readonly fs: FsManager;
  /** the dirs systemd does not make (v1/hybrid: cpuset, freezer ...); none on v2 */
  private readonly own: FsManager;
  private started: boolean;
  private pendingResources?: LinuxResources;
  private pendingWarn?: (msg: string) => void;
  private pendingRules?: readonly DeviceRule[];
  private pendingBpf?: () => BpfAttacher;

  constructor(o: { mode: CgroupMode; dirs: HierarchyDir[]; unit: string; slice: string; name?: string; started: boolean }) {
    this.mode = o.mode;
    this.unit = o.unit;
    this.slice = o.slice;
    this.name = o.name ?? o.unit;
    this.started = o.started;
    this.fs = new FsManager(o.mode, o.dirs, true);
    this.paths = this.fs.paths;
    this.bases = Object.fromEntries(o.dirs.flatMap((d) => d.keys.map((k) => [k, d.base])));
    const own = o.mode === 'v2' ? [] : o.dirs.map((d) => ({ ...d, keys: d.keys.filter((k) => !SYSTEMD_OWNED.has(k)) })).filter((d) => d.keys.length);
    this.own = new FsManager(o.mode, own, true);
  }

  /** systemd's major version, asked once per process (the properties depend on it). */
  private version(): number {
    if (versionCache === undefined) {
      let v: string;
      try {
        v = systemdBus().managerProperty('Version');
      } catch (e) {
        throw busError('systemd cgroup driver: cannot reach systemd over D-Bus', e);
      }
      versionCache = systemdVersionOf(v);
    }
    return versionCache;
  }

  private context(warn: (msg: string) => void = () => {}): PropertyContext {
    return {
      version: this.version(),
      v2: this.mode === 'v2',
      procDevices: () => readFileSync('/proc/devices', 'utf8'),
      exists: (p) => existsSync(p),
      warn,
    };
  }

  /**
   * Reach systemd before anything of the container exists (a missing bus is
   * reported first). v1/hybrid: the dirs are made now, in every hierarchy, as
   * the cgroupfs driver makes them: the init binds them into the container's
   * /sys/fs/cgroup while the unit is being started (systemd takes a dir that
   * exists; runc makes its own ones after the start).
   */
  create(): void {
    this.version();
    if (this.mode !== 'v2') this.fs.create();
  }

  set(resources: unknown, warn?: (msg: string) => void): void {
    const r = resources as LinuxResources | undefined;
    const props = resourceProperties(r, this.context(warn)); // checks the values, naming the field
    if (!this.started) {
      this.pendingResources = r;
      this.pendingWarn = warn;
      return;
    }
    if (props.length) {
      try {
        systemdBus().setUnitProperties(this.unit, true, props);
      } catch (e) {
        throw busError(`unable to set unit properties of ${this.unit}`, e);
      }
    }
    this.fs.set(r, warn);
  }

  devices(rules: readonly DeviceRule[], bpf: () => BpfAttacher): void {
    if (!this.started) {
      deviceProperties(rules, this.context(() => {})); // checked now, warned at start
      this.pendingRules = rules;
      this.pendingBpf = bpf;
      return;
    }
    applyDeviceRules(this, rules, bpf);
  }

  /** StartTransientUnit and its job; a unit of that name left failed is reset and the start tried once more (runc 1.1.9+). */
  private start(pid: number): void {
    const warn = this.pendingWarn ?? (() => {});
    const ctx = this.context(warn);
    const props: UnitProperty[] = [
      ...scopeProperties({ unit: this.unit, slice: this.slice, name: this.name, pid, v2: this.mode === 'v2' }),
      ...(this.pendingRules ? deviceProperties(this.pendingRules, ctx) : []),
      ...resourceProperties(this.pendingResources, ctx),
    ];
    const bus = systemdBus();
    let result: string | undefined;
    for (let attempt = 0; result === undefined; attempt++) {
      try {
        result = bus.startTransientUnit(this.unit, 'replace', props, JOB_TIMEOUT_MS);
      } catch (e) {
        if (!isDbus(e, 'UnitExists') || attempt > 0) {
          const exists = isDbus(e, 'UnitExists') ? ' (another container has it, or it is still stopping)' : '';
          throw busError(`unable to start unit ${this.unit}${exists}`, e);
        }
        this.resetFailed();
      }
    }
    if (result !== 'done') {
      this.resetFailed();
      throw new OcitsError('ECGROUP', `error creating systemd unit ${this.unit}: got ${result}`);
    }
    this.started = true;
  }

  private resetFailed(): void {
    try {
      systemdBus().resetFailedUnit(this.unit);
    } catch {
      // NoSuchUnit, or nothing to reset
    }
  }

  addPid(pid: number, sub?: Record<string, string>): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new OcitsError('ECGROUP', `cannot place pid ${pid} in a cgroup: not a process id`);
    if (this.started) {
      this.fs.addPid(pid, sub); // a process joining a running container (exec, exec --cgroup)
      return;
    }
    this.start(pid);
    // v1/hybrid: the hierarchies systemd leaves alone, as runc's joinCgroups
    this.own.create();
    this.own.addPid(pid);
    if (this.mode === 'v2' && !existsSync(this.paths.unified)) {
      throw new OcitsError('ECGROUP', `systemd started ${this.unit} but its cgroup ${this.paths.unified} does not exist`);
    }
    if (this.pendingRules) applyDeviceRules(this, this.pendingRules, this.pendingBpf!);
    if (this.pendingResources) this.fs.set(this.pendingResources, this.pendingWarn);
    this.pendingRules = this.pendingBpf = this.pendingResources = this.pendingWarn = undefined;
  }

  pids(): number[] {
    return this.fs.pids();
  }

  exists(): boolean {
    return this.fs.exists();
  }

  killAll(signal: number): void {
    this.fs.killAll(signal);
  }

  destroy(opts: { keepOthers?: boolean } = {}): void {
    let left = this.fs.pids();
    if (left.length && opts.keepOthers) return; // another container's processes: its unit too
    // Kill what is left first: stopping a unit with processes waits for them (SIGTERM, TimeoutStopSec).
    if (left.length) {
      const deadline = Date.now() + KILL_WAIT_MS;
      try {
        if (this.paths.freezer || this.mode === 'v2') this.fs.thaw();
      } catch {
        // not frozen, or no freezer: the kill below says what stays
      }
      while (left.length && Date.now() < deadline) {
        try {
          this.fs.killAll(9);
        } catch {
          // best effort; what stays is reported below
        }
        sleepMs(10);
        left = this.fs.pids();
      }
    }
    let stopError: OcitsError | undefined;
    try {
      const result = systemdBus().stopUnit(this.unit, 'replace', JOB_TIMEOUT_MS);
      if (result === 'timeout') stopError = new OcitsError('ECGROUP', `timed out while waiting for systemd to remove ${this.unit}`);
    } catch (e) {
      // a scope whose last process left is gone already
      if (!isDbus(e, 'NoSuchUnit')) stopError = busError(`unable to stop unit ${this.unit}`, e);
    }
    this.resetFailed();
    // what systemd did not remove: v1 hierarchies it does not manage, sub-cgroups
    this.fs.destroy();
    if (stopError) throw stopError;
  }

  freeze(): void {
    this.fs.freeze();
  }

  thaw(): void {
    this.fs.thaw();
  }

  freezing(): boolean {
    return this.fs.freezing();
  }

  stats(): Stats {
    return this.fs.stats();
  }

  toJSON(): SavedCgroup {
    return { driver: this.driver, mode: this.mode, paths: { ...this.paths }, bases: { ...this.bases }, unit: this.unit, slice: this.slice };
  }
}

/** The dirs of a unit in each hierarchy (runc: v2 the slice path below the mount; v1 below pid 1's cgroup of each hierarchy, init.scope trimmed). */
export function unitDirs(
  mode: CgroupMode,
  hierarchies: Hierarchy[],
  slicePath: string,
  unit: string,
  initCgroup: (h: Hierarchy) => string,
): HierarchyDir[] {
  return hierarchies.map((h) => {
    let base = h.mountpoint;
    if (mode !== 'v2') {
      const init = posix.normalize(initCgroup(h) || '/');
      const trimmed = init.endsWith('/init.scope') ? posix.dirname(init) : init === 'init.scope' ? '/' : init;
      base = posix.join(h.mountpoint, trimmed);
    }
    return { keys: h.keys, dir: posix.join(base, slicePath, unit), base };
  });
}
