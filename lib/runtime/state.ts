/** state and list: what runc prints, field for field. */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';
import * as log from '../log';
import { SPEC_VERSION } from '../spec/version';
import { Store, type StoredState } from '../state/store';
import { statusOf, type Status } from './status';

export interface StateOutput {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

export function toOutput(store: Store, s: StoredState): StateOutput {
  const status = statusOf(s, store.dir(s.id));
  const out: StateOutput = {
    // as runc: the spec version the runtime implements, not the bundle's
    ociVersion: SPEC_VERSION,
    id: s.id,
    pid: status === 'stopped' ? 0 : s.pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner ?? '',
  };
  if (s.annotations && Object.keys(s.annotations).length) {
    // runc's field order: annotations come before owner
    delete (out as Partial<StateOutput>).owner;
    out.annotations = s.annotations;
    out.owner = s.owner ?? '';
  }
  return out;
}

export function state(root: string, id: string): StateOutput {
  const store = new Store(root);
  const s = store.read(id);
  if (!s || s.creating) throw new OcitsError('ENOTFOUND', `container ${id} does not exist`);
  return toOutput(store, s);
}

/** Owner of the state dir by name, as runc's list shows it. */
function ownerName(uid: number): string {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && Number(f[2]) === uid) return f[0];
    }
  } catch {
    /* no passwd */
  }
  return `#${uid}`;
}

export function list(root: string): StateOutput[] {
  const store = new Store(root);
  const out: StateOutput[] = [];
  for (const id of store.list()) {
    let s: StoredState | undefined;
    try {
      s = store.read(id);
    } catch (e) {
      // another runtime's entry (a root shared with runc, as Docker does): not ours to list
      if (!(e instanceof OcitsError && e.code === 'EFOREIGN')) throw e;
      log.debug(`list: skipping ${id}: ${e.message}`);
      continue;
    }
    if (!s || s.creating) continue;
    const o = toOutput(store, s);
    try {
      o.owner = ownerName(fs.statSync(store.dir(id)).uid);
    } catch {
      continue; // deleted meanwhile
    }
    out.push(o);
  }
  return out;
}
