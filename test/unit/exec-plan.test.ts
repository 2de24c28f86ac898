// exec's pure parts: the process runc builds from the config and the flags,
// its checks, the exec plan, and the command line split at the container id.
import t from 'tap';
import { splitAfterId } from '../../lib/cli/globals';
import { fastParse } from '../../lib/cli/fastargs';
import { command as execCommand, execFlags, splitExecArgs } from '../../lib/cli/exec';
import { OcitsError } from '../../lib/errors';
import { PlanFlag } from '../../lib/native/protocol';
import { buildExecPlan, checkExecProcess, overrideProcess } from '../../lib/plan/exec';
import type { Process, Spec } from '../../lib/spec/types';

const BASE: Process = {
  terminal: true,
  user: { uid: 0, gid: 0, additionalGids: [3] },
  args: ['sleep', '1000'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/',
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'] },
  noNewPrivileges: false,
  rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
};

t.test('overrideProcess: runc\'s exec overrides on the config\'s process', async (t) => {
  const p = overrideProcess(BASE, {
    args: ['sh'],
    cwd: '/tmp',
    env: ['B=2'],
    user: '5:6',
    additionalGids: [7],
    caps: ['CAP_NET_ADMIN'],
    noNewPrivs: true,
    apparmor: 'prof',
    processLabel: 'label',
  });
  t.same(p.args, ['sh']);
  t.equal(p.cwd, '/tmp');
  t.same(p.env, ['PATH=/bin', 'A=1', 'B=2'], 'env appended');
  t.same(p.user, { uid: 5, gid: 6, additionalGids: [3, 7] });
  t.same(p.capabilities, {
    bounding: ['CAP_KILL', 'CAP_NET_ADMIN'],
    effective: ['CAP_KILL', 'CAP_NET_ADMIN'],
    permitted: ['CAP_KILL', 'CAP_NET_ADMIN'],
    inheritable: ['CAP_KILL'],
    ambient: ['CAP_NET_ADMIN'],
  }, 'caps added to bounding, effective, permitted and ambient');
  t.equal(p.noNewPrivileges, true);
  t.equal(p.apparmorProfile, 'prof');
  t.equal(p.selinuxLabel, 'label');
  t.equal(p.terminal, false, 'no terminal without --tty, whatever the config says');
  t.same(p.rlimits, BASE.rlimits, 'rlimits kept');
  t.same(BASE.env, ['PATH=/bin', 'A=1'], 'the config is not changed');

  const tty = overrideProcess(BASE, { args: ['sh'], tty: true });
  t.equal(tty.terminal, true, '--tty');
  t.same(overrideProcess(BASE, { args: ['x'], user: '9' }).user, { uid: 9, gid: 0, additionalGids: [3] }, 'uid only');
  t.throws(() => overrideProcess(BASE, { args: ['x'], user: 'abc' }), /parsing abc as int for uid failed/);
  t.throws(() => overrideProcess(BASE, { args: ['x'], user: '1:x' }), /parsing x as int for gid failed/);
  t.throws(() => overrideProcess(BASE, { args: ['x'], additionalGids: [-1] }), /additional-gids must be a positive number -1/);
  t.same(overrideProcess(undefined, { args: ['x'] }).user, { uid: 0, gid: 0 }, 'no process in the config');
});

t.test('checkExecProcess: runc\'s validateProcessSpec', async (t) => {
  t.doesNotThrow(() => checkExecProcess({ args: ['x'], cwd: '/' }));
  t.throws(() => checkExecProcess({ args: ['x'], cwd: '' }), /Cwd property must not be empty/);
  t.throws(() => checkExecProcess({ args: ['x'], cwd: 'rel' }), /Cwd must be an absolute path/);
  t.throws(() => checkExecProcess({ args: [], cwd: '/' }), /args must not be empty/);
  try {
    checkExecProcess({ args: [], cwd: '/' });
  } catch (e) {
    t.equal((e as OcitsError).pointer, '/args', 'the field is named');
  }
});

t.test('buildExecPlan: the process part only, in exec mode', async (t) => {
  const spec = {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    hostname: 'h',
    process: BASE,
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'network' }],
      maskedPaths: ['/proc/kcore'],
      sysctl: { 'net.ipv4.ip_forward': '1' },
    },
  } as unknown as Spec;
  const proc = overrideProcess(BASE, { args: ['sh', '-c', 'x'], noNewPrivs: true });
  const joins = [{ type: 0x20000000, path: '/proc/42/ns/pid' }];
  const plan = buildExecPlan(spec, proc, { bundle: '/b', initPid: 42, joins });
  t.equal(plan.flags & PlanFlag.EXEC, PlanFlag.EXEC, 'exec mode');
  t.equal(plan.flags & PlanFlag.NO_NEW_PRIVS, PlanFlag.NO_NEW_PRIVS, 'no_new_privs kept');
  t.equal(plan.flags & (PlanFlag.SETUP_DEV | PlanFlag.SET_HOSTNAME | PlanFlag.LOOPBACK), 0, 'nothing of the rootfs or the namespaces\' setup');
  t.equal(plan.cloneFlags, 0, 'no new namespace');
  t.same(plan.joins, joins);
  t.equal(plan.rootfs, '/proc/42/root', 'the init\'s root');
  t.same([plan.mounts, plan.devices, plan.maskedPaths, plan.sysctls], [[], [], [], []]);
  t.equal(plan.fifoPath, '');
  t.equal(plan.keyring, '', 'the container\'s keyring is not replaced');
  t.same(plan.args, ['sh', '-c', 'x']);
  t.equal(plan.rlimits.length, 1, 'rlimits');
  t.equal(plan.caps.bounding, 1n << 5n, 'CAP_KILL');
});

t.test('splitAfterId: the words after the container id are the command', async (t) => {
  const v = new Set(['e', 'env', 'u', 'user']);
  t.same(splitAfterId(['exec', 'c1', 'ls', '-l'], 'exec', v), { argv: ['exec', 'c1'], rest: ['ls', '-l'] });
  t.same(splitAfterId(['--root', '/r', 'exec', '-e', 'A=1', '--user=5', 'c1', 'sh', '-c', 'x -e'], 'exec', v), {
    argv: ['--root', '/r', 'exec', '-e', 'A=1', '--user=5', 'c1'],
    rest: ['sh', '-c', 'x -e'],
  });
  t.same(splitAfterId(['exec', '-t', 'c1', '--root', 'x'], 'exec', v), { argv: ['exec', '-t', 'c1'], rest: ['--root', 'x'] }, 'flags after the id belong to the command');
  t.equal(splitAfterId(['ps', 'c1'], 'exec', v), undefined, 'another subcommand');
  t.equal(splitAfterId(['exec', '-e', 'A'], 'exec', v), undefined, 'no id');
});

t.test('exec\'s command line on the fast path: repeated flags collect', async (t) => {
  const argv = splitExecArgs(['exec', '-e', 'A=1', '-e', 'B=2', '-g', '5', '-g', '6', '--cap', 'CAP_X', '-t', 'c1', 'ls']);
  const r = fastParse(argv, {}, [execCommand as never]);
  t.ok(r, 'parsed without yargs');
  t.same(r!.args.env, ['A=1', 'B=2']);
  t.same(r!.args['additional-gids'], [5, 6]);
  t.same(r!.args.cap, ['CAP_X']);
  t.equal(r!.args.tty, true);
  t.equal(r!.args['container-id'], 'c1');
  t.equal(r!.args.detach, false, 'defaults');
  t.ok(execFlags.env.array && execFlags.cap.array, 'array flags');
});
