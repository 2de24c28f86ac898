import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  configureLog,
  closeLog,
  debug,
  info,
  warn,
  error,
  log,
  fatal,
  formatLine,
  formatTime,
  goJsonString,
  goQuote,
  logEnabled,
  logFile,
} from '../../lib/log';
import { OcitsError } from '../../lib/errors';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const RUNC = '/usr/sbin/runc';
const hasRunc = fs.existsSync(RUNC);
const LOG_MODULE = path.resolve(__dirname, '../../lib/log/index.ts');

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-log-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

t.afterEach(() => closeLog());

t.test('json lines: exactly level, msg, time (RFC3339)', async (t) => {
  const file = path.join(tmpdir(t), 'log.json');
  configureLog({ file, format: 'json', debug: false });
  t.equal(logFile(), file);
  error('container does not exist');
  warn('careful "quoted" <html> & stuff');
  const ls = lines(file);
  t.equal(ls.length, 2);
  for (const l of ls) {
    const o = JSON.parse(l);
    t.same(Object.keys(o), ['level', 'msg', 'time'], 'keys in order');
    t.match(o.time, RFC3339);
  }
  t.equal(JSON.parse(ls[0]).level, 'error');
  t.equal(JSON.parse(ls[0]).msg, 'container does not exist');
  t.equal(JSON.parse(ls[1]).level, 'warning');
  t.equal(JSON.parse(ls[1]).msg, 'careful "quoted" <html> & stuff');
  t.match(ls[1], /\\u003chtml\\u003e \\u0026/, 'Go-style HTML escaping');
  t.ok(fs.readFileSync(file, 'utf8').endsWith('}\n'));
});

t.test('levels: lowercase names and thresholds', async (t) => {
  const dir = tmpdir(t);
  const f1 = path.join(dir, 'a.json');
  configureLog({ file: f1, format: 'json', debug: false });
  debug('d');
  info('i');
  warn('w');
  error('e');
  log('error', 'generic');
  t.same(
    lines(f1).map((l) => JSON.parse(l).level),
    ['info', 'warning', 'error', 'error'],
    'file without --debug: info and above (logrus default Info, as runc)',
  );
  const f2 = path.join(dir, 'b.json');
  configureLog({ file: f2, format: 'json', debug: true });
  debug('d');
  info('i');
  t.same(
    lines(f2).map((l) => JSON.parse(l).level),
    ['debug', 'info'],
  );
  configureLog({ format: 'text', debug: false });
  t.equal(logFile(), undefined);
  t.notOk(logEnabled('debug'), 'stderr: no debug without --debug');
  t.notOk(logEnabled('info'), 'stderr: no info without --debug');
  t.ok(logEnabled('warning'));
  t.ok(logEnabled('error'));
  configureLog({ debug: true });
  t.ok(logEnabled('debug'));
  t.ok(logEnabled('info'));
});

t.test('file is opened in append mode across configures, 0644, created eagerly', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'log.json');
  fs.writeFileSync(file, '{"level":"info","msg":"before","time":"2020-01-01T00:00:00Z"}\n');
  configureLog({ file, format: 'json' });
  error('one');
  closeLog();
  configureLog({ file, format: 'json' });
  error('two');
  configureLog({ file, format: 'json' }); // re-configure without close
  error('three');
  t.same(
    lines(file).map((l) => JSON.parse(l).msg),
    ['before', 'one', 'two', 'three'],
  );

  const old = process.umask(0o022);
  t.teardown(() => process.umask(old));
  const fresh = path.join(dir, 'fresh.json');
  configureLog({ file: fresh, format: 'json' });
  t.ok(fs.existsSync(fresh), 'created even though nothing was logged (runc does the same)');
  t.equal(fs.statSync(fresh).size, 0);
  t.equal(fs.statSync(fresh).mode & 0o777, 0o644);
});

t.test('open failure is an OcitsError with a Go-like message', async (t) => {
  t.throws(() => configureLog({ file: '/nonexistent-dir-ocits/x.json', format: 'json' }), {
    name: 'OcitsError',
    code: 'ESYS',
    errno: 2,
    message: 'open /nonexistent-dir-ocits/x.json: no such file or directory',
  });
  t.equal(logFile(), undefined, 'falls back to stderr');
  t.throws(() => configureLog({ format: 'xml' as 'json' }), { code: 'EUSAGE', message: 'invalid log-format: xml' });
  try {
    configureLog({ file: '/nonexistent-dir-ocits/x.json' });
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof OcitsError);
  }
});

t.test('text format: logrus shape', async (t) => {
  const file = path.join(tmpdir(t), 'log.txt');
  configureLog({ file, format: 'text' });
  error('container does not exist');
  warn('simple');
  error('a\nb "c"');
  const ls = lines(file);
  t.match(ls[0], /^time="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})" level=error msg="container does not exist"$/);
  t.match(ls[1], /^time="[^"]+" level=warning msg=simple$/, 'bare value when nothing needs quoting');
  t.match(ls[2], /^time="[^"]+" level=error msg="a\\nb \\"c\\""$/);
  const fixed = new Date(2026, 10, 23, 12, 49, 18);
  t.equal(formatLine('error', 'x y', 'text', fixed), `time="${formatTime(fixed)}" level=error msg="x y"\n`);
  t.equal(formatLine('info', 'x', 'json', fixed), `{"level":"info","msg":"x","time":"${formatTime(fixed)}"}\n`);
});

