import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { OcitsError } from '../../lib/errors';
import { loadConfig, nulBytePointer, validateConfig, validateFeatures, validateState, pickError, type AjvError } from '../../lib/spec/validate';
import { checkOciVersion, parseSemver, SPEC_VERSION } from '../../lib/spec/version';

const FIXTURES = path.join(__dirname, 'fixtures', 'spec');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const fixture = (name: string): Json => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
/** runc 1.1.5's `runc spec` output. */
const runcSpec = (): Json => fixture('runc-spec.json');

/** Run fn, expect an OcitsError; return it. */
function thrown(fn: () => unknown): OcitsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OcitsError) return err;
    throw err;
  }
  throw new Error('expected an OcitsError, nothing was thrown');
}

t.test('valid configs', async (t) => {
  t.test('runc spec default (fixture)', async (t) => {
    const c = runcSpec();
    t.equal(validateConfig(c), c, 'returns the same object, typed');
  });

  t.test('runc spec default (live runc, if installed)', async (t) => {
    let dir: string | undefined;
    try {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-runc-spec-'));
      execFileSync('runc', ['spec'], { cwd: dir, stdio: 'ignore' });
    } catch {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      t.pass('runc not available: skipped');
      return;
    }
    t.teardown(() => fs.rmSync(dir!, { recursive: true, force: true }));
    t.ok(loadConfig(dir));
    const rootless = path.join(dir, 'rootless');
    fs.mkdirSync(rootless);
    execFileSync('runc', ['spec', '--rootless'], { cwd: rootless, stdio: 'ignore' });
    t.ok(loadConfig(rootless), 'rootless variant');
  });

  t.test('a 1.0.0 config', async (t) => {
    t.ok(validateConfig(fixture('config-1.0.0.json')));
  });

  t.test('a 1.2.0 config using the 1.1/1.2 fields', async (t) => {
    t.ok(validateConfig(fixture('config-1.2.0.json')));
  });

  t.test('minimal config', async (t) => {
    t.ok(validateConfig({ ociVersion: '1.2.0', root: { path: 'rootfs' } }));
    t.ok(validateConfig({ ociVersion: '1.2.0', root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] } }), 'process.user may be left out');
  });

  t.test('fields removed or unknown to 1.2 are still accepted', async (t) => {
    const c = fixture('config-1.0.0.json');
    c.linux.resources.oomScoreAdj = 100; // pre-1.0 location
    c.linux.resources.memory.kernel = 1 << 20; // deprecated
    c.linux.timeOffset = { monotonicSecs: 1, boottimeSecs: 2 }; // never-released draft name
    c.windows = { layerFolders: ['C:\\x'] }; // other platforms are not checked
    c['org.example.extension'] = { any: 'thing' };
    t.ok(validateConfig(c));
  });

  t.test('every accepted ociVersion', async (t) => {
    for (const v of ['1.0.0', '1.0.0-rc5', '1.0.1', '1.0.2-dev', '1.1.0', '1.1.0-rc.1', '1.2.0', '1.2.1', '1.2.10+build.5']) {
      const c = runcSpec();
      c.ociVersion = v;
      t.doesNotThrow(() => validateConfig(c), v);
    }
  });
});

