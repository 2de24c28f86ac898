import * as path from 'node:path';
import { guard, id, type Cmd, type Flag } from './common';

export interface CreateArgs {
  'container-id': string;
  bundle: string;
  'pid-file'?: string;
  'console-socket'?: string;
  'no-pivot': boolean;
  'no-new-keyring': boolean;
  'preserve-fds': number;
}

/** The paths of the command line are the caller's: absolute before create works in the bundle dir (as runc's revisePidFile). */
export function createOptions(a: CreateArgs & { root: string; 'systemd-cgroup': boolean }) {
  const abs = (p: string | undefined) => (p ? path.resolve(p) : p);
  return {
    root: abs(a.root)!,
    id: id(a),
    bundle: abs(a.bundle)!,
    pidFile: abs(a['pid-file']),
    consoleSocket: abs(a['console-socket']),
    noPivot: a['no-pivot'],
    noNewKeyring: a['no-new-keyring'],
    preserveFds: a['preserve-fds'],
    systemdCgroup: a['systemd-cgroup'],
  };
}

export const createFlags = {
  bundle: { alias: 'b', type: 'string', default: '.', describe: 'path to the root of the bundle directory' },
  'pid-file': { type: 'string', describe: 'file to write the container init pid to' },
  'console-socket': { type: 'string', describe: 'unix socket to receive the pty master of a terminal' },
  'no-pivot': { type: 'boolean', default: false, describe: 'do not use pivot_root to jail the process inside rootfs' },
  'no-new-keyring': { type: 'boolean', default: false, describe: 'do not create a new session keyring for the container' },
  'preserve-fds': { type: 'number', default: 0, describe: 'pass N additional file descriptors to the container (3 .. 3+N-1)' },
} satisfies Record<string, Flag>;

export const command: Cmd<CreateArgs> = {
  command: 'create <container-id>',
  describe: 'create a container',
  flags: createFlags,
  handler: (a) =>
    guard(() => {
      const { create } = require('../runtime/create') as typeof import('../runtime/create');
      create(createOptions(a));
    }),
};
