/** What every subcommand module shares: the global args type and error exit. */
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
      (require('./main') as typeof import('./main')).fail(e);
    }
  };
}

export function guardAsync(body: () => Promise<void>): void {
  pending = () => {
    body().catch((e) => (require('./main') as typeof import('./main')).fail(e));
  };
}

export function id(a: { 'container-id': string }): string {
  return String(a['container-id']);
}
