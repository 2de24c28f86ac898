// Unit tests of the cgroup device rules (lib/cgroups/devices.ts): the rule
// list runc builds from a config, the v1 emulator (kernel semantics), the
// devices.allow/deny transition, a v1 dir written through applyDevices, and
// the addon's eBPF instruction generation (decoded back here).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  applyDevices,
  bpfInput,
  buildDeviceRules,
  DeviceEmulator,
  ruleString,
  WILDCARD,
  type DeviceRule,
} from '../../lib/cgroups/devices';
import { OcitsError } from '../../lib/errors';
import { native } from '../../lib/native';
import type { CgroupManager } from '../../lib/cgroups';
import type { Spec } from '../../lib/spec/types';

const spec = (devices?: unknown[], linuxDevices?: unknown[]): Spec =>
  ({ ociVersion: '1.0.2', linux: { resources: devices ? { devices } : undefined, devices: linuxDevices } }) as unknown as Spec;

// devices.list of a runc 1.1.5 container with the default spec (read on this host)
const RUNC_DEFAULT_LIST = [
  'b *:* m',
  'c *:* m',
  'c 1:3 rwm',
  'c 1:5 rwm',
  'c 1:7 rwm',
  'c 1:8 rwm',
  'c 1:9 rwm',
  'c 5:0 rwm',
  'c 5:2 rwm',
  'c 10:200 rwm',
  'c 136:* rwm',
];

t.test('buildDeviceRules: config rules in order, then runc defaults', async (t) => {
  const r = buildDeviceRules(spec([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'wr' }]));
  t.same(r[0], { type: 'a', major: WILDCARD, minor: WILDCARD, access: 'rwm', allow: false }, 'absent type = a, absent numbers = wildcard');
  t.same(r[1], { type: 'c', major: 1, minor: 11, access: 'rw', allow: true }, 'access normalised to rwm order');
  t.equal(r.length, 2 + 11, "runc's 11 default rules follow");
  t.same(r.slice(2).map(ruleString), ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm']);
  const noFull = buildDeviceRules(spec([], [{ path: '/dev/full', type: 'c', major: 1, minor: 7 }]));
  t.notOk(noFull.some((x) => x.major === 1 && x.minor === 7), 'a default redefined by path in linux.devices loses its rule');
  const other = buildDeviceRules(spec([], [{ path: '/dev/full2', type: 'c', major: 1, minor: 7 }]));
  t.ok(other.some((x) => x.major === 1 && x.minor === 7), 'another path keeps it (runc compares paths)');
  t.equal(buildDeviceRules({ ociVersion: '1.0.2' } as Spec).length, 11, 'no linux: the defaults');
});

t.test('buildDeviceRules: invalid rules name the field', async (t) => {
  const bad = (d: unknown, ptr: string) => {
    try {
      buildDeviceRules(spec([d]));
      t.fail(`${JSON.stringify(d)} accepted`);
    } catch (e) {
      t.ok(e instanceof OcitsError, 'OcitsError');
      t.equal((e as OcitsError).pointer, ptr, ptr);
    }
  };
  bad({ allow: true, type: 'c' }, '/linux/resources/devices/0/access');
  bad({ allow: true, type: 'c', access: '' }, '/linux/resources/devices/0/access');
  bad({ allow: true, type: 'c', access: 'rx' }, '/linux/resources/devices/0/access');
  bad({ allow: true, type: 'u', access: 'r' }, '/linux/resources/devices/0/type');
  bad({ allow: true, type: 'c', major: -2, access: 'r' }, '/linux/resources/devices/0/major');
});

t.test('emulator: the default spec gives runc devices.list', async (t) => {
  const e = DeviceEmulator.fromRules(buildDeviceRules(spec([{ allow: false, access: 'rwm' }])));
  t.notOk(e.isBlacklist(), 'deny-all default');
  t.same(e.cleanRules().map(ruleString), RUNC_DEFAULT_LIST);
  t.same(DeviceEmulator.fromRules(buildDeviceRules(spec())).cleanRules().map(ruleString), RUNC_DEFAULT_LIST, 'no rules: deny-all too (runc starts with a white-list)');
});