t.test('Go escaping helpers', async (t) => {
  t.equal(goJsonString('a"b\\c\n\r\t'), '"a\\"b\\\\c\\n\\r\\t"');
  t.equal(goJsonString('\b\f\u0001\u007f'), '"\\u0008\\u000c\\u0001\u007f"');
  t.equal(goJsonString('<>&\u2028\u2029é😀'), '"\\u003c\\u003e\\u0026\\u2028\\u2029é😀"');
  t.equal(goJsonString('x\ud800y'), '"x\ufffdy"');
  t.equal(goQuote('a"b\\c\n\t\u0007'), '"a\\"b\\\\c\\n\\t\\a"');
  t.equal(goQuote('\u0001\u007f'), '"\\x01\\x7f"');
  t.equal(goQuote('é 😀'), '"é 😀"');
  t.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
});

t.test('RFC3339 time with local offset, Z for UTC', async (t) => {
  const saved = process.env.TZ;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  process.env.TZ = 'UTC';
  t.equal(formatTime(new Date(0)), '1970-01-01T00:00:00Z');
  process.env.TZ = 'Asia/Kolkata';
  t.equal(formatTime(new Date(0)), '1970-01-01T05:30:00+05:30');
  process.env.TZ = 'America/New_York';
  t.equal(formatTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '2026-01-01T22:04:05-05:00');
  t.match(formatTime(), RFC3339);
});

/** Run a snippet in a child Node (same TypeScript loader) to see fds 1/2 for real. */
function child(code: string) {
  const loader = process.execArgv.filter((a) => a.includes('typescript'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-logchild-'));
  const script = path.join(dir, 'child.ts');
  fs.writeFileSync(script, `import * as L from ${JSON.stringify(LOG_MODULE)};\n${code}\n`);
  try {
    return spawnSync(process.execPath, [...loader, script], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

t.test('fatal: error line in the log file AND "ocits: msg" on stderr', async (t) => {
  const file = path.join(tmpdir(t), 'log.json');
  const r = child(`L.configureLog({ file: ${JSON.stringify(file)}, format: 'json' }); L.fatal('container does not exist'); L.info('x');`);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'ocits: container does not exist\n');
  const ls = lines(file);
  t.equal(ls.length, 2);
  t.same(JSON.parse(ls[0]).level, 'error');
  t.same(JSON.parse(ls[0]).msg, 'container does not exist');
});

t.test('fatal without --log: exactly one stderr line', async (t) => {
  const r = child(`L.configureLog({ format: 'json' }); L.fatal(new Error('boom')); L.info('quiet'); L.debug('quiet');`);
  t.equal(r.stderr, 'ocits: boom\n');
  t.equal(r.stdout, '');
});

t.test('no --log: warnings/errors on stderr in the chosen format', async (t) => {
  const r = child(`L.configureLog({ format: 'text' }); L.info('hidden'); L.warn('shown'); L.error('bad thing');`);
  const ls = r.stderr.split('\n').filter((l) => l);
  t.equal(ls.length, 2);
  t.match(ls[0], /^time="[^"]+Z" level=warning msg=shown$/);
  t.match(ls[1], /^time="[^"]+Z" level=error msg="bad thing"$/);
  const d = child(`L.configureLog({ format: 'json', debug: true }); L.debug('dbg');`);
  t.same(Object.keys(JSON.parse(d.stderr)), ['level', 'msg', 'time']);
  t.equal(JSON.parse(d.stderr).level, 'debug');
});

t.test('same shape as runc 1.1.5', { skip: hasRunc ? false : 'runc not installed at /usr/sbin/runc' }, async (t) => {
  const dir = tmpdir(t);
  const root = path.join(dir, 'root');
  for (const format of ['json', 'text'] as const) {
    const runcLog = path.join(dir, `runc.${format}`);
    const r = spawnSync(RUNC, ['--root', root, '--log', runcLog, '--log-format', format, 'state', 'ocits-no-such'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    t.equal(r.status, 1);
    t.equal(r.stderr, 'container does not exist\n', 'runc prints the bare message to stderr when --log is a file');
    const runcLine = lines(runcLog)[0];
    const ours = path.join(dir, `ours.${format}`);
    configureLog({ file: ours, format });
    error('container does not exist');
    closeLog();
    const ourLine = lines(ours)[0];
    const stripTime = (l: string) => l.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})/, 'TIME');
    t.equal(stripTime(ourLine), stripTime(runcLine), `${format} line`);
  }
  // runc creates the log file even when nothing is logged
  const empty = path.join(dir, 'runc-empty.json');
  const r = spawnSync(RUNC, ['--root', root, '--log', empty, '--log-format', 'json', 'list'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.ok(fs.existsSync(empty));
  t.equal(fs.statSync(empty).size, 0);
});
