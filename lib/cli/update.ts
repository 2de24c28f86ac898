import type { Flag } from './common';
import { guard, id, type Cmd } from './common';
import type { UpdateFlags } from '../runtime/update';

const s = (describe: string, hidden = false): Flag => ({ type: 'string', describe, hidden });

export const command: Cmd<UpdateFlags & { 'container-id': string; 'cpu-shares'?: string }> = {
  command: 'update <container-id>',
  describe: 'update container resource constraints',
  flags: {
    resources: { alias: 'r', type: 'string', describe: "path to the file containing the resources to update or '-' to read from the standard input" },
    'blkio-weight': s('Specifies per cgroup weight, range is from 10 to 1000'),
    'cpu-period': s('CPU CFS period to be used for hardcapping (in usecs). 0 to use system default'),
    'cpu-quota': s('CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period'),
    'cpu-share': s('CPU shares (relative weight vs. other containers)'),
    'cpu-shares': s('same as --cpu-share', true),
    'cpu-rt-period': s('CPU realtime period to be used for hardcapping (in usecs). 0 to use system default'),
    'cpu-rt-runtime': s('CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period'),
    'cpuset-cpus': s('CPU(s) to use'),
    'cpuset-mems': s('Memory node(s) to use'),
    'cpu-idle': s('set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE'),
    'kernel-memory': s('(obsoleted; do not use)', true),
    'kernel-memory-tcp': s('(obsoleted; do not use)', true),
    memory: s('Memory limit (in bytes)'),
    'memory-reservation': s('Memory reservation or soft_limit (in bytes)'),
    'memory-swap': s('Total memory usage (memory + swap); set \'-1\' to enable unlimited swap'),
    'pids-limit': s('Maximum number of pids allowed in the container'),
    'l3-cache-schema': s('The string of Intel RDT/CAT L3 cache schema'),
    'mem-bw-schema': s('The string of Intel RDT/MBA memory bandwidth schema'),
  },
  handler: (a) =>
    guard(() => {
      const flags: UpdateFlags = { ...a };
      if (a['cpu-shares'] !== undefined && a['cpu-share'] === undefined) flags['cpu-share'] = a['cpu-shares'];
      (require('../runtime/update') as typeof import('../runtime/update')).update(a.root, id(a), flags);
    }),
};