/** [name, mutation of the runc default, expected pointer, expected message after "invalid config: <pointer>: "] */
const INVALID: Array<[string, (c: Json) => void, string, string]> = [
  ['unknown namespace type', (c) => (c.linux.namespaces[2].type = 'net'), '/linux/namespaces/2/type', 'must be one of pid, network, mount, ipc, uts, user, cgroup, time'],
  ['namespace given as a string', (c) => (c.linux.namespaces[1] = 'network'), '/linux/namespaces/1', 'must be an object'],
  ['namespace without type', (c) => (c.linux.namespaces[0] = { path: '/proc/1/ns/pid' }), '/linux/namespaces/0/type', 'is required'],
  ['missing process.args', (c) => delete c.process.args, '/process/args', 'is required'],
  ['empty process.args', (c) => (c.process.args = []), '/process/args', 'must have at least 1 item'],
  ['relative process.cwd', (c) => (c.process.cwd = 'home'), '/process/cwd', 'must be an absolute path'],
  ['missing process.cwd', (c) => delete c.process.cwd, '/process/cwd', 'is required'],
  ['missing ociVersion', (c) => delete c.ociVersion, '/ociVersion', 'is required'],
  ['numeric ociVersion', (c) => (c.ociVersion = 1.2), '/ociVersion', 'must be a string'],
  ['missing root', (c) => delete c.root, '/root', 'is required'],
  ['root without path', (c) => (c.root = { readonly: true }), '/root/path', 'is required'],
  ['user without uid', (c) => (c.process.user = { gid: 0 }), '/process/user/uid', 'is required'],
  ['user with only a username', (c) => (c.process.user = { username: 'root', uid: 0 }), '/process/user/gid', 'is required'],
  ['uid as a string', (c) => (c.process.user.uid = '1000'), '/process/user/uid', 'must be an integer'],
  ['negative gid', (c) => (c.process.user.gid = -1), '/process/user/gid', 'must be an integer from 0 to 4294967295'],
  ['fractional additional gid', (c) => (c.process.user.additionalGids = [5, 1.5]), '/process/user/additionalGids/1', 'must be an integer'],
  ['terminal as a string', (c) => (c.process.terminal = 'true'), '/process/terminal', 'must be a boolean'],
  ['env as an object', (c) => (c.process.env = { PATH: '/bin' }), '/process/env', 'must be an array'],
  ['capabilities as a string', (c) => (c.process.capabilities.bounding = 'CAP_KILL'), '/process/capabilities/bounding', 'must be an array'],
  ['rlimit without RLIMIT_', (c) => (c.process.rlimits[0].type = 'NOFILE'), '/process/rlimits/0/type', 'must be an RLIMIT_* name such as RLIMIT_NOFILE'],
  ['rlimit without soft', (c) => delete c.process.rlimits[0].soft, '/process/rlimits/0/soft', 'is required'],
  ['mount without destination', (c) => delete c.mounts[3].destination, '/mounts/3/destination', 'is required'],
  ['mount options as a string', (c) => (c.mounts[1].options = 'nosuid,noexec'), '/mounts/1/options', 'must be an array'],
  ['hook without path', (c) => (c.hooks = { createRuntime: [{ args: ['x'] }] }), '/hooks/createRuntime/0/path', 'is required'],
  ['hook timeout 0', (c) => (c.hooks = { poststart: [{ path: '/bin/true', timeout: 0 }] }), '/hooks/poststart/0/timeout', 'must be >= 1'],
  ['annotation value not a string', (c) => (c.annotations = { 'com.example': true }), '/annotations/com.example', 'must be a string'],
  ['sysctl value not a string', (c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), '/linux/sysctl/net.ipv4.ip_forward', 'must be a string'],
  ['id mapping without size', (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1000 }]), '/linux/uidMappings/0/size', 'is required'],
  ['device type "char"', (c) => (c.linux.devices = [{ path: '/dev/fuse', type: 'char', major: 10, minor: 229 }]), '/linux/devices/0/type', 'must be one of c, b, u, p'],
  ['device without path', (c) => (c.linux.devices = [{ type: 'c', major: 1, minor: 3 }]), '/linux/devices/0/path', 'is required'],
  ['memory limit as "512m"', (c) => (c.linux.resources.memory = { limit: '512m' }), '/linux/resources/memory/limit', 'must be an integer'],
  ['pids without limit', (c) => (c.linux.resources.pids = {}), '/linux/resources/pids/limit', 'is required'],
  ['hugepage size "2M"', (c) => (c.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 1 }]), '/linux/resources/hugepageLimits/0/pageSize', 'must be a page size such as 64KB, 2MB or 1GB'],
  ['blkio weight over uint16', (c) => (c.linux.resources.blockIO = { weight: 70000 }), '/linux/resources/blockIO/weight', 'must be an integer from 0 to 65535'],
  ['throttle device without minor', (c) => (c.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, rate: 1 }] }), '/linux/resources/blockIO/throttleReadBpsDevice/0/minor', 'is required'],
  ['device cgroup rule without allow', (c) => c.linux.resources.devices.push({ type: 'c', access: 'rwm' }), '/linux/resources/devices/1/allow', 'is required'],
  ['unknown rootfsPropagation', (c) => (c.linux.rootfsPropagation = 'recursive'), '/linux/rootfsPropagation', 'must be one of private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable'],
  ['seccomp without defaultAction', (c) => (c.linux.seccomp = { syscalls: [] }), '/linux/seccomp/defaultAction', 'is required'],
  ['unknown seccomp action', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_DENY' }] }), '/linux/seccomp/syscalls/0/action', 'must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY'],
  ['seccomp rule with no names', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }), '/linux/seccomp/syscalls/0/names', 'must have at least 1 item'],
  ['unknown seccomp arch', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x86_64'] }), '/linux/seccomp/architectures/0', 'must be one of SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64'],
  ['seccomp arg without op', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1 }] }] }), '/linux/seccomp/syscalls/0/args/0/op', 'is required'],
  ['scheduler policy typo', (c) => (c.process.scheduler = { policy: 'SCHED_NORMAL' }), '/process/scheduler/policy', 'must be one of SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE'],
  ['ioPriority class missing', (c) => (c.process.ioPriority = { priority: 1 }), '/process/ioPriority/class', 'is required'],
  ['execCPUAffinity not a cpu list', (c) => (c.process.execCPUAffinity = { initial: 'all' }), '/process/execCPUAffinity/initial', 'must be a CPU list such as "0-3,7"'],
  ['personality domain', (c) => (c.linux.personality = { domain: 'LINUX64' }), '/linux/personality/domain', 'must be one of LINUX, LINUX32'],
  ['rdma key with a slash (pointer escaping)', (c) => (c.linux.resources.rdma = { 'mlx/0': { hcaHandles: -3 } }), '/linux/resources/rdma/mlx~10/hcaHandles', 'must be an integer from 0 to 4294967295'],
  ['unsupported major ociVersion', (c) => (c.ociVersion = '2.0.0'), '/ociVersion', 'unsupported version "2.0.0" (ocits supports 1.0.0 to 1.2.x)'],
  ['newer minor ociVersion', (c) => (c.ociVersion = '1.3.0'), '/ociVersion', 'unsupported version "1.3.0" (ocits supports 1.0.0 to 1.2.x)'],
  ['pre-1.0 ociVersion', (c) => (c.ociVersion = '0.5.0-dev'), '/ociVersion', 'unsupported version "0.5.0-dev" (ocits supports 1.0.0 to 1.2.x)'],
  ['non-SemVer ociVersion', (c) => (c.ociVersion = '1.0'), '/ociVersion', '"1.0" is not a SemVer version (ocits supports 1.0.0 to 1.2.x)'],
];

