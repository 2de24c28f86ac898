/** kill: signal the init, or with --all every process of the container's cgroup. */
import { loadManager } from '../cgroups';
import { OcitsError } from '../errors';
import * as log from '../log';
import { Store, type StoredState } from '../state/store';
import { statusOf, type Status } from './status';

/**
 * Signal the init of a created, running or paused container. As runc: a
 * frozen process (v1) does not die of SIGKILL until thawed, so a paused
 * container is thawed after a SIGKILL (and only then). A gone init is
 * 'container not running: no such process'.
 */
export function signalInit(s: StoredState, status: Status, signal: number): void {
  try {
    process.kill(s.pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw new OcitsError('ESTATE', 'container not running: no such process');
    throw e;
  }
  if (status === 'paused' && signal === 9 && s.cgroup) {
    try {
      loadManager(s.cgroup).thaw();
    } catch (e) {
      log.warn(e instanceof Error ? e.message : String(e));
    }
  }
}

export function kill(root: string, id: string, signal: number, all = false): void {
  const store = new Store(root);
  const s = store.load(id);
  const status = statusOf(s, store.dir(id));
  if (all) {
    if (!s.cgroup) throw new OcitsError('ESTATE', 'container not running');
    const cg = loadManager(s.cgroup);
    if (!cg.exists()) {
      if (status === 'stopped') return; // containerd sends `kill --all` after the init exited
      throw new OcitsError('ESTATE', 'container not running');
    }
    // as runc: freeze so that nothing forks past the signal, signal every pid, thaw
    let frozen = false;
    try {
      cg.freeze();
      frozen = true;
    } catch (e) {
      log.warn(e instanceof Error ? e.message : String(e));
    }
    try {
      cg.killAll(signal);
    } finally {
      if (frozen) {
        try {
          cg.thaw();
        } catch (e) {
          log.warn(e instanceof Error ? e.message : String(e));
        }
      }
    }
    return;
  }
  if (status === 'stopped') throw new OcitsError('ESTATE', 'container not running');
  signalInit(s, status, signal);
}
