// Unit tests of the state store (lib/state/store.ts), /proc process identity
// (lib/state/proc.ts) and the created timestamp (lib/runtime/status.ts).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { OcitsError } from '../../lib/errors';
import { FIFO_FILE, STATE_FILE, Store, notStoredState, validateId, writeFileAtomic, type StoredState } from '../../lib/state/store';
import { isAlive, procInfo } from '../../lib/state/proc';
import { rfc3339Nano } from '../../lib/runtime/status';

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-state-')));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function sample(id: string, extra: Partial<StoredState> = {}): StoredState {
  return {
    ociVersion: '1.0.2',
    id,
    pid: 1234,
    initStartTime: '98765',
    bundle: '/b',
    rootfs: '/b/rootfs',
    created: '2024-01-02T03:04:05.123456789Z',
    owner: '',
    systemdCgroup: false,
    newPidNs: true,
    annotations: { 'a.b': 'c' },
    ...extra,
  };
}

// ---------------------------------------------------------------- ids

t.test('validateId', async (t) => {
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a b', '/abs', 'a\nb', 'a\0b', 'tab\tx', 'é', 'x'.repeat(1025)]) {
    t.throws(() => validateId(bad), { code: 'EUSAGE' }, `rejects ${JSON.stringify(bad.length > 20 ? bad.slice(0, 10) + '...' : bad)}`);
  }
  t.throws(() => validateId(''), { message: 'container id cannot be empty' }, 'empty id: runc wording');
  t.throws(() => validateId('a b'), { message: /^invalid container id format/i }, 'bad id: runc wording');
  for (const good of ['abc-1_2.3+x', 'a', 'A', '1', '...', '.a', 'a..b', '_', 'x'.repeat(1024), 'ot-123-4-abcdef']) {
    t.doesNotThrow(() => validateId(good), `accepts ${JSON.stringify(good.length > 20 ? good.slice(0, 10) + '...' : good)}`);
  }
  // runc's idRegex is `^[\w+-\.]+$`: in a Go character class `+-\.` is the RANGE
  // '+'..'.', which holds ','. runc 1.1.5 takes "a,b" as a valid id (verified:
  // `runc state a,b` says "container does not exist", not "invalid container ID format").
  t.doesNotThrow(() => validateId('a,b'), 'accepts "a,b" as runc does');
});

// ---------------------------------------------------------------- claim

t.test('Store.claim is exclusive', async (t) => {
  const root = path.join(tmpdir(t), 'nested', 'root');
  const s = new Store(root);
  s.claim('c1');
  t.ok(fs.statSync(s.dir('c1')).isDirectory(), 'claim makes the dir (and the missing root)');
  t.equal(fs.statSync(s.dir('c1')).mode & 0o777, 0o711, 'container dir 0711');
  let err: unknown;
  try {
    s.claim('c1');
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof OcitsError, 'second claim throws an OcitsError');
  t.equal((err as OcitsError).code, 'EEXIST', 'code EEXIST');
  t.equal((err as OcitsError).message, 'container with id exists: c1', 'runc message');
  t.ok(s.exists('c1'));
  t.throws(() => s.claim('../x'), { code: 'EUSAGE' }, 'claim validates the id');
  t.notOk(fs.existsSync(path.join(root, '..', 'x')), 'nothing made outside the root');
});

