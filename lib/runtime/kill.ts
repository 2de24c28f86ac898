/** kill: signal the init, or with --all every process of the container's cgroup. */
import { loadManager } from '../cgroups';
import { OcitsError } from '../errors';
import { Store } from '../state/store';
import { statusOf } from './status';

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
    cg.killAll(signal);
    return;
  }
  if (status === 'stopped') throw new OcitsError('ESTATE', 'container not running');
  try {
    process.kill(s.pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw new OcitsError('ESTATE', 'container not running: no such process');
    throw e;
  }
}
