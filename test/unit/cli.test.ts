// Unit tests of the CLI's pure parts: lib/cli/globals.ts (argv normalisation,
// log prescan, signals, unknown flags) and lib/cli/list.ts (runc's tabwriter
// table), the latter also compared with what a real `runc list` prints.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OcitsError } from '../../lib/errors';
import { LONG_FLAGS, normalizeArgv, parseSignal, prescanLog, subcommandOf, unknownFlag, wantsVersion } from '../../lib/cli/globals';
import { listText, table } from '../../lib/cli/list';
import type { StateOutput } from '../../lib/runtime/state';
import { assertNoTrace, diag, makeBundle, makeTempDir, referenceRunc, runtime, traceOf } from '../helpers';

// ---------------------------------------------------------------- normalizeArgv

t.test('normalizeArgv: single-dash long flags become double-dash', async (t) => {
  t.same(normalizeArgv(['create', '-bundle', '/b', 'id']), ['create', '--bundle', '/b', 'id'], '-bundle');
  t.same(normalizeArgv(['-log-format=json', 'list']), ['--log-format=json', 'list'], '-log-format=json');
  t.same(normalizeArgv(['run', '-no-subreaper', 'id']), ['run', '--no-subreaper', 'id'], '-no-subreaper');
  t.same(normalizeArgv(['-root', '/r', '-log', '/l', '-debug', 'state', 'x']), ['--root', '/r', '--log', '/l', '--debug', 'state', 'x'], 'global flags');
  t.same(normalizeArgv(['create', '-pid-file=/p', '-console-socket', '/s', 'x']), ['create', '--pid-file=/p', '--console-socket', '/s', 'x'], '= and separate values');
  for (const f of LONG_FLAGS) t.same(normalizeArgv([`-${f}`]), [`--${f}`], `-${f}`);
});

t.test('normalizeArgv: leaves everything else alone', async (t) => {
  t.same(normalizeArgv(['run', '-b', '/b', '-d', 'id']), ['run', '-b', '/b', '-d', 'id'], 'short flags stay');
  t.same(normalizeArgv(['list', '-q', '-f', 'json']), ['list', '-q', '-f', 'json'], '-q -f stay');
  t.same(normalizeArgv(['--root', '/r', '--bundle=/b']), ['--root', '/r', '--bundle=/b'], 'double-dash stays');
  t.same(normalizeArgv(['-bogus', 'x']), ['-bogus', 'x'], 'unknown single-dash long flag is not rewritten');
  t.same(normalizeArgv(['-', 'x']), ['-', 'x'], 'a lone dash');
  t.same(normalizeArgv([]), [], 'empty');
  t.same(
    normalizeArgv(['kill', '--', '-bundle', '-all', '--', '-debug']),
    ['kill', '--', '-bundle', '-all', '--', '-debug'],
    'everything after -- is untouched',
  );
  t.same(normalizeArgv(['-debug', '--', '-debug']), ['--debug', '--', '-debug'], 'before -- rewritten, after not');
  const input = ['-bundle', 'x'];
  normalizeArgv(input);
  t.same(input, ['-bundle', 'x'], 'the input array is not modified');
});

// ---------------------------------------------------------------- prescanLog

t.test('prescanLog', async (t) => {
  t.same(prescanLog([]), { debug: false }, 'nothing');
  t.same(prescanLog(['--log', '/l', '--log-format', 'json', 'list']), { file: '/l', format: 'json', debug: false }, 'separate values');
  t.same(prescanLog(['--log=/l', '--log-format=text', '--debug', 'list']), { file: '/l', format: 'text', debug: true }, '= values and --debug');
  t.same(prescanLog(['state', 'x', '--log', '/late']), { file: '/late', debug: false }, 'after the subcommand too (yargs globals)');
  t.same(prescanLog(['--log=']), { file: '', debug: false }, 'empty value');
  t.same(prescanLog(['--log']), { file: undefined, debug: false }, 'missing value');
  t.same(prescanLog(['--log-format', 'xml']), { format: 'xml', debug: false }, 'bad format is returned for the caller to reject');
  t.same(prescanLog(normalizeArgv(['-log', '/l', '-debug'])), { file: '/l', debug: true }, 'after normalizeArgv, single-dash forms');
  t.same(prescanLog(['--logfile', 'x', '--debugging']), { debug: false }, 'exact names only');
  // Go's boolean flags take an explicit value: `runc --debug=false` does not debug
  // (verified: runc 1.1.5 prints no debug lines; ocits `--debug=false create` does).
  t.equal(prescanLog(['--debug=false', 'create']).debug, false, '--debug=false is not debug (as runc)');
  t.equal(prescanLog(['--debug=true', 'create']).debug, true, '--debug=true is debug');
});

