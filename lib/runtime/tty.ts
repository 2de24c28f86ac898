/**
 * Terminals: runc's checkTerminal, and the foreground attach of a container's
 * pty to the caller's own stdio (run, and exec without -d): raw mode while
 * stdin is a terminal, the window size copied now and on every SIGWINCH,
 * output copied until the pty is drained, the terminal mode restored.
 */
import { OcitsError } from '../errors';
import { native } from '../native';

/**
 * runc 1.1's checkTerminal, with its messages: a detached runtime (create,
 * run -d, exec -d) needs a console socket for a terminal; a console socket
 * needs a terminal and a detached runtime.
 */
export function checkTerminal(terminal: boolean, consoleSocket: string | undefined, detached: boolean): void {
  if (detached && terminal && !consoleSocket) {
    throw new OcitsError('EUSAGE', 'cannot allocate tty if runc will detach without setting console socket');
  }
  if ((!detached || !terminal) && consoleSocket) {
    throw new OcitsError('EUSAGE', 'cannot use console socket if runc will not detach or allocate tty');
  }
}

/**
 * The console socket end the init gets with MSG_PLAN (native().send's 4th
 * argument): the caller's --console-socket connected here, on the host side
 * (detached: create, run -d, exec -d), or one end of a pair of our own
 * (foreground: `ours` then receives the master, see receiveMaster). Close
 * initEnd once sent; `ours` is the caller's to close.
 */
export function consoleSocketFor(consoleSocket: string | undefined): { initEnd: number; ours?: number } {
  const n = native();
  if (consoleSocket) return { initEnd: n.connectUnix(consoleSocket) };
  const [ours, initEnd] = n.streamPair();
  return { initEnd, ours };
}

export interface AttachedTerminal {
  /** settles once the pty is drained (every slave fd closed) or stop() was called */
  done: Promise<void>;
  /** copy the caller's window size to the pty (done at attach and on SIGWINCH) */
  resize(): void;
  /** stop copying now (what is still unread in the pty is lost) */
  stop(): void;
  /** restore the caller's terminal mode and remove the SIGWINCH handler; idempotent */
  restore(): void;
  /**
   * Once the process is gone: wait up to drainMs for the pty to drain (its
   * last output), stop, restore the terminal and close the master. Idempotent.
   */
  finish(drainMs?: number): Promise<void>;
}

/** How long the pty's output may take to drain once the process is gone. */
const DRAIN_MS = 2_000;

export interface AttachOptions {
  /** input copied to the pty (default 0; -1: none) */
  stdin?: number;
  /** where the pty's output goes (default 1) */
  stdout?: number;
}

/**
 * The window size of the caller's terminal (the first of stderr, stdout,
 * stdin that is one, else /dev/tty), for a pty that must have it before its
 * process starts (exec in the foreground); undefined without a terminal.
 */
export function callerWindowSize(): { rows: number; cols: number } | undefined {
  const n = native();
  for (const fd of [2, 1, 0]) {
    const ws = n.getWinsize(fd);
    if (ws) return ws;
  }
  let fd: number | undefined;
  try {
    fd = require('node:fs').openSync('/dev/tty', 'r+') as number;
    return n.getWinsize(fd) ?? undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) n.close(fd);
  }
}

/**
 * Attach the caller's stdio to a container's pty master (received over the
 * console socket): the caller's terminal in raw mode (cfmakeraw, as runc), its
 * size copied now and on SIGWINCH. finish() (after the process exited)
 * drains, restores and closes the master.
 */
export function attachTerminal(master: number, o: AttachOptions = {}): AttachedTerminal {
  const n = native();
  const stdin = o.stdin ?? 0;
  const stdout = o.stdout ?? 1;
  // The caller's terminal, as runc finds it: the first of stderr, stdout and
  // stdin that is one, else the controlling terminal (/dev/tty). None at all
  // (runc refuses that): the pty is still copied, nothing is resized or raw.
  let host = [2, stdout, stdin].find((fd) => fd >= 0 && n.getWinsize(fd) !== null);
  let opened: number | undefined;
  if (host === undefined) {
    try {
      opened = require('node:fs').openSync('/dev/tty', 'r+') as number;
      host = opened;
    } catch {
      /* no controlling terminal */
    }
  }
  const resize = () => {
    if (host === undefined) return;
    const ws = n.getWinsize(host);
    if (!ws) return;
    try {
      n.setWinsize(master, ws.rows, ws.cols);
    } catch {
      /* the pty is gone */
    }
  };
  resize();
  const saved = host !== undefined ? n.ttyMakeRaw(host) : null;
  const onWinch = () => resize();
  process.on('SIGWINCH', onWinch);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('SIGWINCH', onWinch);
    if (saved && host !== undefined) {
      try {
        n.ttyRestore(host, saved);
      } catch {
        /* the terminal is gone */
      }
    }
    if (opened !== undefined) n.close(opened);
  };
  let pump: { done: Promise<void>; stop(): void };
  try {
    pump = n.ttyPump(master, stdin, stdout);
  } catch (e) {
    restore();
    throw e;
  }
  let finishing: Promise<void> | undefined;
  const finish = (drainMs = DRAIN_MS) =>
    (finishing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pump.done.catch(() => undefined), new Promise((res) => (timer = setTimeout(res, drainMs)))]);
      clearTimeout(timer);
      pump.stop();
      await pump.done.catch(() => undefined);
      restore();
      n.close(master);
    })());
  return { done: pump.done, resize, stop: () => pump.stop(), restore, finish };
}

/** Receive the pty master the init sent on our end of the console socket. */
export function receiveMaster(sock: number, timeoutMs = 10_000): number {
  const m = native().recvFd(sock, timeoutMs);
  if (!m) throw new OcitsError('EINIT', 'the container init did not send the pty master');
  return m.fd;
}
