import { guard, type Cmd } from './common';

export const command: Cmd<object> = {
  command: 'features',
  describe: 'show the enabled features',
  handler: () =>
    guard(() => {
      process.stdout.write((require('../spec/features') as typeof import('../spec/features')).featuresText());
    }),
};
