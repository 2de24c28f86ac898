/**
 * The ocits command line: runc's subcommands and flags, parsed with yargs.
 * Each subcommand lives in its own module and is loaded only when used.
 */
import type { Argv } from 'yargs';
import * as log from '../log';
import { takePending, type Cmd, type Flag } from './common';
import { fastParse } from './fastargs';
import { normalizeArgv, prescanLog, subcommandOf, unknownFlag, wantsVersion } from './globals';

/** Every subcommand (static requires, so that the build bundles them all). */
const COMMANDS: readonly Cmd<never>[] = [
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

/** runc's global flags. */
const GLOBAL_FLAGS: Readonly<Record<string, Flag>> = {
  root: { type: 'string', default: '/run/ocits', describe: 'root directory for storage of container state' },
  log: { type: 'string', describe: 'set the log file to write ocits logs to (default is stderr)' },
  'log-format': { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'set the log format' },
  debug: { type: 'boolean', default: false, describe: 'enable debug logging' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'use the systemd cgroup driver (not supported yet)' },
  criu: { type: 'string', describe: 'path to the criu binary (checkpoint/restore are not supported)', hidden: true },
};

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

/** A failure ends the command: one error line in the log, `ocits: msg` on stderr, exit 1 (exec: 255, as runc). */
export function fail(err: unknown, code = 1): never {
  const msg = err instanceof Error ? err.message : String(err);
  log.fatal(msg.replace(/\n+$/, '').replace(/\n/g, ': '));
  process.exit(code);
}

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
  const argv = normalizeArgv((require('./exec') as typeof import('./exec')).splitExecArgs((require('./ps') as typeof import('./ps')).splitPsArgs(rawArgv)));
  const pre = prescanLog(argv);
  if (wantsVersion(argv)) {
    process.stdout.write(versionText());
    return;
  }
  try {
    log.configureLog({ file: pre.file || undefined, format: pre.format === 'json' ? 'json' : 'text', debug: pre.debug });
    if (pre.format && pre.format !== 'json' && pre.format !== 'text') throw new Error(`invalid log-format: ${pre.format}`);
  } catch (e) {
    fail(e);
  }
  const bad = unknownFlag(argv, valueFlags());
  if (bad) fail(new Error(bad));
  // As runc (urfave/cli): an unknown subcommand, with or without -h, exits 3.
  const sub = subcommandOf(argv);
  if (sub !== undefined && sub !== 'help' && !COMMANDS.some((c) => c.command.split(' ')[0] === sub || c.aliases?.includes(sub))) {
    fail(new Error(`No help topic for '${sub}'`), 3);
  }
  const fast = fastParse(argv, GLOBAL_FLAGS, COMMANDS);
  if (fast) {
    fast.cmd.handler(fast.args as never);
    takePending()?.();
    return;
  }
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
 * Run the hot paths once without acting, so that the V8 code cache made at
 * build time (scripts/bundle.js) holds them compiled: argument parsing of
 * every subcommand, config validation and planning.
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
  // The create path on a realistic config, touching nothing but a temp dir.
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const path = require('node:path') as typeof import('node:path');
  const { loadConfig } = require('../spec/validate') as typeof import('../spec/validate');
  const { defaultSpec } = require('../spec/default') as typeof import('../spec/default');
  const { buildPlan, resolveRootfs } = require('../plan/build') as typeof import('../plan/build');
  const { encodePlan } = require('../plan/encode') as typeof import('../plan/encode');
  const { newManager } = require('../cgroups') as typeof import('../cgroups');
  const { rfc3339Nano } = require('../runtime/status') as typeof import('../runtime/status');
  const spec = defaultSpec({ rootless: false }) as unknown as import('../spec/types').Spec;
  spec.process!.terminal = false;
  spec.root = { path: '/', readonly: true };
  spec.mounts!.push({ destination: '/mnt', type: 'bind', source: '/', options: ['rbind', 'ro', 'rprivate'] });
  spec.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-warm-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    const loaded = loadConfig(dir);
    const cg = newManager({ id: 'warm', cgroupsPath: '/ocits-warm/x' });
    cg.toJSON();
    const plan = buildPlan(loaded, resolveRootfs(loaded, dir), {
      bundle: dir,
      fifoPath: path.join(dir, 'exec.fifo'),
      keyring: 'warm',
      cgroupHierarchies: [{ name: 'cpu', source: '/sys/fs/cgroup/cpu/ocits-warm/x' }],
      warnings: [],
    });
    encodePlan(plan);
    rfc3339Nano();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
