/** What every subcommand module shares: the global args type and error exit. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from './globals';

export type Cmd<T> = CommandModule<GlobalArgs, T & GlobalArgs>;

/** Run a handler body; any error becomes `ocits: message`, exit 1. */
export function guard(body: () => void): void {
  try {
    body();
  } catch (e) {
    (require('./main') as typeof import('./main')).fail(e);
  }
}

export function guardAsync(body: () => Promise<void>): void {
  body().catch((e) => (require('./main') as typeof import('./main')).fail(e));
}

export function id(a: { 'container-id': string }): string {
  return String(a['container-id']);
}
