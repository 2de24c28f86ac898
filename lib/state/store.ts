/**
 * The state store under --root: one directory per container holding
 * state.json (written atomically: tmp + rename), the exec fifo while the
 * container is created, and serving as the container's lock (flock on the
 * directory). Reads tolerate a container whose create was cut off half way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcitsError } from '../errors';
import type { SavedCgroup } from '../cgroups/types';
import type { Hook } from '../spec/types';

export const DEFAULT_ROOT = '/run/ocits';
export const STATE_FILE = 'state.json';
export const FIFO_FILE = 'exec.fifo';

/** What ocits keeps about a container (its own format, not the CLI's output). */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** host pid of the container init (0 until known) */
  pid: number;
  /** field 22 of /proc/PID/stat at create: a reused pid is never taken for the init */
  initStartTime: string;
  bundle: string;
  rootfs: string;
  /** RFC3339 with nanoseconds */
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  /** true until create has finished */
  creating?: boolean;
  cgroup?: SavedCgroup;
  systemdCgroup: boolean;
  /** the init is in a new pid namespace (its exit kills every process of the container) */
  newPidNs: boolean;
  /** no mount namespace: the rootfs, and the mounts it had before create (lib/runtime/hostmounts.ts) */
  hostMounts?: { rootfs: string; before: number[] };
  /** the hooks of later commands, from config.json at create (later edits of it change nothing, as runc) */
  hooks?: { startContainer?: Hook[]; poststart?: Hook[]; poststop?: Hook[] };
}

/** runc's rule for container ids: its `^[\w+-\.]+$` has the range "+" to ".", so "," is allowed too. */
const ID_RE = /^[\w+,\-.]+$/;

export function validateId(id: string): void {
  if (!id) throw new OcitsError('EUSAGE', 'container id cannot be empty');
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new OcitsError('EUSAGE', `invalid container id format: ${id}`);
  if (id.length > 1024) throw new OcitsError('EUSAGE', `invalid container id format: ${id} (too long)`);
}

function foreign(id: string, file: string, why: string): OcitsError {
  return new OcitsError('EFOREIGN', `container ${id} was not created by ocits (${file}: ${why}); ocits leaves it alone`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown) => isObj(v) && Object.values(v).every((x) => typeof x === 'string');

/** Why `v` is not a state.json ocits wrote for `id` (another runtime's: runc's has init_process_pid), or undefined. */
export function notStoredState(v: unknown, id: string): string | undefined {
  if (!isObj(v)) return 'not a JSON object';
  if ('init_process_pid' in v) return "runc's state format";
  if (v.id !== id) return `its id is ${JSON.stringify(v.id)}, not ${JSON.stringify(id)}`;
  if (!Number.isInteger(v.pid) || (v.pid as number) < 0) return 'no pid';
  for (const k of ['ociVersion', 'initStartTime', 'bundle', 'rootfs', 'created'] as const) {
    if (typeof v[k] !== 'string') return `no ${k}`;
  }
  if (v.owner !== undefined && typeof v.owner !== 'string') return 'a bad owner';
  for (const k of ['creating', 'systemdCgroup', 'newPidNs'] as const) {
    if (v[k] !== undefined && typeof v[k] !== 'boolean') return `a bad ${k}`;
  }
  if (v.annotations !== undefined && !isStringMap(v.annotations)) return 'bad annotations';
  const cg = v.cgroup;
  if (cg !== undefined && !(isObj(cg) && typeof cg.driver === 'string' && typeof cg.mode === 'string' && isStringMap(cg.paths) && isStringMap(cg.bases))) {
    return 'a bad cgroup';
  }
  const hm = v.hostMounts;
  if (hm !== undefined && !(isObj(hm) && typeof hm.rootfs === 'string' && Array.isArray(hm.before) && hm.before.every((n) => Number.isInteger(n)))) {
    return 'bad hostMounts';
  }
  const hooks = v.hooks;
  if (hooks !== undefined) {
    if (!isObj(hooks)) return 'bad hooks';
    for (const list of Object.values(hooks)) {
      if (!Array.isArray(list) || list.some((h) => !isObj(h) || typeof h.path !== 'string')) return 'bad hooks';
    }
  }
  return undefined;
}

export class Store {
  readonly root: string;
  constructor(root: string = DEFAULT_ROOT) {
    this.root = path.resolve(root);
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }
  fifo(id: string): string {
    return path.join(this.root, id, FIFO_FILE);
  }

  /** Claim an id: mkdir is atomic, so of two concurrent creates exactly one wins. */
  claim(id: string): void {
    validateId(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    try {
      fs.mkdirSync(this.dir(id), { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OcitsError('EEXIST', `container with id exists: ${id}`);
      throw e;
    }
  }

  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  /**
   * The stored state; undefined when the container does not exist (no dir,
   * or a dir without state.json: a create cut off before its first write).
   * An entry ocits did not write (another runtime's, in a root shared with
   * it, or anything unreadable) is an OcitsError('EFOREIGN'), never a crash.
   */
  read(id: string): StoredState | undefined {
    validateId(id);
    const file = path.join(this.dir(id), STATE_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw foreign(id, file, `cannot read it: ${code ?? (e as Error).message}`);
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw foreign(id, file, 'not JSON (truncated, or not a state file)');
    }
    const why = notStoredState(v, id);
    if (why) throw foreign(id, file, why);
    return v as StoredState;
  }

  /**
   * A container dir without state.json that holds anything but what ocits
   * puts there before its first state write (the exec fifo, its temp
   * files): not ours to remove.
   */
  strangerFiles(id: string): string[] {
    try {
      return fs.readdirSync(this.dir(id)).filter((n) => n !== FIFO_FILE && !n.startsWith(`.${STATE_FILE}.`));
    } catch {
      return [];
    }
  }

  /** Like read, but a missing container is the caller's error. */
  load(id: string): StoredState {
    const s = this.read(id);
    if (!s || s.creating) throw new OcitsError('ENOTFOUND', `container ${id} does not exist`);
    return s;
  }

  write(s: StoredState): void {
    const dir = this.dir(s.id);
    const tmp = path.join(dir, `.${STATE_FILE}.${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, STATE_FILE));
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  list(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && ID_RE.test(d.name))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }
}

/** Write a file atomically (tmp + rename) in its own directory. */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, data, { mode });
  try {
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
