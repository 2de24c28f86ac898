import { guard, id, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string }> = {
  command: 'pause <container-id>',
  describe: 'pause suspends all processes inside the container',
  handler: (a) =>
    guard(() => {
      (require('../runtime/pause') as typeof import('../runtime/pause')).pause(a.root, id(a));
    }),
};
