import { guard, id, type Cmd } from './common';

/** The `ps` options after the container id (runc passes them to ps(1)); set by splitPsArgs. */
let psArgs: string[] = [];

const GLOBAL_VALUE_FLAGS = new Set(['root', 'log', 'log-format', 'criu']);

/**
 * `ocits [globals] ps [--format F] ID [ps options...]`: everything after the
 * id belongs to ps(1) (as with runc, whose flag parsing stops at the first
 * argument). Returns argv without them; the handler picks them up.
 */
export function splitPsArgs(argv: string[]): string[] {
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) break;
    const name = a.replace(/^--?/, '');
    if (!name.includes('=') && GLOBAL_VALUE_FLAGS.has(name)) i++;
  }
  if (argv[i] !== 'ps') return argv;
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j];
    if (a === '--format' || a === '-format' || a === '-f') {
      j++;
      continue;
    }
    if (a.startsWith('-')) continue;
    psArgs = argv.slice(j + 1);
    return argv.slice(0, j + 1);
  }
  return argv;
}

export const command: Cmd<{ 'container-id': string; format: string }> = {
  command: 'ps <container-id>',
  describe: 'ps displays the processes running inside a container (ps options may follow the id)',
  flags: { format: { alias: 'f', type: 'string', default: 'table', describe: 'select one of: table or json' } },
  handler: (a) =>
    guard(() => {
      const ps = require('../runtime/ps') as typeof import('../runtime/ps');
      const { OcitsError } = require('../errors') as typeof import('../errors');
      if (a.format === 'json') process.stdout.write(ps.psJSON(ps.containerPids(a.root, id(a))));
      else if (a.format === 'table') process.stdout.write(ps.psTable(a.root, id(a), psArgs));
      else throw new OcitsError('EUSAGE', 'invalid format option');
    }),
};
