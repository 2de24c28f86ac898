/** ps: the container's pids (json) or the host's `ps` output filtered to them (table), as runc. */
import { spawnSync } from 'node:child_process';
import { loadManager } from '../cgroups';
import { OcitsError } from '../errors';
import { Store } from '../state/store';
import { statusOf } from './status';

/** The pids of the container's cgroup ([] for a stopped container whose cgroup is gone). */
export function containerPids(root: string, id: string): number[] {
  const store = new Store(root);
  const s = store.load(id);
  if (!s.cgroup) return [];
  const cg = loadManager(s.cgroup);
  if (statusOf(s, store.dir(id)) === 'stopped' && !cg.exists()) return [];
  return cg.pids();
}

/** runc prints Go's encoding of the slice: `null` when empty, one line. */
export function psJSON(pids: number[]): string {
  return (pids.length ? JSON.stringify(pids) : 'null') + '\n';
}

/** Index of the PID column in ps' header. */
export function pidIndex(header: string): number {
  const i = header.trim().split(/\s+/).indexOf('PID');
  if (i < 0) throw new OcitsError('ESYS', "couldn't find PID field in ps output");
  return i;
}

/** Keep the header and the lines whose PID column is one of pids. */
export function filterPsOutput(output: string, pids: number[]): string {
  const lines = output.split('\n');
  const idx = pidIndex(lines[0]);
  const want = new Set(pids);
  let out = lines[0] + '\n';
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.trim().split(/\s+/);
    const p = Number(f[idx]);
    if (!/^\d+$/.test(f[idx] ?? '')) throw new OcitsError('ESYS', `unexpected pid '${f[idx]}': invalid syntax`);
    if (want.has(p)) out += line + '\n';
  }
  return out;
}

export function psTable(root: string, id: string, psArgs: string[]): string {
  const pids = containerPids(root, id);
  const args = psArgs.length ? psArgs : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...process.env } });
  if (r.error) throw new OcitsError('ESYS', `exec: "ps": ${r.error.message}`);
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.status !== 0) throw new OcitsError('ESYS', `exit status ${r.status ?? 1}: ${output}`);
  return filterPsOutput(output, pids);
}