// ---------------------------------------------------------------- signals

t.test('parseSignal', async (t) => {
  t.equal(parseSignal('KILL'), 9, 'KILL');
  t.equal(parseSignal('SIGKILL'), 9, 'SIGKILL');
  t.equal(parseSignal('9'), 9, '9');
  t.equal(parseSignal('term'), 15, 'term');
  t.equal(parseSignal('sigterm'), 15, 'sigterm');
  t.equal(parseSignal('SigHup'), 1, 'mixed case');
  t.equal(parseSignal('USR1'), 10, 'USR1');
  t.equal(parseSignal('SIGCHLD'), 17, 'SIGCHLD');
  t.equal(parseSignal('STOP'), 19, 'STOP');
  t.equal(parseSignal('15'), 15, '15');
  t.equal(parseSignal('64'), 64, '64 (SIGRTMAX)');
  for (const bad of ['', 'NOPE', 'SIG', 'SIGKILLX', 'KILL ', ' 9', '9x', '1.5', '-9', 'SIG9']) {
    let err: unknown;
    try {
      parseSignal(bad);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof OcitsError, `${JSON.stringify(bad)} throws`);
    t.equal((err as OcitsError | undefined)?.message, `unknown signal ${JSON.stringify(bad)}`, `${JSON.stringify(bad)}: runc's message`);
  }
  // runc 1.1.5 takes any integer (strconv.Atoi) and sends it: `runc kill ID 0`
  // exits 0 (signal 0 probes the init), verified on this host. ocits refuses.
  t.equal(
    (() => {
      try {
        return parseSignal('0');
      } catch (e) {
        return (e as Error).message;
      }
    })(),
    0,
    "'0' is signal 0, as runc (runc kill ID 0 exits 0)",
  );
  // runc knows only the names of Go's signal table: SIGIOT/SIGPOLL are unknown there.
  t.throws(() => parseSignal('IOT'), { code: 'EUSAGE' }, 'IOT is not a runc signal name');
  t.throws(() => parseSignal('poll'), { code: 'EUSAGE' }, 'POLL is not a runc signal name');
  t.equal(parseSignal('io'), 29, 'SIGIO is');
});

// ---------------------------------------------------------------- unknownFlag

t.test('unknownFlag', async (t) => {
  t.equal(unknownFlag(['--root', '/r', 'create', '--bundle', '/b', '--pid-file=/p', 'id']), undefined, 'known long flags');
  t.equal(unknownFlag(['run', '-b', '/b', '-d', 'id']), undefined, 'known short flags');
  t.equal(unknownFlag(['list', '-q', '-f', 'json']), undefined, '-q -f');
  t.equal(unknownFlag(['state', 'x']), undefined, 'no flags');
  t.equal(unknownFlag(['--bogus', 'x']), 'flag provided but not defined: -bogus', '--bogus, in runc words');
  t.equal(unknownFlag(['--bogus=1']), 'flag provided but not defined: -bogus', '--bogus=1: name only');
  t.equal(unknownFlag(['-x']), 'flag provided but not defined: -x', '-x');
  t.equal(unknownFlag(normalizeArgv(['-bogus'])), 'flag provided but not defined: -bogus', '-bogus');
  t.equal(unknownFlag(['kill', 'id', '--', '--bogus']), undefined, 'after -- nothing is a flag');
  t.equal(unknownFlag(['create', '-', 'x']), undefined, 'a lone dash is an argument');
  t.equal(unknownFlag(['start', '--bundle', '-x']), 'flag provided but not defined: -x', 'the first unknown one');
  // runc does not combine short flags (urfave/cli without UseShortOptionHandling):
  // `runc -bd list` and `runc list -bad` say "flag provided but not defined: -bd"/"-bad".
  t.equal(unknownFlag(['list', '-bd']), 'flag provided but not defined: -bd', '-bd as runc');
  t.equal(unknownFlag(['list', '-bad']), 'flag provided but not defined: -bad', '-bad as runc');
});

