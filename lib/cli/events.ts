import { guard, guardAsync, id, writeOut, type Cmd } from './common';

export const command: Cmd<{ 'container-id': string; interval: string; stats: boolean }> = {
  command: 'events <container-id>',
  describe: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  flags: {
    interval: { type: 'string', default: '5s', describe: 'set the stats collection interval' },
    stats: { type: 'boolean', default: false, describe: 'display the container\'s stats then exit' },
  },
  handler: (a) => {
    const ev = require('../runtime/events') as typeof import('../runtime/events');
    if (a.stats) {
      guard(() => {
        writeOut(ev.statsOnce(a.root, id(a)));
      });
      return;
    }
    guardAsync(async () => {
      const ms = ev.parseDuration(String(a.interval));
      await ev.stream(a.root, id(a), ms);
    });
  },
};
