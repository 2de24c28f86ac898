/**
 * events: container stats and OOM notifications as runc prints them, one JSON
 * object per line ({"type":"stats","id":ID,"data":{...}} / {"type":"oom","id":ID}).
 * OOM is detected by polling the OOM-kill counter (v1 memory.oom_control
 * oom_kill, v2 memory.events oom_kill) rather than runc's eventfd.
 */
import { loadManager, type CgroupManager } from '../cgroups';
import { oomKillCount, statsJSON } from '../cgroups/stats';
import { OcitsError, quoteInput } from '../errors';
import * as log from '../log';
import { Store, type StoredState } from '../state/store';
import { statusOf } from './status';

/** How often the OOM counter and the container's status are polled while streaming. */
export const OOM_POLL_MS = 200;

function open(root: string, id: string): { store: Store; s: StoredState; cg: CgroupManager } {
  const store = new Store(root);
  const s = store.load(id);
  if (statusOf(s, store.dir(id)) === 'stopped' || !s.cgroup) throw new OcitsError('ESTATE', `container with id ${id} is not running`);
  return { store, s, cg: loadManager(s.cgroup) };
}

export function statsLine(id: string, cg: CgroupManager): string {
  return `{"type":"stats","id":${JSON.stringify(id)},"data":${statsJSON(cg.stats())}}\n`;
}

/** events --stats: one stats object. */
export function statsOnce(root: string, id: string): string {
  return statsLine(id, open(root, id).cg);
}

/** Go's time.ParseDuration for the forms runc users pass ("5s", "100ms", "1m30s", "1.5s"). */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  if (s === '0') return 0;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  if (!s || pos !== s.length) throw new OcitsError('EUSAGE', `invalid value ${quoteInput(s)} for flag -interval: parse error`);
  return total;
}

/** Write to stdout, waiting for a slow reader. */
function emit(line: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(line)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

/** Stream stats every intervalMs and OOM events as they happen, until the container stops. */
export async function stream(root: string, id: string, intervalMs: number): Promise<void> {
  if (intervalMs <= 0) throw new OcitsError('EUSAGE', 'duration interval must be greater than 0');
  const { store, cg, s } = open(root, id);
  const mode = cg.mode;
  const paths = cg.paths;
  let ooms = oomKillCount(mode, paths);
  let nextStats = Date.now() + intervalMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.min(OOM_POLL_MS, Math.max(0, nextStats - Date.now()))));
    const now = oomKillCount(mode, paths);
    if (now > ooms) await emit(`{"type":"oom","id":${JSON.stringify(id)}}\n`);
    ooms = now;
    const fresh = store.read(id);
    if (!fresh || statusOf(fresh, store.dir(id)) === 'stopped' || fresh.pid !== s.pid) return;
    if (Date.now() >= nextStats) {
      nextStats += intervalMs;
      try {
        await emit(statsLine(id, cg));
      } catch (e) {
        log.error(e instanceof Error ? e.message : String(e));
      }
    }
  }
}
