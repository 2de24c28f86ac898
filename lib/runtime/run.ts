/**
 * run: create + start in one command. In the foreground ocits becomes the
 * init's parent (a child subreaper), forwards signals to it, waits, deletes
 * the container and returns the container's exit code (128+n for signal n).
 */
import * as log from '../log';
import { native } from '../native';
import { Lock } from '../state/lock';
import { Store } from '../state/store';
import { create, type CreateOptions } from './create';
import { del } from './delete';
import { startLocked } from './start';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

export async function run(o: RunOptions): Promise<number> {
  const n = native();
  if (!o.detach) n.setSubreaper(true);
  const c = create(o);
  const store = new Store(o.root);
  try {
    const lock = Lock.acquire(store.dir(o.id));
    try {
      startLocked(store, c.state);
    } finally {
      lock?.release();
    }
  } catch (e) {
    del(o.root, o.id, true);
    throw e;
  }
  log.step(`run ${o.id}: started`);
  if (o.detach) return 0;
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try {
        process.kill(c.pid, sig);
      } catch {
        /* exited */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const r = await n.waitAsync(c.pid);
  for (const [sig, h] of handlers) process.off(sig, h);
  log.step(`run ${o.id}: exited`);
  del(o.root, o.id, true);
  log.step(`run ${o.id}: deleted`);
  return r.code ?? 255;
}
