// Unit tests of linux.seccomp -> the addon's input (lib/plan/seccomp.ts), the
// exact uint64 reader (lib/spec/exactints.ts), the container process state a
// seccomp agent gets (lib/runtime/seccomp.ts), and the addon's compiler
// (libseccomp) through compileSeccomp and buildPlan.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { buildPlan } from '../../lib/plan/build';
import { compileSeccomp, KNOWN_FLAGS, SCMP_ACT, SCMP_CMP, SECCOMP_FILTER_FLAG, seccompInput } from '../../lib/plan/seccomp';
import { PlanFlag } from '../../lib/native/protocol';
import { containerProcessState, seccompFeatures } from '../../lib/runtime/seccomp';
import { exactIntegers } from '../../lib/spec/exactints';
import { features } from '../../lib/spec/features';
import type { LinuxSeccomp, Spec } from '../../lib/spec/types';

const ALLOW = 0x7fff0000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;
const TRACE = (e: number) => (0x7ff00000 | e) >>> 0;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sc = (s: any): LinuxSeccomp => s as LinuxSeccomp;

function thrown(t: Test, fn: () => unknown, what: string): OcitsError | undefined {
  try {
    fn();
  } catch (e) {
    t.ok(e instanceof OcitsError, `${what}: throws an OcitsError`, { got: String(e) });
    return e as OcitsError;
  }
  t.fail(`${what}: throws`);
  return undefined;
}

/** The error names `pointer`, in err.pointer and in its message. */
function failsAt(t: Test, s: LinuxSeccomp, pointer: string, msg: RegExp, opts = {}): void {
  const e = thrown(t, () => seccompInput(s, opts), pointer);
  t.equal(e?.code, 'EINVAL_CONFIG', `${pointer}: code`);
  t.equal(e?.pointer, pointer, `${pointer}: pointer`);
  t.match(e?.message, `invalid config: ${pointer}: `, `${pointer}: message names the pointer`);
  t.match(e?.message, msg, `${pointer}: message says why`);
}

t.test('actions, errno defaults and the default action', async (t) => {
  const p = seccompInput(
    sc({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['ptrace'], action: 'SCMP_ACT_TRACE' },
        { names: ['kill'], action: 'SCMP_ACT_TRACE', errnoRet: 3 },
        { names: ['a'], action: 'SCMP_ACT_KILL' },
        { names: ['b'], action: 'SCMP_ACT_KILL_THREAD' },
        { names: ['c'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['d'], action: 'SCMP_ACT_TRAP' },
        { names: ['e'], action: 'SCMP_ACT_LOG' },
        { names: ['f'], action: 'SCMP_ACT_ALLOW' },
      ],
    }),
  );
  t.equal(p.input.defaultAction, ERRNO(1), 'SCMP_ACT_ERRNO without defaultErrnoRet: EPERM');
  t.same(
    p.input.rules.map((r) => [r.name, r.action]),
    [
      ['mkdir', ERRNO(38)],
      ['mkdirat', ERRNO(38)],
      ['rmdir', ERRNO(1)],
      ['ptrace', TRACE(1)],
      ['kill', TRACE(3)],
      ['a', 0],
      ['b', 0],
      ['c', 0x80000000],
      ['d', 0x00030000],
      ['e', 0x7ffc0000],
      ['f', ALLOW],
    ],
    'one rule per name; KILL is KILL_THREAD; ERRNO/TRACE carry their errno (EPERM by default)',
  );
  t.same(p.rulePointers.slice(0, 3), ['/linux/seccomp/syscalls/0', '/linux/seccomp/syscalls/0', '/linux/seccomp/syscalls/1']);
  t.equal(p.notify, false);
  t.equal(p.flags, 0);
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5 })).input.defaultAction, ERRNO(5));
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_TRACE', defaultErrnoRet: 0 })).input.defaultAction, TRACE(0), 'errnoRet 0 is kept');
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_KILL_PROCESS' })).input.defaultAction, 0x80000000);
  t.equal(SCMP_ACT.SCMP_ACT_NOTIFY, 0x7fc00000);
});

