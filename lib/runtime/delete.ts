/**
 * delete: remove a stopped container (its cgroup, then its state). A created
 * container is killed first, as runc does; a running or paused one only with
 * --force. Tolerates a container whose create was cut off half way.
 */
import { loadManager } from '../cgroups';
import { OcitsError } from '../errors';
import { native } from '../native';
import { Lock } from '../state/lock';
import { Store, type StoredState } from '../state/store';
import { removeHostMounts } from './hostmounts';
import { runHooksWarn, stateForHook } from './hooks';
import { signalInit } from './kill';
import { statusOf, type Status } from './status';

const KILL_WAIT_MS = 10_000;

/** SIGKILL the init (a paused one is thawed after it, or it would not die) and wait until it is gone. */
function killInit(s: StoredState, status: Status): void {
  try {
    signalInit(s, status, 9);
  } catch {
    return; // already gone
  }
  if (!native().awaitExit(s.pid, KILL_WAIT_MS)) {
    throw new OcitsError('ESYS', `container init ${s.pid} did not exit within ${KILL_WAIT_MS / 1000}s of SIGKILL`);
  }
}

/**
 * Remove what is left of a container: processes, cgroup, then (a container
 * that was created, not a create cut off half way) its poststop hooks, a
 * failure being a warning, then the state dir.
 */
function destroy(store: Store, s: StoredState | undefined, id: string): void {
  // With a pid namespace of its own, nothing of the container outlives its
  // init: what is left in the cgroup belongs to a container sharing it.
  if (s?.cgroup) loadManager(s.cgroup).destroy({ keepOthers: !!s.newPidNs && !s.creating && s.pid > 0 });
  // no mount namespace: its mounts are in ours (every process that could still mount is gone now)
  if (s?.hostMounts) removeHostMounts(s.hostMounts);
  if (s && !s.creating && s.hooks?.poststop?.length) runHooksWarn('poststop', s.hooks.poststop, stateForHook(s, 'stopped', 0));
  store.remove(id);
}

export function del(root: string, id: string, force = false): void {
  const store = new Store(root);
  const missing = () => {
    if (!force) throw new OcitsError('ENOTFOUND', `container ${id} does not exist`);
  };
  if (!store.exists(id)) return missing();
  const lock = Lock.acquire(store.dir(id));
  if (!lock) return missing();
  try {
    // another runtime's entry (or a damaged one) is an error: never removed
    const s = store.read(id);
    if (!s || s.creating) {
      // A create that died half way (we hold its lock, so it is gone).
      if (!s && !force) throw new OcitsError('ENOTFOUND', `container ${id} does not exist`);
      const strangers = s ? [] : store.strangerFiles(id);
      if (strangers.length) {
        throw new OcitsError('EFOREIGN', `container ${id} was not created by ocits (${store.dir(id)} holds ${strangers.join(', ')} and no state.json); ocits leaves it alone`);
      }
      return destroy(store, s, id);
    }
    const status = statusOf(s, store.dir(id));
    if (status === 'running' || status === 'paused') {
      if (!force) throw new OcitsError('ESTATE', `cannot delete container ${id} that is not stopped: ${status}`);
      killInit(s, status);
    } else if (status === 'created') {
      killInit(s, status);
    }
    destroy(store, s, id);
  } finally {
    lock.release();
  }
}
