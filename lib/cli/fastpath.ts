/**
 * Running one command on the fast path. The build bundles every subcommand
 * of main.ts's COMMANDS on its own (dist/cmd/NAME.js: this module, the
 * command's module and what its handler requires, nothing else), and
 * bin/ocits runs the bundle of the command named in argv: `state` loads the
 * state store and no validator, planner or yargs. When the fast parser is
 * not sure of argv (help, usage errors, unusual forms), the whole CLI
 * (main.ts, yargs) takes over with the same argv.
 */
import * as log from '../log';
import { fail, takePending, type Cmd, type Flag } from './common';
import { fastParse, type FastResult } from './fastargs';
import { GLOBAL_FLAGS, normalizeArgv, prescanLog } from './globals';

/** argv without what belongs to the commands' own programs (exec's command, ps's options), runc's single-dash long flags normalized. */
export function prepare(rawArgv: readonly string[], commands: readonly Cmd<never>[]): string[] {
  let argv = [...rawArgv];
  for (const c of commands) if (c.splitArgs) argv = c.splitArgs(argv);
  return normalizeArgv(argv);
}

/** --log, --log-format and --debug from argv, before any parsing (so that even a usage error reaches the log). */
export function configureLog(argv: string[]): void {
  const pre = prescanLog(argv);
  try {
    log.configureLog({ file: pre.file || undefined, format: pre.format === 'json' ? 'json' : 'text', debug: pre.debug });
    if (pre.format && pre.format !== 'json' && pre.format !== 'text') throw new Error(`invalid log-format: ${pre.format}`);
  } catch (e) {
    fail(e);
  }
}

/** Run the handler, then the work it queued (see guard). */
export function act(fast: FastResult): void {
  fast.cmd.handler(fast.args as never);
  takePending()?.();
}

/** `ocits [globals] NAME ...` with NAME's own bundle; `full` runs the whole CLI on the same argv. */
export function runCommand(cmd: Cmd<never>, rawArgv: string[], full: () => void): void {
  const argv = prepare(rawArgv, [cmd]);
  // What fastParse accepts is only flags of this command and the globals:
  // unknown flags, like everything else it is unsure of, go to the whole CLI.
  const fast = fastParse(argv, GLOBAL_FLAGS, [cmd]);
  if (!fast) return full();
  configureLog(argv);
  act(fast);
}

/** A command line using every flag of cmd (a value each), for warming the parser. */
function sampleArgv(cmd: Cmd<never>): string[] {
  const value = (f: Flag) => (f.type === 'number' ? '1' : f.type === 'boolean' ? undefined : (f.choices?.[0] ?? '/x'));
  const argv: string[] = ['--root', '/nonexistent', '--log-format', 'json'];
  argv.push(cmd.command.split(' ')[0]);
  for (const [name, f] of Object.entries(cmd.flags ?? {})) {
    argv.push(`--${name}`);
    const v = value(f);
    if (v !== undefined) argv.push(v);
  }
  for (const w of cmd.command.split(' ').slice(1)) if (w.startsWith('<')) argv.push('x');
  return argv;
}

/** Parse a sample command line of cmd without acting, then its own warm-up (see Cmd.warm): for the build's code cache. */
export function warmCommand(cmd: Cmd<never>): void {
  const fast = fastParse(prepare(sampleArgv(cmd), [cmd]), GLOBAL_FLAGS, [cmd]);
  if (!fast) throw new Error(`warm: the fast parser does not take ${cmd.command}'s sample command line`);
  prescanLog(sampleArgv(cmd));
  cmd.warm?.();
}
