// lib/cgroups on the real host (root, real cgroupfs): place a process, list,
// kill, destroy, and leave nothing behind.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detectMode, loadManager, newManager, parseSelfCgroup, type CgroupManager } from '../../lib/cgroups';

const canRun = process.getuid?.() === 0 && existsSync('/proc/self/mountinfo');

function unique(tag: string): string {
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function sleeper(t: tap.Test): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited };
}

/** Teardown that leaves no cgroup dir even when an assertion failed. */
function cleanup(t: tap.Test, m: CgroupManager): void {
  t.teardown(() => {
    try {
      m.destroy();
    } catch {
      for (const dir of new Set(Object.values(m.paths))) {
        for (const d of [dir, dirname(dir)]) {
          try {
            rmdirSync(d);
          } catch {
            // best effort
          }
        }
      }
    }
  });
}

/** The cgroup a process is in, per key of CgroupManager.paths. */
function cgroupOf(pid: number, key: string): string | undefined {
  const entries = parseSelfCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  if (key === 'unified') return entries.find((e) => e.id === '0')?.path;
  return entries.find((e) => e.controllers.includes(key))?.path;
}

/** The parent dir is gone, or still holds another container's cgroup. */
function parentGoneOrBusy(t: tap.Test, dir: string): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) return void t.pass(`${parent} removed`);
  const subdirs = readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory());
  t.ok(subdirs.length > 0, `${parent} kept only because it is not empty`);
}

t.test('placement on the real host', { skip: !canRun && 'needs root and real cgroups' }, async (t) => {
  const id = unique('place');
  const m = newManager({ id, cgroupsPath: `/ocits-test/${id}` });
  cleanup(t, m);
  t.equal(m.mode, detectMode());
  t.ok(Object.keys(m.paths).length > 0, `hierarchies: ${Object.keys(m.paths).join(' ')}`);
  if (m.mode !== 'v2' && readFileSync('/proc/self/mountinfo', 'utf8').includes(',name=systemd')) {
    t.ok('name=systemd' in m.paths, 'the name=systemd hierarchy gets the container too');
  }

  const { child, exited } = sleeper(t);
  const pid = child.pid!;
  t.notOk(m.exists());
  m.create();
  m.create();
  t.ok(m.exists());
  for (const dir of new Set(Object.values(m.paths))) t.ok(existsSync(join(dir, 'cgroup.procs')), `created ${dir}`);
  if (m.paths.cpuset) {
    const rootCpus = readFileSync('/sys/fs/cgroup/cpuset/cpuset.cpus', 'utf8').trim();
    t.equal(readFileSync(join(m.paths.cpuset, 'cpuset.cpus'), 'utf8').trim(), rootCpus, 'cpuset.cpus copied down');
    t.not(readFileSync(join(m.paths.cpuset, 'cpuset.mems'), 'utf8').trim(), '', 'cpuset.mems copied down');
  }

  m.addPid(pid);
  for (const key of Object.keys(m.paths)) t.equal(cgroupOf(pid, key), `/ocits-test/${id}`, `/proc/${pid}/cgroup: ${key}`);
  t.same(m.pids(), [pid]);

  // a later `delete` works from the saved form
  const saved = JSON.parse(JSON.stringify(m.toJSON()));
  const again = loadManager(saved);
  t.same(again.pids(), [pid]);

  again.killAll(9);
  t.equal(await exited, 'SIGKILL');
  t.same(m.pids(), []);
  again.destroy();
  t.notOk(m.exists());
  for (const dir of new Set(Object.values(m.paths))) {
    t.notOk(existsSync(dir), `removed ${dir}`);
    parentGoneOrBusy(t, dir);
  }
  again.destroy(); // idempotent
});

t.test('destroy kills what is left, sub-cgroups included', { skip: !canRun && 'needs root and real cgroups' }, async (t) => {
  const id = unique('destroy');
  const m = newManager({ id, cgroupsPath: `/ocits-test/${id}/ctr` });
  cleanup(t, m);
  const a = sleeper(t);
  const b = sleeper(t);
  m.create();
  m.addPid(a.child.pid!);
  m.addPid(b.child.pid!);
  // move b into a sub-cgroup of the primary hierarchy (pids on v1/hybrid)
  const primary = m.mode === 'v2' ? m.paths.unified : (m.paths.pids ?? m.paths.freezer);
  const sub = join(primary, 'sub');
  mkdirSync(sub);
  if (m.paths.cpuset === primary) t.fail('unexpected: cpuset as primary');
  writeFileSync(join(sub, 'cgroup.procs'), String(b.child.pid));
  t.same(m.pids(), [a.child.pid!, b.child.pid!].sort((x, y) => x - y), 'pids() recurses into sub-cgroups');

  const started = Date.now();
  m.destroy();
  t.ok(Date.now() - started < 3000, 'bounded');
  t.equal(await a.exited, 'SIGKILL');
  t.equal(await b.exited, 'SIGKILL');
  t.notOk(existsSync(sub));
  for (const dir of new Set(Object.values(m.paths))) {
    t.notOk(existsSync(dir), `removed ${dir}`);
    t.notOk(existsSync(dirname(dir)), `removed the empty parent ${dirname(dir)}`);
    parentGoneOrBusy(t, dirname(dir));
  }
});

t.test('addPid errors name the file', { skip: !canRun && 'needs root and real cgroups' }, async (t) => {
  const id = unique('err');
  const m = newManager({ id, cgroupsPath: `/ocits-test/${id}` });
  cleanup(t, m);
  m.create();
  // pid_max is at most 2^22: this pid cannot exist
  t.throws(() => m.addPid(4194305), { code: 'ECGROUP', message: /^write \/sys\/fs\/cgroup\/.*\/cgroup\.procs: ESRCH/ });
  m.destroy();
  t.notOk(m.exists());
});
