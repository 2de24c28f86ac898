import { guard, id, type Cmd } from './common';
import { parseSignal } from './globals';

export const command: Cmd<{ 'container-id': string; signal?: string; all: boolean }> = {
  command: 'kill <container-id> [signal]',
  describe: 'kill sends the specified signal (default: SIGTERM) to the container\'s init process',
  flags: { all: { alias: 'a', type: 'boolean', default: false, describe: 'send the signal to all processes in the container' } },
  handler: (a) =>
    guard(() => {
      const sig = parseSignal(a.signal === undefined ? 'SIGTERM' : String(a.signal));
      (require('../runtime/kill') as typeof import('../runtime/kill')).kill(a.root, id(a), sig, a.all);
    }),
};
