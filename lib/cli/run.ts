import { guardAsync, type Cmd } from './common';
import { createFlags, createOptions, type CreateArgs } from './create';

export const command: Cmd<CreateArgs & { detach: boolean; keep: boolean; 'no-subreaper': boolean }> = {
  command: 'run <container-id>',
  describe: 'create and run a container',
  flags: {
    ...createFlags,
    detach: { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container\'s process' },
    keep: { type: 'boolean', default: false, describe: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', default: false, describe: 'disable the use of the subreaper used to reap reparented processes' },
  },
  handler: (a) =>
    guardAsync(async () => {
      const { run } = require('../runtime/run') as typeof import('../runtime/run');
      process.exitCode = await run({ ...createOptions(a), detach: a.detach, keep: a.keep, noSubreaper: a['no-subreaper'] });
    }),
};
