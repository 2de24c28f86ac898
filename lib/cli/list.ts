import { guard, writeOut, type Cmd } from './common';
import type { StateOutput } from '../runtime/state';

/** Go's text/tabwriter as runc uses it: minwidth 12, padding 3, blanks. */
export function table(rows: string[][]): string {
  const runes = (c: string) => Array.from(c).length; // tabwriter counts characters, not UTF-16 units
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 12, runes(c) + 3, 12)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i] - runes(c)) : c)).join('') + '\n').join('');
}

export function listText(items: StateOutput[]): string {
  return table([
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...items.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]),
  ]);
}

export const command: Cmd<{ format: string; quiet: boolean }> = {
  command: 'list',
  aliases: ['ls'],
  describe: 'lists containers started by ocits with the given root',
  flags: {
    format: { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table', describe: 'select one of: table or json' },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'display only container IDs' },
  },
  handler: (a) =>
    guard(() => {
      const items = (require('../runtime/state') as typeof import('../runtime/state')).list(a.root);
      if (a.quiet) writeOut(items.map((s) => s.id + '\n').join(''));
      else if (a.format === 'json') writeOut((items.length ? JSON.stringify(items) : 'null') + '\n'); // runc prints a nil slice as null
      else writeOut(listText(items));
    }),
};
