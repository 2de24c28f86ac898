import { guard, id, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string }> = {
  command: 'state <container-id>',
  describe: 'output the state of a container',
  handler: (a) =>
    guard(() => {
      const s = (require('../runtime/state') as typeof import('../runtime/state')).state(a.root, id(a));
      process.stdout.write(JSON.stringify(s, null, 2));
    }),
};