t.test('argument conditions', async (t) => {
  const p = seccompInput(
    sc({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }],
        },
        {
          names: ['chmod'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 1, value: 0o4000, valueTwo: 0o4000, op: 'SCMP_CMP_MASKED_EQ' },
            { index: 0, value: 0, op: 'SCMP_CMP_NE' },
          ],
        },
      ],
    }),
  );
  t.same(p.input.rules[0].args, [{ index: 0, op: SCMP_CMP.SCMP_CMP_EQ, value: 0xffffffffn, valueTwo: 0n }]);
  t.same(p.input.rules[1].args, [
    { index: 1, op: 7, value: 0o4000n, valueTwo: 0o4000n },
    { index: 0, op: 1, value: 0n, valueTwo: 0n },
  ]);
  t.same(Object.entries(SCMP_CMP), [
    ['SCMP_CMP_NE', 1],
    ['SCMP_CMP_LT', 2],
    ['SCMP_CMP_LE', 3],
    ['SCMP_CMP_EQ', 4],
    ['SCMP_CMP_GE', 5],
    ['SCMP_CMP_GT', 6],
    ['SCMP_CMP_MASKED_EQ', 7],
  ]);

  // Above 2^53 the exact digits come from the config text.
  const big = sc({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 18446744073709551615, valueTwo: 2 ** 60, op: 'SCMP_CMP_MASKED_EQ' }] }],
  });
  const exact = new Map([
    ['/linux/seccomp/syscalls/0/args/0/value', 0xffffffffffffffffn],
    ['/linux/seccomp/syscalls/0/args/0/valueTwo', 2n ** 60n + 1n],
  ]);
  const q = seccompInput(big, { exact: (ptr) => exact.get(ptr) });
  t.equal(q.input.rules[0].args[0].value, 0xffffffffffffffffn, 'uint64 max, exactly');
  t.equal(q.input.rules[0].args[0].valueTwo, 2n ** 60n + 1n, 'the digits of the text, not the rounded number');
  failsAt(t, big, '/linux/seccomp/syscalls/0/args/0/value', /exact value/);
  const changed = new Map([['/linux/seccomp/syscalls/0/args/0/value', 5n]]);
  failsAt(t, big, '/linux/seccomp/syscalls/0/args/0/value', /exact value/, { exact: (p: string) => changed.get(p) });
});

t.test('invalid profiles: the error names the field', async (t) => {
  const base = (m: (s: any) => void): LinuxSeccomp => {
    const s: any = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    m(s);
    return s;
  };
  failsAt(t, base((s) => (s.defaultAction = 'SCMP_ACT_BOGUS')), '/linux/seccomp/defaultAction', /unknown seccomp action "SCMP_ACT_BOGUS"/);
  failsAt(t, base((s) => (s.defaultAction = 'constructor')), '/linux/seccomp/defaultAction', /unknown seccomp action/);
  failsAt(t, base((s) => s.syscalls.push({ names: ['x'], action: 'SCMP_ACT_ERRNO' }, { names: ['y'], action: 'KILL' })), '/linux/seccomp/syscalls/2/action', /unknown seccomp action "KILL"/);
  failsAt(t, base((s) => (s.architectures = ['SCMP_ARCH_X86_64', 'x86'])), '/linux/seccomp/architectures/1', /unknown seccomp architecture "x86"/);
  failsAt(t, base((s) => (s.syscalls[0].args = [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }])), '/linux/seccomp/syscalls/0/args/0/index', /at most 6 arguments/);
  failsAt(t, base((s) => (s.syscalls[0].args = [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'EQ' }])), '/linux/seccomp/syscalls/0/args/1/op', /unknown seccomp operator "EQ"/);
  failsAt(t, base((s) => (s.syscalls[0].args = [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }])), '/linux/seccomp/syscalls/0/args/0/value', /unsigned 64-bit/);
  failsAt(t, base((s) => (s.syscalls[0].names = [])), '/linux/seccomp/syscalls/0/names', /at least one/);
  failsAt(t, base((s) => (s.syscalls[0].names = ['mkdir', ''])), '/linux/seccomp/syscalls/0/names/1', /empty string is not a valid syscall/);
  failsAt(t, base((s) => Object.assign(s.syscalls[0], { action: 'SCMP_ACT_KILL', errnoRet: 1 })), '/linux/seccomp/syscalls/0/errnoRet', /only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_KILL/);
  failsAt(t, base((s) => (s.syscalls[0].errnoRet = 65536)), '/linux/seccomp/syscalls/0/errnoRet', /16 bits/);
  failsAt(t, base((s) => (s.defaultErrnoRet = 1)), '/linux/seccomp/defaultErrnoRet', /not SCMP_ACT_ALLOW/);
  failsAt(t, base((s) => (s.flags = ['SECCOMP_FILTER_FLAG_BOGUS'])), '/linux/seccomp/flags/0', /unknown seccomp flag/);
  failsAt(t, base((s) => (s.flags = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'])), '/linux/seccomp/flags/1', /not supported by this kernel/, {
    supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC'],
  });
});

