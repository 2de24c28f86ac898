/** pause and resume: freeze / thaw the container's cgroup, as runc. */
import { loadManager, type CgroupManager } from '../cgroups';
import { OcitsError } from '../errors';
import { Store } from '../state/store';
import { statusOf } from './status';

function managerOf(root: string, id: string): { cg: CgroupManager | undefined; status: ReturnType<typeof statusOf> } {
  const store = new Store(root);
  const s = store.load(id);
  return { cg: s.cgroup ? loadManager(s.cgroup) : undefined, status: statusOf(s, store.dir(id)) };
}

export function pause(root: string, id: string): void {
  const { cg, status } = managerOf(root, id);
  if (status !== 'running' && status !== 'created') throw new OcitsError('ESTATE', 'container not running');
  if (!cg) throw new OcitsError('ESTATE', 'container not running');
  cg.freeze();
}

export function resume(root: string, id: string): void {
  const { cg, status } = managerOf(root, id);
  if (status !== 'paused' || !cg) throw new OcitsError('ESTATE', 'container not paused');
  cg.thaw();
}