t.test('emulator: kernel semantics', async (t) => {
  const r = (type: DeviceRule['type'], major: number, minor: number, access: string, allow: boolean): DeviceRule => ({ type, major, minor, access, allow });
  let e = DeviceEmulator.fromRules([r('a', -1, -1, 'rwm', true), r('c', 1, 5, 'rwm', false)]);
  t.ok(e.isBlacklist(), 'allow a: black-list');
  t.same(e.cleanRules().map(ruleString), ['a *:* rwm', 'c 1:5 rwm']);
  t.same(e.cleanRules().map((x) => x.allow), [true, false]);
  e = DeviceEmulator.fromRules([r('c', 1, 3, 'r', true), r('c', 1, 3, 'w', true), r('c', 1, 3, 'r', false)]);
  t.same(e.cleanRules().map(ruleString), ['c 1:3 w'], 'allow merges, deny removes access');
  e = DeviceEmulator.fromRules([r('c', 1, 3, 'rwm', true), r('c', 1, 3, 'rwm', false)]);
  t.same(e.cleanRules(), [], 'deny of all the access removes the exception');
  e = DeviceEmulator.fromRules([r('c', 1, 3, 'rwm', true), r('a', -1, -1, 'rwm', false)]);
  t.same(e.cleanRules(), [], 'deny a resets');
  t.throws(() => DeviceEmulator.fromRules([r('c', -1, -1, 'rwm', true), r('c', 1, 3, 'r', false)]), /cannot punch hole/, 'holes in wildcards are refused');
  t.doesNotThrow(() => DeviceEmulator.fromRules([r('c', -1, -1, 'm', true), r('c', 1, 3, 'r', false)]), 'no overlapping access: fine');
  t.same(DeviceEmulator.fromList('a *:* rwm\n').isBlacklist(), true, 'devices.list a *:* rwm = allow all');
  t.same(DeviceEmulator.fromList(RUNC_DEFAULT_LIST.join('\n') + '\n').cleanRules().map(ruleString), RUNC_DEFAULT_LIST, 'devices.list round trip');
});

t.test('transition: what is written to devices.allow / devices.deny', async (t) => {
  const target = DeviceEmulator.fromRules(buildDeviceRules(spec([{ allow: false, access: 'rwm' }])));
  const fromAll = DeviceEmulator.fromList('a *:* rwm\n').transition(target);
  t.same(fromAll[0], { type: 'a', major: -1, minor: -1, access: 'rwm', allow: false }, 'deny a first');
  t.same(fromAll.slice(1).map(ruleString), RUNC_DEFAULT_LIST, 'then every allow');
  t.ok(fromAll.slice(1).every((x) => x.allow));
  t.same(target.transition(target), [], 'nothing when the state is already there');
  const cur = DeviceEmulator.fromList('c 1:3 rwm\nc 1:11 rw\n');
  const w = cur.transition(DeviceEmulator.fromList('c 1:3 r\nc 1:5 rwm\n'));
  t.same(w.map((x) => `${x.allow ? 'allow' : 'deny'} ${ruleString(x)}`), ['deny c 1:3 wm', 'deny c 1:11 rw', 'allow c 1:5 rwm'], 'white-list to white-list: a diff');
});

t.test('applyDevices on a v1 dir', async (t) => {
  // A fake devices dir: devices.list is what the writes below would leave.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-devices-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'devices.list'), RUNC_DEFAULT_LIST.join('\n') + '\n');
  const cg = { mode: 'hybrid', paths: { devices: dir, unified: '/nonexistent' } } as unknown as CgroupManager;
  let bpfUsed = false;
  applyDevices(cg, spec([{ allow: false, access: 'rwm' }]), () => {
    bpfUsed = true;
    throw new Error('no bpf on v1');
  });
  t.notOk(bpfUsed, 'v1 devices hierarchy: no eBPF (as runc on a hybrid host)');
  t.notOk(fs.existsSync(path.join(dir, 'devices.allow')), 'state already right: nothing written');
  // a list that does not match after the writes is an error
  t.throws(() => applyDevices(cg, spec([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }]), () => ({}) as never), /does not match/);
  t.equal(fs.readFileSync(path.join(dir, 'devices.allow'), 'utf8'), 'c 1:11 r', 'the diff was written to devices.allow');
});

t.test('applyDevices on v2: the program goes to the unified dir', async (t) => {
  const calls: string[] = [];
  const cg = { mode: 'v2', paths: { unified: '/sys/fs/cgroup/x' } } as unknown as CgroupManager;
  applyDevices(cg, spec([{ allow: false, access: 'rwm' }]), () => ({
    devicesProgram: (inp) => {
      calls.push(`program ${inp.defaultAllow} ${inp.rules.length}`);
      return Buffer.alloc(8);
    },
    devicesAttach: (dir) => {
      calls.push(`attach ${dir}`);
      return 42;
    },
    close: (fd) => void calls.push(`close ${fd}`),
  }));
  t.same(calls, ['program false 11', 'attach /sys/fs/cgroup/x', 'close 42']);
});