t.test('invalid configs: exact pointer and one-line message', async (t) => {
  for (const [name, mutate, pointer, message] of INVALID) {
    const c = runcSpec();
    mutate(c);
    const err = thrown(() => validateConfig(c));
    t.equal(err.code, 'EINVAL_CONFIG', `${name}: code`);
    t.equal(err.pointer, pointer, `${name}: pointer`);
    t.equal(err.message, `invalid config: ${pointer}: ${message}`, `${name}: message`);
    t.notMatch(err.message, /\n/, `${name}: one line`);
  }
});

t.test('a config that is not an object', async (t) => {
  for (const v of [null, [], 'config', 42]) {
    const err = thrown(() => validateConfig(v));
    t.equal(err.message, 'invalid config: /: must be an object');
    t.equal(err.pointer, '/');
  }
});

t.test('an unsupported version is reported before schema errors', async (t) => {
  const c = runcSpec();
  c.ociVersion = '2.0.0';
  c.process = 'everything changed';
  t.equal(thrown(() => validateConfig(c)).pointer, '/ociVersion');
});

t.test('pickError prefers the deepest concrete error over anyOf/oneOf', async (t) => {
  const errors: AjvError[] = [
    { instancePath: '/a/0', schemaPath: '#/x/type', keyword: 'type', params: { type: 'object' } },
    { instancePath: '/a/0/b', schemaPath: '#/y/enum', keyword: 'enum', params: { allowedValues: ['x'] } },
    { instancePath: '/a/0', schemaPath: '#/oneOf', keyword: 'oneOf', params: {} },
  ];
  t.equal(pickError(errors), errors[1]);
  t.equal(pickError([errors[2]]), errors[2], 'falls back to the combinator');
});

