/**
 * run: create + start in one command. In the foreground ocits becomes the
 * init's parent (a child subreaper), forwards signals to it, waits, deletes
 * the container and returns the container's exit code (128+n for signal n).
 * With process.terminal in the foreground, the pty is attached to the
 * caller's stdio (lib/runtime/tty.ts); SIGWINCH resizes it instead of being
 * forwarded.
 */
import * as log from '../log';
import { native } from '../native';
import { Lock } from '../state/lock';
import { Store } from '../state/store';
import { create, type CreateOptions } from './create';
import { del } from './delete';
import { forwardSignals, NO_FORWARDING, type Forwarder } from './signals';
import { startLocked } from './start';
import { attachTerminal, receiveMaster, type AttachedTerminal } from './tty';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** --keep: the container stays (stopped) after its process exits */
  keep?: boolean;
  /** --no-subreaper: processes orphaned in the container go to the caller's subreaper (or init), not to us */
  noSubreaper?: boolean;
}


export async function run(o: RunOptions): Promise<number> {
  const n = native();
  // The init is our child (CLONE_PARENT); as runc, we are also the subreaper
  // of what the container leaves orphaned, unless told not to be.
  if (!o.detach && !o.noSubreaper) n.setSubreaper(true);
  const c = create({ ...o, foreground: !o.detach });
  const store = new Store(o.root);
  let master = -1;
  let tty: AttachedTerminal | undefined;
  let signals: Forwarder = NO_FORWARDING;
  try {
    if (c.console !== undefined) {
      // The init sent the master before it reported ready: it is waiting on our end.
      try {
        master = receiveMaster(c.console);
      } finally {
        n.close(c.console);
      }
      tty = attachTerminal(master);
    }
    // caught from before the process starts, delivered once it runs
    if (!o.detach) signals = forwardSignals({ keepWinch: !tty });
    const lock = Lock.acquire(store.dir(o.id));
    try {
      startLocked(store, c.state);
    } finally {
      lock?.release();
    }
    signals.deliverTo(c.pid);
  } catch (e) {
    signals.stop();
    if (tty) await tty.finish(0);
    else if (master >= 0) n.close(master);
    if (!o.keep) del(o.root, o.id, true); // as runc: --keep keeps it, failed or not
    if (o.keep) c.stdio?.abort(); // it lives on, holding its pipes
    else await c.stdio?.finish(); // what it wrote before it was killed
    throw e;
  }
  log.step(`run ${o.id}: started`);
  if (o.detach) return 0;
  let r;
  try {
    r = await n.waitAsync(c.pid);
  } finally {
    signals.stop();
    log.step(`run ${o.id}: exited`);
    try {
      if (!o.keep) {
        del(o.root, o.id, true);
        log.step(`run ${o.id}: deleted`);
      }
    } finally {
      // Everything of the container is gone: what is left in the pty or the pipes is its last output.
      await tty?.finish();
      await c.stdio?.finish();
    }
  }
  return r.code ?? 255;
}