// ---- the addon's instructions

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}
function decode(buf: Buffer): Insn[] {
  const out: Insn[] = [];
  for (let i = 0; i < buf.length; i += 8) {
    out.push({ code: buf[i], dst: buf[i + 1] & 0xf, src: buf[i + 1] >> 4, off: buf.readInt16LE(i + 2), imm: buf.readInt32LE(i + 4) });
  }
  return out;
}
const JNE_K = 0x55;
const JNE_X = 0x5d;
const MOV_K = 0xb4;
const EXIT = 0x95;

/** Run the program on one access the way the kernel would (only the opcodes it uses). */
function run(insns: Insn[], type: number, access: number, major: number, minor: number): number {
  const ctx = [(access << 16) | type, major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0; pc < insns.length; pc++) {
    const i = insns[pc];
    switch (i.code) {
      case 0x61: r[i.dst] = ctx[i.off / 4] >>> 0; break; // ldxw
      case 0x54: r[i.dst] = (r[i.dst] & i.imm) >>> 0; break; // and32 k
      case 0x74: r[i.dst] = r[i.dst] >>> i.imm; break; // rsh32 k
      case 0xbc: r[i.dst] = r[i.src]; break; // mov32 x
      case MOV_K: r[i.dst] = i.imm >>> 0; break;
      case JNE_K: if (r[i.dst] !== i.imm >>> 0) pc += i.off; break;
      case JNE_X: if (r[i.dst] !== r[i.src]) pc += i.off; break;
      case EXIT: return r[0];
      default: throw new Error(`opcode ${i.code.toString(16)}`);
    }
  }
  throw new Error('fell off the program');
}

t.test('eBPF program: instructions as runc devicefilter', async (t) => {
  const n = native();
  const def = decode(n.devicesProgram(bpfInput(buildDeviceRules(spec([{ allow: false, access: 'rwm' }])))));
  // 6 loads + b *:* m (6) + c *:* m (6) + 8 exact rwm rules (5 each) + c 136:* rwm (4) + default (2)
  t.equal(def.length, 64, '64 instructions for the default spec (runc: 64)');
  t.same(def.slice(-2).map((i) => [i.code, i.imm]), [[MOV_K, 0], [EXIT, 0]], 'default: deny');
  const C = 2, B = 1, R = 2, W = 4, M = 1;
  t.equal(run(def, C, R | W, 1, 3), 1, 'c 1:3 rw allowed');
  t.equal(run(def, C, R, 1, 5), 1, 'c 1:5 r allowed');
  t.equal(run(def, C, R, 1, 11), 0, 'c 1:11 r denied');
  t.equal(run(def, C, M, 1, 11), 1, 'c 1:11 mknod allowed');
  t.equal(run(def, B, M, 8, 0), 1, 'b 8:0 mknod allowed');
  t.equal(run(def, B, R, 8, 0), 0, 'b 8:0 read denied');
  t.equal(run(def, C, R | W, 136, 7), 1, 'c 136:7 (pts) allowed');

  const black = decode(n.devicesProgram(bpfInput([{ type: 'a', major: -1, minor: -1, access: 'rwm', allow: true }, { type: 'c', major: 1, minor: 5, access: 'r', allow: false }])));
  t.equal(black.length, 6 + (1 + 3 + 2 + 2) + 2, 'black-list with one partial-access rule');
  t.same(black.slice(-2).map((i) => [i.code, i.imm]), [[MOV_K, 1], [EXIT, 0]], 'default: allow');
  t.equal(run(black, C, R, 1, 5), 0, 'c 1:5 r denied');
  t.equal(run(black, C, W, 1, 5), 1, 'c 1:5 w allowed');
  t.equal(run(black, C, R | W, 1, 5), 1, 'c 1:5 rw: the rule covers only r, so it does not match (as runc)');
  t.equal(run(black, B, R, 1, 5), 1, 'b 1:5 allowed');

  t.throws(() => n.devicesProgram({ defaultAllow: false, rules: [{ type: 'x' as 'c', major: 1, minor: 1, access: 'r', allow: true }] }), /invalid device type/);
  t.throws(() => n.devicesProgram({ defaultAllow: false, rules: [{ type: 'c', major: 1, minor: 1, access: 'q', allow: true }] }), /unknown device access/);
});
