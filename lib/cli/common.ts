/** What every subcommand module shares: the global args type and error exit. */
import * as log from '../log';
import type { GlobalArgs } from './globals';

/** One flag, in yargs' option form (the fast parser reads the same table). */
export interface Flag {
  type: 'string' | 'boolean' | 'number';
  alias?: string;
  default?: string | boolean | number;
  choices?: readonly string[];
  /** may be repeated; the values are collected in order */
  array?: boolean;
  describe: string;
  hidden?: boolean;
}

/** A subcommand: yargs' command string ("kill <container-id> [signal]"), its flags, its handler. */
export interface Cmd<T> {
  command: string;
  aliases?: readonly string[];
  describe: string;
  flags?: Readonly<Record<string, Flag>>;
  handler: (args: T & GlobalArgs) => void;
  /**
   * For a command whose arguments after the container id are not ocits' own
   * (exec's command, ps's options): takes them out of argv before parsing
   * (see splitAfterId), returns argv without them; argv unchanged when it is
   * not this command.
   */
  splitArgs?: (argv: string[]) => string[];
  /**
   * Run the command's pure hot path once without acting (validation,
   * planning...), so that the V8 code cache the build makes for the
   * command's bundle holds it compiled (scripts/bundle.js). Argument parsing
   * is warmed for every command anyway.
   */
  warm?: () => void;
}

/** A failure ends the command: one error line in the log, `ocits: msg` on stderr, exit 1 (exec: 255, as runc). */
export function fail(err: unknown, code = 1): never {
  const msg = err instanceof Error ? err.message : String(err);
  log.fatal(msg.replace(/\n+$/, '').replace(/\n/g, ': '));
  process.exit(code);
}

/** A command's output on stdout (see log.writeAll). */
export function writeOut(text: string): void {
  log.writeAll(1, text);
}

let pending: (() => void) | undefined;

/**
 * Handlers do not act while yargs parses: they leave their work here and
 * main() runs it once parsing is over (so the build can warm the parser
 * without running anything, and yargs' own bookkeeping stays off the clock).
 */
export function takePending(): (() => void) | undefined {
  const p = pending;
  pending = undefined;
  return p;
}

/** Queue a handler body; any error becomes `ocits: message`, exit 1. */
export function guard(body: () => void): void {
  pending = () => {
    try {
      body();
    } catch (e) {
      fail(e);
    }
  };
}

export function guardAsync(body: () => Promise<void>): void {
  pending = () => {
    body().catch((e) => fail(e));
  };
}

export function id(a: { 'container-id': string }): string {
  return String(a['container-id']);
}
