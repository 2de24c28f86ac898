import { guard, id, type Cmd, type Flag } from './common';
import { splitAfterId } from './globals';

/** The command after the container id (runc's flag parsing stops there); set by splitExecArgs. */
let execArgs: string[] = [];

export const execFlags = {
  'console-socket': { type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal' },
  cwd: { type: 'string', describe: 'current working directory in the container' },
  env: { alias: 'e', type: 'string', array: true, describe: 'set environment variables' },
  tty: { alias: 't', type: 'boolean', describe: 'allocate a pseudo-TTY' },
  user: { alias: 'u', type: 'string', describe: 'UID (format: <uid>[:<gid>])' },
  'additional-gids': { alias: 'g', type: 'number', array: true, describe: 'additional gids' },
  process: { alias: 'p', type: 'string', describe: 'path to the process.json' },
  detach: { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container\'s process' },
  'pid-file': { type: 'string', describe: 'specify the file to write the process id to' },
  'process-label': { type: 'string', describe: 'set the asm process label for the process commonly used with selinux' },
  apparmor: { type: 'string', describe: 'set the apparmor profile for the process' },
  'no-new-privs': { type: 'boolean', default: false, describe: 'set the no new privileges value for the process' },
  cap: { alias: 'c', type: 'string', array: true, describe: 'add a capability to the bounding set for the process' },
  'preserve-fds': { type: 'number', default: 0, describe: 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' },
  'ignore-paused': { type: 'boolean', default: false, describe: 'allow exec in a paused container' },
  cgroup: { type: 'string', array: true, describe: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
} satisfies Record<string, Flag>;

const VALUE_FLAGS = new Set<string>();
for (const [name, f] of Object.entries(execFlags) as [string, Flag][]) {
  if (f.type === 'boolean') continue;
  VALUE_FLAGS.add(name);
  if (f.alias) VALUE_FLAGS.add(f.alias);
}

/** `ocits [globals] exec [flags] ID COMMAND...`: returns argv up to the id; the handler picks up the command. */
export function splitExecArgs(argv: string[]): string[] {
  const r = splitAfterId(argv, 'exec', VALUE_FLAGS);
  if (r) execArgs = r.rest;
  return r ? r.argv : argv;
}

export interface ExecArgs {
  'container-id': string;
  'console-socket'?: string;
  cwd?: string;
  env?: string[];
  tty?: boolean;
  user?: string;
  'additional-gids'?: number[];
  process?: string;
  detach: boolean;
  'pid-file'?: string;
  'process-label'?: string;
  apparmor?: string;
  'no-new-privs': boolean;
  cap?: string[];
  'preserve-fds': number;
  'ignore-paused': boolean;
  cgroup?: string[];
}

export const command: Cmd<ExecArgs> = {
  command: 'exec <container-id>',
  describe: 'execute new process inside the container (the command follows the id, or -p process.json)',
  flags: execFlags,
  // As runc: every failure is "exec failed: <cause>" with exit code 255.
  handler: (a) =>
    guard(() => {
      const { exec } = require('../runtime/exec') as typeof import('../runtime/exec');
      const { OcitsError, wrapError } = require('../errors') as typeof import('../errors');
      const failed = (e: unknown) => (require('./main') as typeof import('./main')).fail(wrapError(e, 'exec failed'), 255);
      if (!a.process && execArgs.length === 0) failed(new OcitsError('EUSAGE', 'process args cannot be empty'));
      exec({
        root: a.root,
        id: id(a),
        processFile: a.process,
        args: execArgs,
        cwd: a.cwd,
        env: a.env,
        tty: a.tty,
        user: a.user,
        additionalGids: a['additional-gids'],
        caps: a.cap,
        noNewPrivs: a['no-new-privs'],
        apparmor: a.apparmor,
        processLabel: a['process-label'],
        consoleSocket: a['console-socket'],
        detach: a.detach,
        pidFile: a['pid-file'],
        preserveFds: a['preserve-fds'],
        ignorePaused: a['ignore-paused'],
        cgroups: a.cgroup?.map(String),
      }).then((code) => {
        process.exitCode = code;
      }, failed);
    }),
};
