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
 * "YYYY-MM-DDTHH:MM:SS" in UTC of a time in seconds since the epoch, by
 * arithmetic (H. Hinnant's civil_from_days): a Date object would make V8
 * load the local time zone through ICU (~1 ms and a dozen syscalls) for a
 * UTC string.
 */
export function utcSeconds(secs: number): string {
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(Math.floor(sod / 3600))}:${p2(Math.floor(sod / 60) % 60)}:${p2(sod % 60)}`;
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
  const frac = nanos > 0 ? '.' + String(nanos).padStart(9, '0').replace(/0+$/, '') : '';
  return `${utcSeconds(secs)}${frac}Z`;
}
