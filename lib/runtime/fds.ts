/**
 * The file descriptors a container process gets beyond stdio, as runc passes
 * them: first the runtime's socket-activation fds when systemd handed it some
 * (LISTEN_FDS, with LISTEN_PID naming this very process), then the
 * --preserve-fds ones; all of them as 3, 4, ... in the container, where
 * LISTEN_FDS=n and LISTEN_PID=1 tell the process about the activation fds.
 */
import * as fs from 'node:fs';
import { OcitsError } from '../errors';

export interface PassedFds {
  /** how many fds above stdio the init passes on (3 .. 3+count-1) */
  count: number;
  /** variables appended to the process's environment */
  env: string[];
}

export function passedFds(preserveFds: number | undefined, env: NodeJS.ProcessEnv = process.env, pid = process.pid): PassedFds {
  let listen = 0;
  const out: string[] = [];
  if (env.LISTEN_FDS && Number(env.LISTEN_PID) === pid) {
    const n = Number(env.LISTEN_FDS);
    if (Number.isInteger(n) && n > 0) {
      listen = n;
      out.push(`LISTEN_FDS=${n}`, 'LISTEN_PID=1');
    }
  }
  const preserve = preserveFds ?? 0;
  if (!Number.isInteger(preserve) || preserve < 0) throw new OcitsError('EUSAGE', `invalid --preserve-fds ${preserveFds}`);
  const base = 3 + listen;
  for (let fd = base; fd < base + preserve; fd++) {
    try {
      fs.fstatSync(fd);
    } catch (e) {
      throw new OcitsError('EUSAGE', `unable to stat preserved-fd ${fd - base} (of ${preserve}): ${(e as Error).message}`);
    }
  }
  return { count: listen + preserve, env: out };
}
