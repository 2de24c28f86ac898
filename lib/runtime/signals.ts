/**
 * Signal forwarding for the foreground commands (run, exec), as runc does it:
 * the signals are caught from before the process exists (one that comes as
 * it starts must not kill the runtime instead), queued, and delivered once
 * its pid is known to run; from then on each is passed straight on.
 */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

export interface Forwarder {
  /** the process runs: deliver what was queued, pass the rest on */
  deliverTo(pid: number): void;
  /** stop catching (idempotent) */
  stop(): void;
}

/** `keepWinch: false` leaves SIGWINCH alone (a terminal attach resizes the pty with it). */
export function forwardSignals(opts: { keepWinch?: boolean } = {}): Forwarder {
  let target = 0;
  const pending: NodeJS.Signals[] = [];
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* exited */
    }
  };
  const handlers = FORWARDED.filter((s) => opts.keepWinch !== false || s !== 'SIGWINCH').map((sig) => {
    const h = () => (target ? send(target, sig) : pending.push(sig));
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    deliverTo(pid) {
      target = pid;
      for (const sig of pending.splice(0)) send(pid, sig);
    },
    stop() {
      for (const [sig, h] of handlers.splice(0)) process.off(sig, h);
    },
  };
}

/** A forwarder that catches nothing (a detached command). */
export const NO_FORWARDING: Forwarder = { deliverTo() {}, stop() {} };
