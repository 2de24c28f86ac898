/** start: release the init blocked on the exec fifo; it then execs the process. */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';
import { native } from '../native';
import { Lock } from '../state/lock';
import { Store, type StoredState } from '../state/store';
import { statusOf } from './status';

const START_TIMEOUT_MS = 30_000;

export function startLocked(store: Store, s: StoredState): void {
  const status = statusOf(s, store.dir(s.id));
  if (status === 'stopped') throw new OcitsError('ESTATE', 'cannot start a container that has stopped');
  if (status !== 'created') throw new OcitsError('ESTATE', `cannot start an already ${status} container`);
  const r = native().releaseFifo(store.fifo(s.id), s.pid, START_TIMEOUT_MS);
  if (r === 'timeout') throw new OcitsError('EINIT', `container init did not start within ${START_TIMEOUT_MS / 1000}s`);
  fs.rmSync(store.fifo(s.id), { force: true });
  if (r === 'dead') throw new OcitsError('EINIT', 'cannot start a container whose init has exited');
}

export function start(root: string, id: string): void {
  const store = new Store(root);
  const lock = Lock.acquire(store.dir(id));
  if (!lock) throw new OcitsError('ENOTFOUND', `container ${id} does not exist`);
  try {
    startLocked(store, store.load(id));
  } finally {
    lock.release();
  }
}