t.test('Store.claim: concurrent claims from many processes, exactly one wins', async (t) => {
  const root = tmpdir(t);
  // The compiled store when it is up to date (a plain node starts in ~50 ms),
  // else the .ts through tap's loader (inherited execArgv; ~1.5 s a process).
  const src = path.resolve(__dirname, '../../lib/state/store.ts');
  const built = path.resolve(__dirname, '../../dist/lib/state/store.js');
  const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= fs.statSync(src).mtimeMs;
  const mod = fresh ? built : src;
  const execArgv = fresh ? [] : process.execArgv;
  const script = `
    const { Store } = require(${JSON.stringify(mod)});
    try { new Store(${JSON.stringify(root)}).claim('race'); process.stdout.write('won') }
    catch (e) { process.stdout.write(e.code + ':' + e.message) }
  `;
  const N = fresh ? 8 : 4;
  const runs = await Promise.all(
    Array.from({ length: N }, () =>
      new Promise<string>((resolve) => {
        const c = spawn(process.execPath, [...execArgv, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', () => resolve(out || `stderr: ${err}`));
      }),
    ),
  );
  t.equal(runs.filter((r) => r === 'won').length, 1, 'exactly one claim wins', { runs });
  t.equal(runs.filter((r) => r === 'EEXIST:container with id exists: race').length, N - 1, 'every other gets EEXIST', { runs });
});

// ---------------------------------------------------------------- read / write

t.test('Store.write / read round trip, atomically', async (t) => {
  const root = tmpdir(t);
  const s = new Store(root);
  s.claim('c1');
  const st = sample('c1');
  s.write(st);
  t.same(s.read('c1'), st, 'read returns what was written');
  t.same(fs.readdirSync(s.dir('c1')), [STATE_FILE], 'only state.json: no tmp file left');
  t.equal(fs.statSync(path.join(s.dir('c1'), STATE_FILE)).mode & 0o777, 0o600, 'state.json 0600');
  s.write({ ...st, pid: 42, creating: true });
  t.equal(s.read('c1')?.pid, 42, 'overwrite');
  t.throws(() => s.load('c1'), { code: 'ENOTFOUND' }, 'load refuses a container still being created');
  s.write({ ...st, pid: 43 });
  t.equal(s.load('c1').pid, 43, 'load');
  t.same(fs.readdirSync(s.dir('c1')), [STATE_FILE], 'still no tmp file after overwrites');
  t.throws(() => s.read('../etc'), { code: 'EUSAGE' }, 'read validates the id');
  t.equal(s.fifo('c1'), path.join(root, 'c1', FIFO_FILE), 'fifo path');
});

t.test('Store.read: a missing state is undefined, one ocits did not write an EFOREIGN error', async (t) => {
  const root = tmpdir(t);
  const s = new Store(root);
  t.equal(s.read('nope'), undefined, 'no dir');
  t.throws(() => s.load('nope'), { code: 'ENOTFOUND', message: 'container nope does not exist' }, 'load of a missing container');
  s.claim('empty');
  t.equal(s.read('empty'), undefined, 'dir without state.json (crash after claim)');
  s.claim('bad');
  fs.writeFileSync(path.join(s.dir('bad'), STATE_FILE), '{"id":"bad","pid":');
  t.throws(() => s.read('bad'), { code: 'EFOREIGN', message: /container bad was not created by ocits \(.*state\.json: not JSON/ }, 'truncated JSON');
  s.claim('dirstate');
  fs.mkdirSync(path.join(s.dir('dirstate'), STATE_FILE));
  t.throws(() => s.read('dirstate'), { code: 'EFOREIGN', message: /cannot read it: EISDIR/ }, 'state.json is a directory');
  t.same(s.strangerFiles('dirstate'), [STATE_FILE], 'what a dir holds besides the fifo and temp files');
  fs.writeFileSync(path.join(s.dir('empty'), `.${STATE_FILE}.123`), '');
  t.same(s.strangerFiles('empty'), [], "ocits' own temp file is not a stranger");
  t.equal(new Store(path.join(root, 'no-such-root')).read('x'), undefined, 'missing root');
  s.remove('bad');
  t.notOk(fs.existsSync(s.dir('bad')), 'remove');
  t.doesNotThrow(() => s.remove('bad'), 'remove twice');
});

t.test('notStoredState: what is not a state ocits wrote', async (t) => {
  const good = { ociVersion: '1.2.0', id: 'c', pid: 5, initStartTime: '9', bundle: '/b', rootfs: '/r', created: 'x', owner: '', systemdCgroup: false, newPidNs: true };
  t.equal(notStoredState(good, 'c'), undefined, 'ours');
  t.equal(notStoredState({ ...good, cgroup: { driver: 'cgroupfs', mode: 'v1', paths: { pids: '/p' }, bases: { pids: '/' } } }, 'c'), undefined, 'ours, with a cgroup');
  t.equal(notStoredState(null, 'c'), 'not a JSON object', 'null');
  t.equal(notStoredState([], 'c'), 'not a JSON object', 'an array');
  t.equal(notStoredState({ id: 'c', init_process_pid: 4 }, 'c'), "runc's state format", "runc's");
  t.equal(notStoredState({ ...good, id: 'd' }, 'c'), 'its id is "d", not "c"', 'another id');
  t.equal(notStoredState({ ...good, pid: '5' }, 'c'), 'no pid', 'pid as a string');
  t.equal(notStoredState({ ...good, bundle: 3 }, 'c'), 'no bundle', 'a bad bundle');
  t.equal(notStoredState({ ...good, creating: 'yes' }, 'c'), 'a bad creating', 'a bad flag');
  t.equal(notStoredState({ ...good, cgroup: { paths: 5 } }, 'c'), 'a bad cgroup', 'a bad cgroup');
  t.equal(notStoredState({ ...good, hooks: { poststop: [{}] } }, 'c'), 'bad hooks', 'a hook without a path');
  t.equal(notStoredState({ ...good, annotations: { a: 1 } }, 'c'), 'bad annotations', 'annotations that are not strings');
});

t.test('Store.list', async (t) => {
  const root = tmpdir(t);
  const s = new Store(root);
  t.same(new Store(path.join(root, 'missing')).list(), [], 'missing root: empty');
  for (const id of ['b', 'a', 'abc-1_2.3+x']) s.claim(id);
  fs.writeFileSync(path.join(root, 'file'), 'x');
  fs.mkdirSync(path.join(root, 'bad name'));
  fs.mkdirSync(path.join(root, 'é'));
  fs.symlinkSync(path.join(root, 'a'), path.join(root, 'link'));
  t.same(s.list(), ['a', 'abc-1_2.3+x', 'b'], 'dirs with valid names only, sorted; files, symlinks and bad names ignored');
  t.equal(s.root, root);
  t.equal(new Store('rel').root, path.resolve('rel'), 'root made absolute');
});

t.test('writeFileAtomic', async (t) => {
  const dir = tmpdir(t);
  const f = path.join(dir, 'pid');
  writeFileAtomic(f, '123');
  t.equal(fs.readFileSync(f, 'utf8'), '123');
  t.equal(fs.statSync(f).mode & 0o777, 0o644, 'default mode 0644');
  writeFileAtomic(f, '4567', 0o600);
  t.equal(fs.readFileSync(f, 'utf8'), '4567', 'replaces');
  t.same(fs.readdirSync(dir), ['pid'], 'no tmp file left');
  // a reader never sees a partial file: the inode changes on each write
  const ino = fs.statSync(f).ino;
  writeFileAtomic(f, 'x'.repeat(100000));
  t.not(fs.statSync(f).ino, ino, 'a new file renamed over the old one');
  // rename onto a directory fails: the tmp file is removed
  fs.mkdirSync(path.join(dir, 'd'));
  t.throws(() => writeFileAtomic(path.join(dir, 'd'), 'x'));
  t.same(fs.readdirSync(dir).sort(), ['d', 'pid'], 'failed write leaves no tmp file');
  t.throws(() => writeFileAtomic(path.join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' }, 'missing dir');
  // relative path
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    writeFileAtomic('rel', 'r');
  } finally {
    process.chdir(cwd);
  }
  t.equal(fs.readFileSync(path.join(dir, 'rel'), 'utf8'), 'r', 'relative path');
});

// ---------------------------------------------------------------- proc

t.test('procInfo / isAlive', async (t) => {
  const me = procInfo(process.pid);
  t.ok(me, 'procInfo of this process');
  t.match(me!.startTime, /^\d+$/, 'start time is a number of clock ticks');
  t.match(me!.state, /^[RSD]$/, 'state letter');
  t.equal(procInfo(process.pid)!.startTime, me!.startTime, 'start time is stable');
  t.ok(isAlive(process.pid, me!.startTime), 'alive with its start time');
  t.notOk(isAlive(process.pid, String(Number(me!.startTime) + 1)), 'not alive with another start time (reused pid)');
  t.notOk(isAlive(process.pid, ''), 'not alive with an empty start time');
  t.equal(procInfo(0), undefined, 'pid 0');
  t.equal(procInfo(-1), undefined, 'negative pid');
  t.equal(procInfo(NaN), undefined, 'NaN');

  // a process whose comm holds spaces and parentheses
  const odd = path.join(tmpdir(t), 'a) b (c');
  fs.copyFileSync('/bin/sleep', odd);
  fs.chmodSync(odd, 0o755);
  const c = spawn(odd, ['30'], { stdio: 'ignore' });
  t.teardown(() => c.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 100));
  const ci = procInfo(c.pid!);
  t.ok(ci, 'procInfo of a child with a strange comm');
  t.equal(ci!.state, 'S', 'sleeping');
  const stat = fs.readFileSync(`/proc/${c.pid}/stat`, 'utf8');
  t.equal(ci!.startTime, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], 'field 22 despite ") " in comm');
  t.ok(isAlive(c.pid!, ci!.startTime), 'alive');
  c.kill('SIGKILL');
  await new Promise((r) => c.once('exit', r));

  // a dead pid
  const r = spawnSync('/bin/true');
  t.equal(r.status, 0);
  t.equal(procInfo(r.pid!), undefined, 'reaped child: no /proc entry');
  t.notOk(isAlive(r.pid!, '1'), 'dead pid is not alive');
});

t.test('isAlive: a zombie is not alive', async (t) => {
  // a parent that forks a child which exits at once, and never reaps it (a
  // shell may reap a finished background job before it execs: not reliable)
  const script = 'import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)\n';
  const c = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => c.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => c.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  let info = procInfo(pid);
  for (let i = 0; i < 100 && info?.state !== 'Z'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    info = procInfo(pid);
  }
  t.equal(info?.state, 'Z', 'child is a zombie');
  t.notOk(isAlive(pid, info!.startTime), 'zombie with the right start time is not alive');
});

// ---------------------------------------------------------------- timestamps

t.test('rfc3339Nano', async (t) => {
  const RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
  const before = Date.now();
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const s = rfc3339Nano();
    seen.add(s);
    if (!RE.test(s)) {
      t.fail(`format: ${s}`);
      break;
    }
    const frac = /\.(\d+)Z$/.exec(s)?.[1];
    if (frac && frac.endsWith('0')) {
      t.fail(`no trailing zeros in the fraction: ${s}`);
      break;
    }
  }
  const after = Date.now();
  const s = rfc3339Nano();
  t.match(s, RE, 'RFC3339 with up to 9 fraction digits, UTC');
  const ms = Date.parse(s);
  t.ok(ms >= before - 1000 && ms <= after + 1000, 'close to now', { s, before, after });
  t.ok(seen.size > 1, 'sub-millisecond resolution gives distinct values');
});