t.test('SCMP_ACT_NOTIFY and the listener', async (t) => {
  const notify = (m: (s: any) => void = () => {}): LinuxSeccomp => {
    const s: any = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: '/run/agent.sock',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
    };
    m(s);
    return s;
  };
  const p = seccompInput(notify((s) => (s.listenerMetadata = 'meta')));
  t.equal(p.notify, true);
  t.equal(p.listenerPath, '/run/agent.sock');
  t.equal(p.listenerMetadata, 'meta');
  t.equal(p.input.rules[0].action, 0x7fc00000);
  failsAt(t, notify((s) => delete s.listenerPath), '/linux/seccomp/listenerPath', /required when a rule uses SCMP_ACT_NOTIFY/);
  failsAt(t, notify((s) => (s.listenerPath = '/' + 'x'.repeat(107))), '/linux/seccomp/listenerPath', /longer than a unix socket path/);
  failsAt(t, notify((s) => (s.defaultAction = 'SCMP_ACT_NOTIFY')), '/linux/seccomp/defaultAction', /cannot be used as default action/);
  failsAt(t, notify((s) => (s.syscalls[0].names = ['read', 'write'])), '/linux/seccomp/syscalls/0/names/1', /cannot be used for the write syscall/);
  failsAt(t, notify((s) => (s.syscalls[0].names = ['sendmsg'])), '/linux/seccomp/syscalls/0/names/0', /sendmsg/);
  // listenerMetadata MUST NOT be set without listenerPath; listenerPath alone is ignored without notify.
  failsAt(t, sc({ defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'm' }), '/linux/seccomp/listenerMetadata', /without listenerPath/);
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: 'relative.sock' })).notify, false);
  t.same(
    seccompInput(sc({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ERRNO' }] })).input.rules.length,
    1,
    'write is fine with other actions',
  );
});

t.test('flags', async (t) => {
  const all = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
  t.same(KNOWN_FLAGS.map(([n]) => n), all, 'the spec order');
  const plain = seccompInput(sc({ defaultAction: 'SCMP_ACT_ALLOW', flags: all }));
  t.equal(plain.flags, SECCOMP_FILTER_FLAG.LOG | SECCOMP_FILTER_FLAG.SPEC_ALLOW, 'TSYNC needs nothing; WAIT_KILLABLE_RECV only with a listener');
  const withListener = seccompInput(
    sc({ defaultAction: 'SCMP_ACT_ALLOW', flags: all, listenerPath: '/a', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }),
  );
  t.equal(withListener.flags, 2 | 4 | 32);
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] }), { supportedFlags: all }).flags, 2);
});

