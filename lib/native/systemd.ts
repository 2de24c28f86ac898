/**
 * The typed face of the sd-bus module (addon/systemd/sdbus.cc, ocits_systemd.node):
 * systemd's Manager API over D-Bus, for the systemd cgroup driver only. A module
 * of its own, loaded on first use, so that no other command pays for libsystemd.
 */
import * as path from 'node:path';
import { buildDir } from './index';

/** [property name, D-Bus signature, value]: "t" takes a bigint or number, "ay" a Buffer, "a(ss)" [string, string][] ... */
export type UnitProperty = [string, string, unknown];

/** What a failed call throws: `dbusName` is the D-Bus error name (org.freedesktop.systemd1.NoSuchUnit ...) when the bus answered one. */
export interface BusError extends Error {
  dbusName?: string;
  errno?: number;
}

export interface SystemdBus {
  /** StartTransientUnit, then wait (at most timeoutMs) for its job: "done", "failed", ... or "timeout" */
  startTransientUnit(name: string, mode: string, props: UnitProperty[], timeoutMs: number): string;
  /** StopUnit, then wait for its job, likewise */
  stopUnit(name: string, mode: string, timeoutMs: number): string;
  resetFailedUnit(name: string): void;
  setUnitProperties(name: string, runtime: boolean, props: UnitProperty[]): void;
  /** a string property of the Manager (Version, ControlGroup ...) */
  managerProperty(name: string): string;
}

let bus: SystemdBus | undefined;

export function systemdBus(): SystemdBus {
  if (!bus) {
    const m = { exports: {} as SystemdBus };
    process.dlopen(m, path.join(buildDir(), 'ocits_systemd.node'));
    bus = m.exports;
  }
  return bus;
}
