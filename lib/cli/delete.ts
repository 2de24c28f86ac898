import { guard, id, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string; force: boolean }> = {
  command: 'delete <container-id>',
  describe: 'delete any resources held by the container',
  flags: { force: { alias: 'f', type: 'boolean', default: false, describe: 'forcibly delete the container if it is still running (uses SIGKILL)' } },
  handler: (a) =>
    guard(() => {
      (require('../runtime/delete') as typeof import('../runtime/delete')).del(a.root, id(a), a.force);
    }),
};