t.test('unknownFlag: the word after a flag that takes a value is its value, "-1" included (as Go\'s flag package)', async (t) => {
  const values = new Set(['root', 'memory-swap', 'cpu-quota', 'bundle', 'b', 'pid-file']);
  t.equal(unknownFlag(['update', '--memory-swap', '-1', '--cpu-quota', '-1', 'x'], values), undefined, '--memory-swap -1 --cpu-quota -1');
  t.equal(unknownFlag(['update', '--cpu-quota=-1', 'x'], values), undefined, '--cpu-quota=-1');
  t.equal(unknownFlag(['update', '--memory-swap=-1', '-1', 'x'], values), 'flag provided but not defined: -1', 'after a value given with "=", -1 is a flag again');
  t.equal(unknownFlag(['create', '-b', '-weird', 'x'], values), undefined, 'a value that looks like a flag');
  t.equal(unknownFlag(['update', '--memory-swap', '-1', 'x']), 'flag provided but not defined: -1', 'without the table, -1 is an unknown flag (the old behaviour)');
});

t.test('unknownFlag: -v and --version are global flags only (runc: `runc list -v` is an unknown flag)', async (t) => {
  t.equal(unknownFlag(['list', '-v']), 'flag provided but not defined: -v', 'list -v');
  t.equal(unknownFlag(['state', 'x', '--version']), 'flag provided but not defined: -version', 'state x --version');
  t.equal(unknownFlag(['--root', '/r', '-v'], new Set(['root'])), undefined, 'a global -v');
});

t.test('wantsVersion: -v/--version anywhere among the global flags', async (t) => {
  t.ok(wantsVersion(['-v']), '-v');
  t.ok(wantsVersion(['--version']), '--version');
  t.ok(wantsVersion(['--root', '/r', '-v']), '--root DIR -v');
  t.ok(wantsVersion(['--root=/r', '--debug', '--version', 'list']), 'before the subcommand');
  t.notOk(wantsVersion(['list', '-v']), 'after the subcommand it is not');
  t.notOk(wantsVersion(['--root', '-v']), '-v as the value of --root');
  t.notOk(wantsVersion([]), 'nothing');
});

t.test('subcommandOf: the first word that is not a global flag or its value', async (t) => {
  t.equal(subcommandOf(['--root', '/r', '--log-format', 'json', 'foo', '-h']), 'foo', 'after global flags');
  t.equal(subcommandOf(['--root=/r', 'state', 'x']), 'state', '--root=DIR');
  t.equal(subcommandOf(['--debug', '-h']), undefined, 'none');
});

t.test('CLI edges: exit codes and texts as runc (an unknown subcommand, -v among global flags)', async (t) => {
  const bins: [string, string | undefined][] = [['ocits', undefined]];
  const ref = referenceRunc();
  if (ref) bins.push(['runc', ref]);
  for (const [name, bin] of bins) {
    const r = runtime(t, bin ? { bin } : {});
    const version = await r.rt(['-v']);
    t.equal(version.code, 0, `${name}: --root DIR -v prints the version`, diag(version));
    t.match(version.stdout, /version/, `${name}: a version text`);
    for (const args of [['foo'], ['foo', '-h'], ['foo', '--help']]) {
      const res = await r.rt(args);
      t.equal(res.code, 3, `${name} ${args.join(' ')}: exit code 3`, diag(res));
      t.match(res.stderr, /No help topic for 'foo'/, `${name} ${args.join(' ')}: runc's words`);
    }
    const listV = await r.rt(['list', '-v']);
    t.equal(listV.code, 1, `${name}: list -v fails`, diag(listV));
    t.match(listV.stderr, /flag provided but not defined: -v/, `${name}: an unknown flag`);
  }
});

// ---------------------------------------------------------------- table

/** Go's text/tabwriter (minwidth 12, tabwidth 1, padding 3, ' ', flags 0): cell width in runes. */
function goTabwriter(rows: string[][]): string {
  const runes = (s: string) => [...s].length;
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 12, runes(c) + 3)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i] - runes(c)) : c)).join('') + '\n').join('');
}

