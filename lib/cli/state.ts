import { guard, id, writeOut, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string }> = {
  command: 'state <container-id>',
  describe: 'output the state of a container',
  handler: (a) =>
    guard(() => {
      const s = (require('../runtime/state') as typeof import('../runtime/state')).state(a.root, id(a));
      writeOut(JSON.stringify(s, null, 2));
    }),
};
