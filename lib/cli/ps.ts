import { guard, id, writeOut, type Cmd } from './common';
import { splitAfterId } from './globals';

/** The `ps` options after the container id (runc passes them to ps(1)); set by splitPsArgs. */
let psArgs: string[] = [];

/**
 * `ocits [globals] ps [--format F] ID [ps options...]`: everything after the
 * id belongs to ps(1) (as with runc, whose flag parsing stops at the first
 * argument). Returns argv without them; the handler picks them up.
 */
export function splitPsArgs(argv: string[]): string[] {
  const r = splitAfterId(argv, 'ps', new Set(['format', 'f']));
  if (r) psArgs = r.rest;
  return r ? r.argv : argv;
}

export const command: Cmd<{ 'container-id': string; format: string }> = {
  command: 'ps <container-id>',
  describe: 'ps displays the processes running inside a container (ps options may follow the id)',
  flags: { format: { alias: 'f', type: 'string', default: 'table', describe: 'select one of: table or json' } },
  splitArgs: splitPsArgs,
  handler: (a) =>
    guard(() => {
      const ps = require('../runtime/ps') as typeof import('../runtime/ps');
      const { OcitsError } = require('../errors') as typeof import('../errors');
      if (a.format === 'json') writeOut(ps.psJSON(ps.containerPids(a.root, id(a))));
      else if (a.format === 'table') writeOut(ps.psTable(a.root, id(a), psArgs));
      else throw new OcitsError('EUSAGE', 'invalid format option');
    }),
};