t.test('the -ENOSYS stub and the optimizer, as runc decides them', async (t) => {
  const names = Array.from({ length: 33 }, (_, i) => `s${i}`);
  const arches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  const errno = seccompInput(sc({ defaultAction: 'SCMP_ACT_ERRNO', architectures: arches, syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] }));
  t.equal(errno.input.enosysStub, true, 'non-permissive default with architectures');
  t.equal(errno.input.optimize, true, 'more than 32 rules');
  t.same(errno.input.stubNames, names);
  t.same(errno.input.architectures, arches);
  for (const d of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) {
    t.equal(seccompInput(sc({ defaultAction: d, architectures: arches })).input.enosysStub, false, `no stub with ${d}`);
  }
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_KILL', architectures: arches })).input.enosysStub, true, 'KILL gets the stub');
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ERRNO' })).input.enosysStub, false, 'no architectures listed: no stub');
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: arches })).input.enosysStub, false, 'ENOSYS already');
  t.equal(seccompInput(sc({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: names.slice(0, 32), action: 'SCMP_ACT_ALLOW' }] })).input.optimize, false);
});

t.test('exactIntegers reads uint64 literals back by JSON pointer', async (t) => {
  const text = `{"a": 1, "linux": {"seccomp": {"syscalls": [{"args": [{"value": 18446744073709551615, "valueTwo": 9007199254740993}, {"value": 12}]}]}},
    "x/y~z": [ -9007199254740993, 1.5e300, "18446744073709551615", true, null, {} , [] ], "a": 18446744073709551614}`;
  const m = exactIntegers(text);
  t.same(
    [...m],
    [
      ['/linux/seccomp/syscalls/0/args/0/value', 18446744073709551615n],
      ['/linux/seccomp/syscalls/0/args/0/valueTwo', 9007199254740993n],
      ['/x~1y~0z/0', -9007199254740993n],
      ['/a', 18446744073709551614n],
    ],
  );
  t.same([...exactIntegers('[1, 2, {"k": "\\"}"}]')], [], 'escaped quotes in strings');
});

t.test('the container process state for a seccomp agent (runc order)', async (t) => {
  const s = containerProcessState(sc({ defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'MKNOD=/dev/null' }), { id: 'c1', bundle: '/b', annotations: { k: 'v' } }, 4422);
  t.equal(
    s,
    '{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":4422,"metadata":"MKNOD=/dev/null","state":{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":4422,"bundle":"/b","annotations":{"k":"v"}}}',
  );
  const bare = JSON.parse(containerProcessState(sc({ defaultAction: 'SCMP_ACT_ALLOW' }), { id: 'c2', bundle: '/b', annotations: {} }, 7));
  t.same(Object.keys(bare), ['ociVersion', 'fds', 'pid', 'state'], 'no metadata when unset');
  t.same(Object.keys(bare.state), ['ociVersion', 'id', 'status', 'pid', 'bundle'], 'no annotations when empty');
});

// ------------------------------------------------ through libseccomp (the addon)

function bundle(t: Test, config?: string): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-seccomp-')));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  fs.mkdirSync(path.join(d, 'rootfs'));
  if (config !== undefined) fs.writeFileSync(path.join(d, 'config.json'), config);
  return d;
}

