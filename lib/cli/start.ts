import { guard, id, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string }> = {
  command: 'start <container-id>',
  describe: 'execute the user defined process in a created container',
  handler: (a) =>
    guard(() => {
      (require('../runtime/start') as typeof import('../runtime/start')).start(a.root, id(a));
    }),
};
