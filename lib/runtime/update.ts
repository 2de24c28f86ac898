/**
 * update: change a running container's resources, as runc's `update`. The
 * resources come from a LinuxResources JSON (--resources FILE or -) or from
 * runc's flags; only what is given is applied (manager.set()).
 */
import * as fs from 'node:fs';
import { loadManager } from '../cgroups';
import { OcitsError } from '../errors';
import * as log from '../log';
import { Store } from '../state/store';
import { statusOf } from './status';

export interface UpdateFlags {
  resources?: string;
  'blkio-weight'?: string;
  'cpu-period'?: string;
  'cpu-quota'?: string;
  'cpu-share'?: string;
  'cpu-rt-period'?: string;
  'cpu-rt-runtime'?: string;
  'cpuset-cpus'?: string;
  'cpuset-mems'?: string;
  'cpu-idle'?: string;
  memory?: string;
  'memory-reservation'?: string;
  'memory-swap'?: string;
  'kernel-memory'?: string;
  'kernel-memory-tcp'?: string;
  'pids-limit'?: string;
  'l3-cache-schema'?: string;
  'mem-bw-schema'?: string;
}

/** docker/go-units RAMInBytes: "512m", "1g", "1024", "1.5GiB" (binary multiples); "-1" is unlimited. */
export function ramInBytes(s: string): number {
  if (s === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number(m[1]) * mult[(m[2] ?? '').toLowerCase()]);
}

function uint(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new OcitsError('EUSAGE', `invalid value for ${name}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function int(name: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw new OcitsError('EUSAGE', `invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function mem(name: string, v: string): number {
  try {
    return ramInBytes(v);
  } catch (e) {
    throw new OcitsError('EUSAGE', `invalid value for ${name}: ${(e as Error).message}`);
  }
}

/** The LinuxResources the flags describe (only the fields given). */
export function resourcesFromFlags(f: UpdateFlags, readInput: (src: string) => string = readSource): Record<string, any> {
  if (f.resources !== undefined && f.resources !== '') {
    const text = readInput(f.resources);
    try {
      const r = JSON.parse(text);
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('not an object');
      return r;
    } catch (e) {
      throw new OcitsError('EUSAGE', `unable to parse resources: ${(e as Error).message}`);
    }
  }
  const r: Record<string, any> = {};
  const sect = (k: string) => (r[k] ??= {});
  const s = (k: keyof UpdateFlags) => (f[k] !== undefined && f[k] !== '' ? String(f[k]) : undefined);
  let v: string | undefined;
  if ((v = s('blkio-weight')) !== undefined && uint('blkio-weight', v) !== 0) sect('blockIO').weight = uint('blkio-weight', v);
  if ((v = s('cpuset-cpus')) !== undefined) sect('cpu').cpus = v;
  if ((v = s('cpuset-mems')) !== undefined) sect('cpu').mems = v;
  if ((v = s('cpu-period')) !== undefined) sect('cpu').period = uint('cpu-period', v);
  if ((v = s('cpu-rt-period')) !== undefined) sect('cpu').realtimePeriod = uint('cpu-rt-period', v);
  if ((v = s('cpu-share')) !== undefined) sect('cpu').shares = uint('cpu-share', v);
  if ((v = s('cpu-quota')) !== undefined) sect('cpu').quota = int('cpu-quota', v);
  if ((v = s('cpu-rt-runtime')) !== undefined) sect('cpu').realtimeRuntime = int('cpu-rt-runtime', v);
  if ((v = s('cpu-idle')) !== undefined) sect('cpu').idle = int('cpu-idle', v);
  if ((v = s('memory')) !== undefined) sect('memory').limit = mem('memory', v);
  if ((v = s('memory-reservation')) !== undefined) sect('memory').reservation = mem('memory-reservation', v);
  if ((v = s('memory-swap')) !== undefined) sect('memory').swap = mem('memory-swap', v);
  if ((v = s('kernel-memory')) !== undefined) sect('memory').kernel = mem('kernel-memory', v);
  if ((v = s('kernel-memory-tcp')) !== undefined) sect('memory').kernelTCP = mem('kernel-memory-tcp', v);
  if ((v = s('pids-limit')) !== undefined && int('pids-limit', v) !== 0) sect('pids').limit = int('pids-limit', v);
  if (s('l3-cache-schema') !== undefined || s('mem-bw-schema') !== undefined) {
    throw new OcitsError('ENOTSUP', 'Intel RDT is not supported by ocits');
  }
  return r;
}

function readSource(src: string): string {
  try {
    return src === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(src, 'utf8');
  } catch (e) {
    throw new OcitsError('EUSAGE', `open ${src}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
}

export function update(root: string, id: string, flags: UpdateFlags): void {
  const store = new Store(root);
  const s = store.load(id);
  const status = statusOf(s, store.dir(id));
  if (status === 'stopped') throw new OcitsError('ESTATE', `cannot update container ${id}: container not running`);
  if (!s.cgroup) throw new OcitsError('ESTATE', 'container not running');
  const resources = resourcesFromFlags(flags);
  loadManager(s.cgroup).set(resources, (msg) => log.warn(msg));
}
