/**
 * start: release the init blocked on the exec fifo; it runs its
 * startContainer hooks and then execs the process. Then poststart hooks.
 */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';
import { native } from '../native';
import { Lock } from '../state/lock';
import { Store, type StoredState } from '../state/store';
import { runHooksWarn, stateForHook } from './hooks';
import { statusOf } from './status';

const START_TIMEOUT_MS = 30_000;
/** How long a failed init may take to be gone after it reported its hook's failure. */
const EXIT_WAIT_MS = 5_000;

/**
 * How long the init may take to write the fifo: its startContainer hooks run
 * first (each up to its timeout; no limit when one has none, as runc).
 */
function releaseTimeout(s: StoredState): number {
  let ms = START_TIMEOUT_MS;
  for (const h of s.hooks?.startContainer ?? []) {
    if (!h.timeout) return -1;
    ms += h.timeout * 1000;
  }
  return Math.min(ms, 0x7fffffff);
}

export function startLocked(store: Store, s: StoredState): void {
  const status = statusOf(s, store.dir(s.id));
  if (status === 'stopped') throw new OcitsError('ESTATE', 'cannot start a container that has stopped');
  if (status !== 'created') throw new OcitsError('ESTATE', `cannot start an already ${status} container`);
  const n = native();
  const timeout = releaseTimeout(s);
  const r = n.releaseFifo(store.fifo(s.id), s.pid, timeout);
  if (r === 'timeout') throw new OcitsError('EINIT', `container init did not start within ${timeout / 1000}s`);
  fs.rmSync(store.fifo(s.id), { force: true });
  if (r === 'dead') throw new OcitsError('EINIT', 'cannot start a container whose init has exited');
  if (typeof r === 'object') {
    // A startContainer hook failed: the init exits (the container is stopped).
    n.awaitExit(s.pid, EXIT_WAIT_MS);
    throw new OcitsError('EINIT', r.error);
  }
  // The process runs (or ran): poststart hooks, a failure being a warning.
  if (s.hooks?.poststart?.length) runHooksWarn('poststart', s.hooks.poststart, stateForHook(s, 'running', s.pid));
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
