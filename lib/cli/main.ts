/**
 * The ocits command line: runc's subcommands and flags, parsed with yargs.
 * Each subcommand lives in its own module; the build also bundles each on
 * its own (see fastpath.ts), and this whole CLI runs when that fast path is
 * not sure of argv (help, usage errors, unusual forms) or no command is named.
 */
import type { Argv } from 'yargs';
import { fail, takePending, writeOut, type Cmd } from './common';
import { act, configureLog, prepare } from './fastpath';
import { fastParse } from './fastargs';
import { GLOBAL_FLAGS, normalizeArgv, subcommandOf, unknownFlag, wantsVersion } from './globals';

export { fail } from './common';

/**
 * Every subcommand (static requires, so that the build bundles them all). A
 * command NAME lives in ./NAME.ts and exports it as `command`: the build
 * makes its fast-path bundle from that (scripts/bundle.js).
 */
export const COMMANDS: readonly Cmd<never>[] = [
  require('./create').command,
  require('./start').command,
  require('./state').command,
  require('./kill').command,
  require('./delete').command,
  require('./run').command,
  require('./list').command,
  require('./spec').command,
  require('./features').command,
  require('./pause').command,
  require('./resume').command,
  require('./ps').command,
  require('./events').command,
  require('./update').command,
  require('./exec').command,
];

/** Names and aliases of every flag that takes a value (its next word is its value, never a flag). */
function valueFlags(): Set<string> {
  const out = new Set<string>();
  for (const table of [GLOBAL_FLAGS, ...COMMANDS.map((c) => c.flags ?? {})]) {
    for (const [name, f] of Object.entries(table)) {
      if (f.type === 'boolean') continue;
      out.add(name);
      if (f.alias) out.add(f.alias);
    }
  }
  return out;
}

/** The git commit, filled in by the bundler (scripts/bundle.js). */
declare const __OCITS_COMMIT__: string | undefined;

function versionText(): string {
  const { ocitsVersion } = require('../spec/features') as typeof import('../spec/features');
  const { SPEC_VERSION } = require('../spec/version') as typeof import('../spec/version');
  const commit = typeof __OCITS_COMMIT__ === 'string' ? __OCITS_COMMIT__ : 'unknown';
  let seccomp = 'unknown';
  try {
    seccomp = (require('../native') as typeof import('../native')).native().seccompVersion();
  } catch {
    /* addon missing */
  }
  return `ocits version ${ocitsVersion()}\ncommit: ${commit}\nspec: ${SPEC_VERSION}\nnode: ${process.version}\nlibseccomp: ${seccomp}\n`;
}

export function main(rawArgv: string[]): void {
  const argv = prepare(rawArgv, COMMANDS);
  if (wantsVersion(argv)) {
    writeOut(versionText());
    return;
  }
  configureLog(argv);
  const bad = unknownFlag(argv, valueFlags());
  if (bad) fail(new Error(bad));
  // As runc (urfave/cli): an unknown subcommand, with or without -h, exits 3.
  const sub = subcommandOf(argv);
  if (sub !== undefined && sub !== 'help' && !COMMANDS.some((c) => c.command.split(' ')[0] === sub || c.aliases?.includes(sub))) {
    fail(new Error(`No help topic for '${sub}'`), 3);
  }
  const fast = fastParse(argv, GLOBAL_FLAGS, COMMANDS);
  if (fast) return act(fast);
  const y = parser(argv);
  const parsed = y.parseSync();
  const work = takePending();
  if (work) work();
  else if (parsed._.length === 0) y.showHelp();
}

function parser(argv: string[]): Argv {
  const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
  let y: Argv = yargs(argv)
    .scriptName('ocits')
    .usage('ocits [global options] command [command options] [arguments...]\n\nAn OCI container runtime (runc-compatible), in TypeScript.');
  for (const [name, f] of Object.entries(GLOBAL_FLAGS)) y = y.option(name, { ...f, global: true } as never);
  y = y
    .version(false)
    .help('help')
    .alias('help', 'h')
    .strict()
    .parserConfiguration({ 'boolean-negation': false, 'dot-notation': false, 'camel-case-expansion': true })
    .wrap(null)
    .fail((msg, err) => fail(err ?? new Error(msg)));
  for (const c of COMMANDS) {
    y = y.command({ ...c, builder: (b: Argv) => b.options((c.flags ?? {}) as never) } as never);
  }
  // yargs renders the whole help text after every command, just in case; ocits
  // renders it only when asked (--help, usage errors).
  const usage = (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
    .getInternalMethods()
    .getUsageInstance();
  usage.cacheHelpMessage = () => {};
  return y;
}

/**
 * Run the parser once per subcommand without acting, so that the V8 code
 * cache made at build time (scripts/bundle.js) holds it compiled. (The
 * commands' own hot paths are warmed in their fast-path bundles.)
 */
export function warm(): void {
  for (const argv of [
    ['--root', '/nonexistent', 'create', '--bundle', '/b', '--pid-file', '/p', 'x'],
    ['--log', '', 'start', 'x'],
    ['state', 'x'],
    ['kill', '--all', 'x', 'KILL'],
    ['delete', '--force', 'x'],
    ['run', '-d', 'x'],
    ['exec', '--process', '/p', '--detach', '--pid-file', '/q', 'x'],
  ]) {
    parser(argv).parseSync();
    takePending();
    fastParse(normalizeArgv(argv), GLOBAL_FLAGS, COMMANDS);
  }
}
