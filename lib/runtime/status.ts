/** The container's status as the CLI reports it, derived from what is true now. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPaused } from '../cgroups/freezer';
import { isAlive } from '../state/proc';
import { FIFO_FILE, type StoredState } from '../state/store';

export type Status = 'created' | 'running' | 'paused' | 'stopped';

export function statusOf(s: StoredState, stateDir: string): Status {
  if (!s.pid || !isAlive(s.pid, s.initStartTime)) return 'stopped';
  if (fs.existsSync(path.join(stateDir, FIFO_FILE))) return 'created';
  return s.cgroup?.paths && isPaused(s.cgroup.paths) ? 'paused' : 'running';
}

/**
 * RFC3339 with nanoseconds in UTC, trailing zeros trimmed (Go's RFC3339Nano).
 * The wall clock gives milliseconds; the monotonic clock gives the digits
 * below them (Node's `performance` would cost a module load for that).
 */
export function rfc3339Nano(): string {
  const ms = Date.now();
  const secs = Math.floor(ms / 1000);
  const nanos = (ms - secs * 1000) * 1e6 + Number(process.hrtime.bigint() % 1000000n);
  const base = new Date(secs * 1000).toISOString().slice(0, 19);
  const frac = nanos > 0 ? '.' + String(nanos).padStart(9, '0').replace(/0+$/, '') : '';
  return `${base}${frac}Z`;
}
