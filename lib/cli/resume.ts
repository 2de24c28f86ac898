import { guard, id, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string }> = {
  command: 'resume <container-id>',
  describe: 'resumes all processes that have been previously paused',
  handler: (a) =>
    guard(() => {
      (require('../runtime/pause') as typeof import('../runtime/pause')).resume(a.root, id(a));
    }),
};
