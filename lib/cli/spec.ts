import { guard, type Cmd } from './common';

export const command: Cmd<{ bundle: string; rootless: boolean }> = {
  command: 'spec',
  describe: 'create a new specification file (config.json)',
  flags: {
    bundle: { alias: 'b', type: 'string', default: '.', describe: 'path to the root of the bundle directory' },
    rootless: { type: 'boolean', default: false, describe: 'generate a configuration for a rootless container' },
  },
  handler: (a) =>
    guard(() => {
      (require('../spec/default') as typeof import('../spec/default')).writeSpec(a.bundle, !!a.rootless);
    }),
};
