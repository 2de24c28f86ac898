// Unit tests of the terminal's planning (process.terminal and consoleSize in
// the InitPlan, through the byte encoding) and of runc's checkTerminal rules.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { buildPlan, planConsoleSize } from '../../lib/plan/build';
import { encodePlan } from '../../lib/plan/encode';
import { PlanFlag } from '../../lib/native/protocol';
import { checkTerminal } from '../../lib/runtime/tty';
import type { Spec } from '../../lib/spec/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function spec(proc: Record<string, any> = {}): Spec {
  return {
    ociVersion: '1.0.2',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 }, ...proc },
    linux: { namespaces: [{ type: 'mount' }] },
  } as unknown as Spec;
}

function plan(t: { teardown(fn: () => void): void }, s: Spec) {
  const bundle = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-tty-')));
  t.teardown(() => fs.rmSync(bundle, { recursive: true, force: true }));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
  return buildPlan(s, path.join(bundle, 'rootfs'), { bundle, fifoPath: path.join(bundle, 'exec.fifo'), warnings: [] });
}

t.test('process.terminal sets PlanFlag.TERMINAL; consoleSize becomes rows/cols', (t) => {
  const p = plan(t, spec({ terminal: true, consoleSize: { height: 40, width: 132 } }));
  t.ok(p.flags & PlanFlag.TERMINAL, 'TERMINAL flag');
  t.equal(p.consoleRows, 40, 'rows = height');
  t.equal(p.consoleCols, 132, 'cols = width');
  const bytes = encodePlan(p);
  t.ok(bytes.length > 0, 'encodes');
  t.end();
});

t.test('no terminal: no flag, no size (consoleSize ignored)', (t) => {
  const p = plan(t, spec({ terminal: false, consoleSize: { height: 40, width: 132 } }));
  t.notOk(p.flags & PlanFlag.TERMINAL, 'no TERMINAL flag');
  t.equal(p.consoleRows, 0);
  t.equal(p.consoleCols, 0);
  const q = plan(t, spec({}));
  t.notOk(q.flags & PlanFlag.TERMINAL, 'terminal absent: no flag');
  t.end();
});

t.test('terminal without consoleSize, or with one of the two at 0: left as the kernel makes it (runc)', (t) => {
  t.same(planConsoleSize(undefined), { rows: 0, cols: 0 });
  t.same(planConsoleSize({ height: 10, width: 0 }), { rows: 0, cols: 0 });
  t.same(planConsoleSize({ height: 0, width: 10 }), { rows: 0, cols: 0 });
  t.same(planConsoleSize({ height: 1, width: 1 }), { rows: 1, cols: 1 });
  t.same(planConsoleSize({ height: 65535, width: 65535 }), { rows: 65535, cols: 65535 });
  const p = plan(t, spec({ terminal: true }));
  t.ok(p.flags & PlanFlag.TERMINAL);
  t.equal(p.consoleRows, 0);
  t.end();
});

t.test('a consoleSize a winsize cannot hold names the field', (t) => {
  for (const [size, field] of [[{ height: 70000, width: 80 }, 'height'], [{ height: 24, width: -1 }, 'width'], [{ height: 2.5, width: 80 }, 'height']] as const) {
    try {
      planConsoleSize(size);
      t.fail(`accepted ${JSON.stringify(size)}`);
    } catch (e) {
      t.ok(e instanceof OcitsError, 'an OcitsError');
      t.equal((e as OcitsError).pointer, `/process/consoleSize/${field}`, `names /process/consoleSize/${field}`);
    }
  }
  t.end();
});

t.test('checkTerminal: runc 1.1\'s rules and messages', (t) => {
  const TTY = 'cannot allocate tty if runc will detach without setting console socket';
  const SOCK = 'cannot use console socket if runc will not detach or allocate tty';
  const cases: [boolean, string | undefined, boolean, string | null][] = [
    // terminal, console socket, detached (create, run -d, exec -d) -> error
    [true, undefined, true, TTY],
    [true, '/s', true, null],
    [false, undefined, true, null],
    [false, '/s', true, SOCK],
    [true, undefined, false, null], // run in the foreground: the caller's terminal
    [true, '/s', false, SOCK],
    [false, '/s', false, SOCK],
    [false, undefined, false, null],
  ];
  for (const [terminal, sock, detached, msg] of cases) {
    const name = `terminal=${terminal} socket=${sock ?? '-'} detached=${detached}`;
    if (msg === null) t.doesNotThrow(() => checkTerminal(terminal, sock, detached), name);
    else t.throws(() => checkTerminal(terminal, sock, detached), { message: msg }, name);
  }
  t.end();
});
