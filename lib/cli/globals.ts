import type { Flag } from './common';

/** The global flags every subcommand shares, as runc has them. */
export interface GlobalArgs {
  root: string;
  log?: string;
  'log-format': 'text' | 'json';
  debug: boolean;
  'systemd-cgroup': boolean;
  criu?: string;
}

/** runc's global flags (yargs' option form; the fast parser reads the same table). */
export const GLOBAL_FLAGS: Readonly<Record<string, Flag>> = {
  root: { type: 'string', default: '/run/ocits', describe: 'root directory for storage of container state' },
  log: { type: 'string', describe: 'set the log file to write ocits logs to (default is stderr)' },
  'log-format': { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'set the log format' },
  debug: { type: 'boolean', default: false, describe: 'enable debug logging' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'use the systemd cgroup driver (a transient unit per container, linux.cgroupsPath "slice:prefix:name")' },
  criu: { type: 'string', describe: 'path to the criu binary (checkpoint/restore are not supported)', hidden: true },
};

/** Long flags that runc (Go's flag package) also accepts with one dash. */
export const LONG_FLAGS = new Set([
  'root', 'log', 'log-format', 'debug', 'systemd-cgroup', 'criu', 'rootless', 'help', 'version',
  'bundle', 'pid-file', 'console-socket', 'no-pivot', 'no-new-keyring', 'preserve-fds', 'detach', 'keep',
  'no-subreaper', 'all', 'force', 'format', 'quiet', 'signal',
  'interval', 'stats', 'resources', 'blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-share', 'cpu-shares',
  'cpu-rt-period', 'cpu-rt-runtime', 'cpuset-cpus', 'cpuset-mems', 'cpu-idle', 'kernel-memory', 'kernel-memory-tcp',
  'memory', 'memory-reservation', 'memory-swap', 'pids-limit', 'l3-cache-schema', 'mem-bw-schema',
  'cwd', 'env', 'tty', 'user', 'additional-gids', 'process', 'process-label', 'apparmor', 'no-new-privs', 'cap',
  'ignore-paused', 'cgroup',
]);

/** Short flags of all subcommands. */
const SHORT_FLAGS = new Set(['b', 'd', 'a', 'f', 'q', 'h', 'v', 'r', 'e', 't', 'u', 'g', 'p', 'c']);

/**
 * A flag no subcommand defines, as runc words it ("flag provided but not
 * defined: -x"). Found before yargs, which would otherwise take the unknown
 * flag's neighbour as its value and complain about something else.
 * `valueFlags` (long names and aliases of the flags that take a value): the
 * word after one of them, given without "=", is its value whatever it looks
 * like (`--memory-swap -1`), as Go's flag package takes it.
 */
export function unknownFlag(argv: string[], valueFlags: ReadonlySet<string> = new Set()): string | undefined {
  let command = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '-' || !a.startsWith('-')) {
      command = true;
      continue;
    }
    const name = a.replace(/^--?/, '').split('=')[0];
    // -v/--version are global flags only (`runc list -v` is an unknown flag)
    const version = name === 'v' || name === 'version';
    if ((a.startsWith('--') ? !LONG_FLAGS.has(name) : name.length > 1 || !SHORT_FLAGS.has(name)) || (command && version)) {
      return `flag provided but not defined: -${name}`;
    }
    if (!a.includes('=') && valueFlags.has(name)) i++;
  }
  return undefined;
}

/**
 * Where the subcommand is in argv: the first word that is not a global flag
 * or the value of one (`--root X`, `-root X`, `--root=X`); argv.length when
 * there is none. Runs before any parsing (bin/ocits picks the command's
 * bundle by it), so it knows only which global flags take a value.
 */
export function subcommandIndex(argv: readonly string[]): number {
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) break;
    if (takesValue(a)) i++;
  }
  return i;
}

/** A global flag given without "=" whose value is the next word (`--root X`, `-root X`). */
function takesValue(arg: string): boolean {
  const flag = arg.replace(/^--?/, '');
  return Object.hasOwn(GLOBAL_FLAGS, flag) && GLOBAL_FLAGS[flag].type !== 'boolean';
}

/** The subcommand named in argv, if any. */
export function subcommandOf(argv: readonly string[]): string | undefined {
  return argv[subcommandIndex(argv)];
}

/**
 * `--version`/`-v` among the global flags, before any subcommand
 * (`ocits --root DIR -v`), as runc takes it.
 */
export function wantsVersion(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-v' || a === '--version') return true;
    if (!a.startsWith('-')) return false;
    if (takesValue(a)) i++;
  }
  return false;
}

/**
 * For subcommands whose arguments after the container id are not ours (ps's
 * options, exec's command): as runc (whose flag parsing stops at the first
 * argument), everything after the id is split off. `valueFlags` are the
 * subcommand's flags that take a value (long names and aliases). Returns
 * undefined when argv is not that subcommand or has no id.
 */
export function splitAfterId(argv: string[], name: string, valueFlags: ReadonlySet<string>): { argv: string[]; rest: string[] } | undefined {
  const i = subcommandIndex(argv);
  if (argv[i] !== name) return undefined;
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j];
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (!a.includes('=') && valueFlags.has(a.replace(/^--?/, ''))) j++;
      continue;
    }
    return { argv: argv.slice(0, j + 1), rest: argv.slice(j + 1) };
  }
  return undefined;
}

/** "-bundle x" -> "--bundle x", "-log-format=json" -> "--log-format=json": runc callers use both forms. */
export function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a.length > 2 && a[0] === '-' && a[1] !== '-') {
      const name = a.slice(1).split('=')[0];
      if (LONG_FLAGS.has(name)) {
        out.push('-' + a);
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/** Find the global logging flags before parsing, so even a usage error reaches --log. */
export function prescanLog(argv: string[]): { file?: string; format?: string; debug: boolean } {
  const r: { file?: string; format?: string; debug: boolean } = { debug: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const val = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (name === '--log') r.file = val;
    else if (name === '--log-format') r.format = val;
    else if (name === '--debug') r.debug = eq > 0 ? val !== 'false' && val !== '0' : true;
  }
  return r;
}

/**
 * The signal names runc knows (golang.org/x/sys/unix's table: one name per
 * number, so no SIGIOT, SIGPOLL, SIGCLD), with their numbers on Linux.
 */
const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

/** A signal by name (KILL, SIGKILL, kill) or number. */
export function parseSignal(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 0 && n < 65) return n; // 0: runc's "is it alive" probe
  } else {
    const up = s.toUpperCase();
    const n = SIGNALS[up.startsWith('SIG') ? up : `SIG${up}`];
    if (n !== undefined) return n;
  }
  const { OcitsError, quoteInput } = require('../errors') as typeof import('../errors');
  throw new OcitsError('EUSAGE', `unknown signal ${quoteInput(s)}`);
}