t.test('checkOciVersion and SPEC_VERSION', async (t) => {
  t.equal(SPEC_VERSION, '1.2.0');
  t.doesNotThrow(() => checkOciVersion(SPEC_VERSION));
  t.doesNotThrow(() => checkOciVersion('1.0.0'));
  const err = thrown(() => checkOciVersion('2.0.0'));
  t.equal(err.code, 'EINVAL_CONFIG');
  t.equal(err.pointer, '/ociVersion');
  t.equal(err.message, 'invalid config: /ociVersion: unsupported version "2.0.0" (ocits supports 1.0.0 to 1.2.x)');
  t.same(parseSemver('1.2.3-rc.1+b'), { major: 1, minor: 2, patch: 3, prerelease: 'rc.1' });
  t.equal(parseSemver('01.2.3'), undefined);
  t.equal(parseSemver('v1.2.3'), undefined);
});

t.test('loadConfig', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-spec-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const bundle = (name: string, config?: string): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    if (config !== undefined) fs.writeFileSync(path.join(dir, 'config.json'), config);
    return dir;
  };

  t.test('valid bundle', async (t) => {
    const dir = bundle('ok', fs.readFileSync(path.join(FIXTURES, 'runc-spec.json'), 'utf8'));
    t.equal(loadConfig(dir).ociVersion, '1.0.2-dev');
  });

  t.test('missing bundle directory', async (t) => {
    const dir = path.join(tmp, 'nope');
    const err = thrown(() => loadConfig(dir));
    t.equal(err.code, 'EBUNDLE');
    t.equal(err.message, `bundle ${dir}: no such directory`);
  });

  t.test('bundle is a file', async (t) => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    const err = thrown(() => loadConfig(file));
    t.equal(err.code, 'EBUNDLE');
    t.equal(err.message, `bundle ${file}: not a directory`);
  });

  t.test('missing config.json', async (t) => {
    const dir = bundle('empty');
    const err = thrown(() => loadConfig(dir));
    t.equal(err.code, 'EBUNDLE');
    t.equal(err.message, `bundle ${dir}: config.json not found`);
  });

  t.test('config.json is a directory', async (t) => {
    const dir = bundle('dirconfig');
    fs.mkdirSync(path.join(dir, 'config.json'));
    const err = thrown(() => loadConfig(dir));
    t.equal(err.code, 'EBUNDLE');
    t.equal(err.message, `bundle ${dir}: config.json is not a file`);
  });

  t.test('invalid JSON', async (t) => {
    const dir = bundle('badjson', '{\n  "ociVersion": "1.0.0",\n  "root": }\n');
    const err = thrown(() => loadConfig(dir));
    t.equal(err.code, 'EINVAL_CONFIG');
    t.match(err.message, /^invalid config: config\.json is not valid JSON: Unexpected token/);
    t.notMatch(err.message, /\n/, 'one line even though the JSON snippet spans lines');
  });

  t.test('invalid JSON with a position', async (t) => {
    const dir = bundle('badjson2', '{\n  "ociVersion": "1.0.0"\n  "root": {}\n}\n');
    const err = thrown(() => loadConfig(dir));
    t.match(err.message, /^invalid config: config\.json is not valid JSON: .*\(line 3, column 3\)$/);
  });

  t.test('empty config.json', async (t) => {
    const dir = bundle('emptyjson', '');
    const err = thrown(() => loadConfig(dir));
    t.equal(err.message, 'invalid config: config.json is not valid JSON: Unexpected end of JSON input');
  });

  t.test('valid JSON, invalid config', async (t) => {
    const dir = bundle('badcfg', JSON.stringify({ ociVersion: '3.1.0', root: { path: 'rootfs' } }));
    const err = thrown(() => loadConfig(dir));
    t.equal(err.message, 'invalid config: /ociVersion: unsupported version "3.1.0" (ocits supports 1.0.0 to 1.2.x)');
  });
});

