// Unit tests of the hooks' planning (lib/plan/build.ts planHooks, buildPlan)
// and of the runtime-side runner's wording and state (lib/runtime/hooks.ts).
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { buildPlan, planHooks } from '../../lib/plan/build';
import { runHook, runHooks, stateForHook } from '../../lib/runtime/hooks';
import type { Spec } from '../../lib/spec/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function spec(hooks?: any): Spec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const s: any = {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: 'mount' }] },
  };
  if (hooks !== undefined) s.hooks = hooks;
  return s as Spec;
}

function refused(t: Test, hooks: unknown, pointer: string, says: RegExp): void {
  try {
    planHooks(spec(hooks));
    t.fail(`${pointer}: expected an error`);
  } catch (e) {
    t.ok(e instanceof OcitsError, `${pointer}: an OcitsError`);
    t.equal((e as OcitsError).code, 'EINVAL_CONFIG', `${pointer}: EINVAL_CONFIG`);
    t.equal((e as OcitsError).pointer, pointer, `names ${pointer}`);
    t.match((e as Error).message, says, `${pointer}: says why`);
  }
}

const H = (p = '/bin/true', extra: Record<string, unknown> = {}) => ({ path: p, ...extra });

t.test('planHooks: no hooks, no hook point', async (t) => {
  t.same(planHooks(spec()), { hookPoints: 0, createContainer: [], startContainer: [] });
  t.same(planHooks(spec({})), { hookPoints: 0, createContainer: [], startContainer: [] });
  t.same(planHooks(spec({ prestart: [], poststop: [] })).hookPoints, 0, 'empty lists');
});

t.test('planHooks: poststart and poststop alone need no hook point (the runtime runs them later)', async (t) => {
  const p = planHooks(spec({ poststart: [H()], poststop: [H()] }));
  t.same(p, { hookPoints: 0, createContainer: [], startContainer: [] });
});

t.test('planHooks: any create or start hook sets the hook point', async (t) => {
  for (const k of ['prestart', 'createRuntime', 'createContainer', 'startContainer']) {
    t.equal(planHooks(spec({ [k]: [H()] })).hookPoints, 1, k);
  }
});

t.test('planHooks: the init gets createContainer and startContainer, fully resolved', async (t) => {
  const p = planHooks(
    spec({
      prestart: [H('/p')],
      createContainer: [H('/c1', { args: ['c1', '-x'], env: ['A=1'], timeout: 5 }), H('/c2')],
      startContainer: [H('/s', { args: ['s'] })],
      poststop: [H('/z')],
    }),
  );
  t.same(p.createContainer, [
    { path: '/c1', args: ['c1', '-x'], env: ['A=1'], timeout: 5 },
    { path: '/c2', args: [], env: [], timeout: 0 },
  ]);
  t.same(p.startContainer, [{ path: '/s', args: ['s'], env: [], timeout: 0 }]);
});

t.test('planHooks: invalid hooks name their field', async (t) => {
  refused(t, { prestart: [H('relative/x')] }, '/hooks/prestart/0/path', /must be absolute/);
  refused(t, { createRuntime: [H(), { args: ['x'] }] }, '/hooks/createRuntime/1/path', /required/);
  refused(t, { poststop: [H('/x', { timeout: 0 })] }, '/hooks/poststop/0/timeout', /whole number of seconds > 0/);
  refused(t, { poststart: [H('/x', { timeout: -1 })] }, '/hooks/poststart/0/timeout', /> 0/);
  refused(t, { startContainer: [H('/x', { timeout: 1.5 })] }, '/hooks/startContainer/0/timeout', /whole number/);
  refused(t, { createContainer: [H('/x', { args: ['a', 3] })] }, '/hooks/createContainer/0/args', /array of strings/);
  refused(t, { createContainer: [H('/x', { env: ['A=\0'] })] }, '/hooks/createContainer/0/env', /NUL/);
  refused(t, { prestart: H() }, '/hooks/prestart', /array/);
});

t.test('planHooks: unknown hook kinds are ignored, as runc', async (t) => {
  t.same(planHooks(spec({ somethingElse: [H('relative')] })).hookPoints, 0);
});

t.test('buildPlan carries the hooks and the hook point', async (t) => {
  const bundle = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-plan-hooks-')));
  t.teardown(() => fs.rmSync(bundle, { recursive: true, force: true }));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  const s = spec({ createRuntime: [H('/r')], startContainer: [H('/s', { timeout: 3 })] });
  const p = buildPlan(s, path.join(bundle, 'rootfs'), { bundle, fifoPath: path.join(bundle, 'f'), warnings: [] });
  t.equal(p.hookPoints, 1);
  t.same(p.createContainerHooks, []);
  t.same(p.startContainerHooks, [{ path: '/s', args: [], env: [], timeout: 3 }]);
  t.throws(() => buildPlan(spec({ prestart: [H('x')] }), path.join(bundle, 'rootfs'), { bundle, fifoPath: 'f', warnings: [] }), { pointer: '/hooks/prestart/0/path' });
});

t.test('stateForHook: runc\'s fields and order', async (t) => {
  const c = { id: 'c1', bundle: '/b', annotations: { a: 'b' } };
  t.same(Object.keys(stateForHook(c, 'creating', 42)), ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations']);
  t.match(stateForHook(c, 'running', 42), { id: 'c1', status: 'running', pid: 42, bundle: '/b', annotations: { a: 'b' } });
  t.notOk('pid' in stateForHook(c, 'stopped', 42), 'no pid once stopped, as runc');
  t.notOk('annotations' in stateForHook({ id: 'c', bundle: '/b', annotations: {} }, 'created', 1), 'no empty annotations');
});

t.test('runHook: stdin, args[0], env, and runc\'s wording of failures', { skip: fs.existsSync('/bin/busybox') ? false : 'needs /bin/busybox' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-hook-unit-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  const st = stateForHook({ id: 'x', bundle: '/b' }, 'creating', 7);
  const ok = runHook({ path: '/bin/busybox', args: ['sh', '-c', `{ cat; echo; echo "$0"; tr '\\0' ';' </proc/self/environ; } > ${out}`, 'name'], env: ['K=v w'] }, st);
  t.equal(ok, undefined, 'success');
  const [stdin, zero, env] = fs.readFileSync(out, 'utf8').split('\n');
  t.same(JSON.parse(stdin), st, 'the state on stdin');
  t.equal(zero, 'name');
  t.match(env, /^K=v w;/, 'its env');
  t.equal(runHook({ path: '/bin/busybox', args: ['sh', '-c', 'echo o; echo e >&2; exit 3'] }, st), 'exit status 3, stdout: o\n, stderr: e\n');
  t.equal(runHook({ path: '/bin/busybox', args: ['sh', '-c', 'kill -9 $$'] }, st), 'signal: killed, stdout: , stderr: ');
  t.equal(runHook({ path: '/no/such' }, st), 'fork/exec /no/such: no such file or directory');
  const t0 = Date.now();
  t.equal(runHook({ path: '/bin/busybox', args: ['sleep', '30'], timeout: 1 }, st), 'hook ran past specified timeout of 1.0s');
  t.ok(Date.now() - t0 < 5000, 'killed at the timeout');
  t.equal(runHook({ path: '/bin/busybox', args: ['true'] }, st), undefined, 'a hook that does not read stdin is fine');
  t.throws(() => runHooks('prestart', [{ path: '/bin/busybox', args: ['true'] }, { path: '/no/such' }], st), {
    message: 'error running prestart hook #1: fork/exec /no/such: no such file or directory',
  });
});
