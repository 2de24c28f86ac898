/**
 * The stdio of a foreground container process without a terminal (`run`,
 * `exec` without -d), as runc gives it: pipes, never the caller's own files
 * (through /proc/self/fd/N the container could reopen those to read or
 * overwrite them), and the runtime copies: the caller's stdin in (the pipe
 * closed at its EOF), the container's stdout and stderr out until both are
 * closed. The copy is the addon's (one thread-pool thread, no stream module
 * loaded). Detached commands pass the caller's fds through unchanged.
 */
import { native } from '../native';

export interface PipedStdio {
  /** the container's ends, as fds 0, 1, 2 for spawnInit */
  readonly child: [number, number, number];
  /** once the init has its ends: close them here and start copying */
  attach(): void;
  /** once the process is gone: resolves when its outputs are drained (every writer closed them) */
  finish(): Promise<void>;
  /** stop copying and close everything now (a failure before the process ran); idempotent */
  abort(): void;
}

export function pipedStdio(): PipedStdio {
  const n = native();
  const made: number[] = [];
  try {
    for (let i = 0; i < 3; i++) made.push(...n.pipe());
  } catch (e) {
    for (const fd of made) n.close(fd);
    throw e;
  }
  const [inR, inW, outR, outW, errR, errW] = made;
  let child: number[] = [inR, outW, errW];
  let ours: number[] = [inW, outR, errR];
  let pump: { done: Promise<void>; stop(): void } | undefined;
  const closeAll = (list: number[]) => {
    for (const fd of list) n.close(fd);
    return [];
  };
  return {
    child: [inR, outW, errW],
    attach() {
      child = closeAll(child);
      if (pump || !ours.length) return;
      pump = n.stdioPump(0, inW, outR, 1, errR, 2);
      ours = []; // the pump closes them
    },
    async finish() {
      child = closeAll(child);
      ours = closeAll(ours);
      await pump?.done.catch(() => undefined);
    },
    abort() {
      child = closeAll(child);
      ours = closeAll(ours);
      pump?.stop();
    },
  };
}