t.test('validateState', async (t) => {
  const state = { ociVersion: '1.2.0', id: 'c1', status: 'running', pid: 4242, bundle: '/b', annotations: { a: 'b' } };
  t.same(validateState(state), { valid: true, errors: [], state });
  t.ok(validateState({ ...state, status: 'paused' }).valid, 'runc\'s extra "paused" status');
  t.ok(validateState({ ociVersion: '1.2.0', id: 'c1', status: 'stopped', bundle: '/b' }).valid, 'pid is optional');
  t.same(validateState({ ...state, bundle: undefined }), { valid: false, errors: ['/bundle: is required'] });
  t.same(validateState({ ...state, status: 'exited' }), {
    valid: false,
    errors: ['/status: must be one of creating, created, running, stopped, paused'],
  });
  t.same(validateState({ ...state, pid: -1 }), { valid: false, errors: ['/pid: must be >= 0'] });
});

t.test('validateFeatures', async (t) => {
  const features = {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['ro', 'rw', 'bind', 'rbind'],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'],
      capabilities: ['CAP_CHOWN', 'CAP_KILL'],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO'], operators: ['SCMP_CMP_EQ'], archs: ['SCMP_ARCH_X86_64'], knownFlags: ['SECCOMP_FILTER_FLAG_LOG'], supportedFlags: [] },
      apparmor: { enabled: true },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'io.github.ocits.version': '0.1.0' },
    potentiallyUnsafeConfigAnnotations: ['com.example.'],
  };
  t.ok(validateFeatures(features).valid);
  t.same(validateFeatures({ ociVersionMin: '1.0.0' }), { valid: false, errors: ['/ociVersionMax: is required'] });
  t.same(validateFeatures({ ...features, linux: { capabilities: ['chown'] } }), {
    valid: false,
    errors: ['/linux/capabilities/0: must be a capability name such as CAP_CHOWN'],
  });
});

t.test('nulBytePointer: the first string (value or key) with a NUL byte', async (t) => {
  t.equal(nulBytePointer({ a: ['x', 'y'], b: { c: 'z' } }), undefined, 'none');
  t.equal(nulBytePointer({ mounts: [{ destination: '/ok' }, { destination: '/dev/shm\0/../x' }] }), '/mounts/1/destination');
  t.equal(nulBytePointer({ annotations: { 'a/b\0': 'v' } }), '/annotations/a~1b\0', 'a key, escaped as a pointer token');
  t.equal(nulBytePointer('\0'), '/', 'the document itself');
  const e = thrown(() => validateConfig({ ...runcSpec(), hostname: 'a\0b' }));
  t.equal(e.message, 'invalid config: /hostname: must not contain a NUL byte');
  t.equal(e.pointer, '/hostname');
});

t.test('messages echo config input on one line, bounded', async (t) => {
  const big = thrown(() => validateConfig({ ...runcSpec(), annotations: { ['k'.repeat(100000) + '\n']: 1 } }));
  t.ok(big.message.length < 400, 'a 100 kB key in a pointer is shortened', { length: big.message.length });
  t.notMatch(big.message, /\n/, 'one line');
  t.match(big.message, /^invalid config: \/annotations\/k+\.\.\. \(100014 characters\): must be a string$/, 'the reason is kept');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-unit-json-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'config.json'), '{"a":\r\u001b[2J x');
  const json = thrown(() => loadConfig(dir));
  t.notMatch(json.message, /[\r\n\u001b]/, 'invalid JSON: the piece of text V8 quotes is escaped', { message: json.message });
  t.match(json.message, /^invalid config: config\.json is not valid JSON: .*\\r\\u001b\[2J/);
});