t.test('compileSeccomp: BPF from libseccomp, errors mapped to the field', async (t) => {
  const b = bundle(t);
  const allow = compileSeccomp(sc({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }), b);
  t.ok(allow.bpf.length > 0 && allow.bpf.length % 8 === 0, 'whole sock_filter instructions');
  t.equal(allow.flags, 0);
  t.equal(allow.notify, false);
  // Unknown names are ignored, as runc; a rule with the default action is skipped.
  const more = compileSeccomp(
    sc({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'no_such_syscall_ocits'], action: 'SCMP_ACT_ERRNO' },
        { names: ['rmdir'], action: 'SCMP_ACT_ALLOW' },
      ],
    }),
    b,
  );
  t.same(more.bpf, allow.bpf, 'same program: unknown names and default-action rules add nothing');
  // The -ENOSYS stub is prepended ahead of libseccomp's program.
  const errnoProfile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };
  const plain = compileSeccomp(sc(errnoProfile), b);
  const stubbed = compileSeccomp(sc({ ...errnoProfile, architectures: ['SCMP_ARCH_X86_64'] }), b);
  t.ok(stubbed.bpf.length > plain.bpf.length, 'the stub adds instructions');
  t.same(stubbed.bpf.subarray(stubbed.bpf.length - plain.bpf.length), plain.bpf, "libseccomp's program follows the stub unchanged");
  t.same([...stubbed.bpf.subarray(0, 8)], [0x20, 0, 0, 0, 4, 0, 0, 0], 'the stub starts by loading the architecture');

  const e = thrown(t, () => compileSeccomp(sc({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_LOONGARCH64'] }), b), 'arch');
  t.equal(e?.pointer, '/linux/seccomp/architectures/1');
  t.match(e?.message, /SCMP_ARCH_LOONGARCH64 is not supported by libseccomp/);
});

t.test('buildPlan: seccomp fields, the notify flag, exact uint64 from config.json', async (t) => {
  const spec = (s: LinuxSeccomp): Spec =>
    ({
      ociVersion: '1.0.2',
      root: { path: 'rootfs' },
      process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
      linux: { namespaces: [{ type: 'mount' }], seccomp: s },
    }) as Spec;
  const text = JSON.stringify(
    spec(sc({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1234567, op: 'SCMP_CMP_EQ' }] }] })),
  ).replace('1234567', '18446744073709551615');
  const b = bundle(t, text);
  const p = buildPlan(JSON.parse(text), path.join(b, 'rootfs'), { bundle: b, fifoPath: path.join(b, 'f'), warnings: [] });
  t.ok(p.seccompBpf.length > 0, 'the plan carries the program');
  // The value is in the program as two 32-bit halves, both all ones.
  const ks: number[] = [];
  for (let i = 0; i < p.seccompBpf.length; i += 8) ks.push(p.seccompBpf.readUInt32LE(i + 4));
  t.ok(ks.filter((k) => k === 0xffffffff).length >= 2, 'both halves of 0xffffffffffffffff are compared');
  t.equal(p.flags & PlanFlag.SECCOMP_NOTIFY, 0);

  const n = buildPlan(
    spec(sc({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x.sock', flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] })),
    path.join(b, 'rootfs'),
    { bundle: b, fifoPath: path.join(b, 'f'), warnings: [] },
  );
  t.ok(n.flags & PlanFlag.SECCOMP_NOTIFY, 'notify flag');
  t.equal(n.seccompFlags, 2, 'SECCOMP_FILTER_FLAG_LOG');

  const none = buildPlan(spec(undefined as unknown as LinuxSeccomp), path.join(b, 'rootfs'), { bundle: b, fifoPath: path.join(b, 'f'), warnings: [] });
  t.equal(none.seccompBpf.length, 0, 'no seccomp: no program');
});

t.test('features: what libseccomp and the kernel support', async (t) => {
  const { seccomp, annotations } = seccompFeatures();
  t.equal(seccomp.enabled, true);
  t.same(seccomp.knownFlags, KNOWN_FLAGS.map(([n]) => n));
  for (const f of seccomp.supportedFlags ?? []) t.ok(seccomp.knownFlags?.includes(f), `${f} is known`);
  for (const a of ['SCMP_ACT_KILL', 'SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE']) t.ok(seccomp.actions?.includes(a), a);
  t.same(seccomp.operators, Object.keys(SCMP_CMP));
  t.ok(seccomp.archs?.includes('SCMP_ARCH_X86_64') || seccomp.archs?.includes('SCMP_ARCH_AARCH64'), 'the native arch');
  t.match(annotations['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/);
  const f = features({ seccomp, annotations }) as any;
  t.same(Object.keys(f.linux.seccomp), ['enabled', 'actions', 'operators', 'archs', 'knownFlags', 'supportedFlags']);
  t.same(f.linux.seccomp.actions, [...(seccomp.actions ?? [])].sort(), 'sorted');
});