t.test('table: runc tabwriter layout', async (t) => {
  t.equal(table([['ID', 'PID', 'OWNER']]), 'ID          PID         OWNER\n', 'minwidth 12, last cell not padded');
  t.equal(
    table([
      ['ID', 'PID', 'X'],
      ['a-long-container-id', '1', 'y'],
    ]),
    'ID'.padEnd(22) + 'PID'.padEnd(12) + 'X\n' + 'a-long-container-id'.padEnd(22) + '1'.padEnd(12) + 'y\n',
    'a wide cell: its width + padding 3',
  );
  t.equal(table([['123456789', 'b']]), '123456789   b\n', '9 chars + 3 = 12');
  t.equal(table([['1234567890', 'b']]), '1234567890   b\n', '10 chars + 3 = 13 > 12');
  t.equal(table([]), '', 'no rows');
  t.equal(table([['only']]), 'only\n', 'one cell');
  t.equal(table([['', '', '']]), '                        \n', 'empty cells still take minwidth (no DiscardEmptyColumns)');
  t.equal(
    listText([]),
    'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n',
    'empty list: the header, as `runc list` prints it on an empty root',
  );
  const item: StateOutput = {
    ociVersion: '1.0.2',
    id: 'c1',
    pid: 4242,
    status: 'running',
    bundle: '/tmp/b',
    rootfs: '/tmp/b/rootfs',
    created: '2024-01-02T03:04:05.123456789Z',
    owner: 'root',
  };
  t.equal(
    listText([item, { ...item, id: 'second-container', pid: 0, status: 'stopped' }]),
    goTabwriter([
      ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
      ['c1', '4242', 'running', '/tmp/b', item.created, 'root'],
      ['second-container', '0', 'stopped', '/tmp/b', item.created, 'root'],
    ]),
    'list rows',
  );
  // Go counts a cell's width in runes (utf8.RuneCount); JS .length counts UTF-16 units.
  const rows = [
    ['ID', 'BUNDLE', 'OWNER'],
    ['c1', '/tmp/bündle-\u{1F600}-long-name', 'root'],
  ];
  t.equal(table(rows), goTabwriter(rows), 'a non-BMP character counts as one column, as in Go');
});

t.test('listText matches `runc list` for real runc containers', { skip: referenceRunc() ? false : 'runc is not installed' }, async (t) => {
  const r = runtime(t, { bin: referenceRunc()! });
  const empty = await r.rt(['list']);
  t.equal(empty.code, 0, 'runc list on an empty root', diag(empty));
  t.equal(empty.stdout, listText([]), 'empty root: same header');

  const b = makeBundle(t);
  // a second bundle (own cgroup and mark) moved to a path with non-ASCII and non-BMP characters
  const b2 = makeBundle(t);
  const odd = path.join(makeTempDir(t), 'bündle-\u{1F600}');
  fs.cpSync(b2.dir, odd, { recursive: true, verbatimSymlinks: true });
  const short = 'c1';
  const long = `${b2.id}-with-a-much-longer-id`;
  /** runc's table vs listText() of runc's own json, for the containers so far. */
  const compare = async (n: number, what: string) => {
    const table = await r.rt(['list']);
    const json = await r.rt(['list', '--format', 'json']);
    t.equal(table.code, 0, 'runc list', diag(table));
    t.equal(json.code, 0, 'runc list --format json', diag(json));
    const items = JSON.parse(json.stdout) as StateOutput[];
    t.equal(items.length, n, `${n} container(s)`);
    // (runc's table rows and its json list come in the same, readdir, order)
    t.equal(listText(items), table.stdout, `${what}: ocits renders runc's own list data exactly as runc does`);
  };
  r.track(short);
  let c = await r.rt(['create', '--bundle', b.dir, short]);
  t.equal(c.code, 0, `runc create ${short}`, diag(c));
  await compare(1, 'ASCII');
  r.track(long);
  c = await r.rt(['create', '--bundle', odd, long]);
  t.equal(c.code, 0, `runc create ${long}`, diag(c));
  await compare(2, 'a long id and a bundle path with a non-BMP character');

  for (const id of [short, long]) {
    const d = await r.rt(['delete', '--force', id]);
    t.equal(d.code, 0, `runc delete --force ${id}`, diag(d));
  }
  await assertNoTrace(t, traceOf(r.root, b, short), 'runc c1');
  await assertNoTrace(t, { ...traceOf(r.root, b2, long), bundle: odd }, 'runc long');
});
