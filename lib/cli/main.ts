/**
 * The ocits command line: runc's subcommands and flags, parsed with yargs.
 * Each subcommand lives in its own module and is loaded only when used.
 */
import yargs from 'yargs/yargs';
import type { Argv } from 'yargs';
import * as log from '../log';
import { normalizeArgv, prescanLog } from './globals';

const COMMANDS = ['create', 'start', 'state', 'kill', 'delete', 'run', 'list', 'spec', 'features'] as const;

/** A failure ends the command: one error line in the log, `ocits: msg` on stderr, exit 1. */
export function fail(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  log.fatal(msg.replace(/\n+$/, '').replace(/\n/g, ': '));
  process.exit(1);
}

function versionText(): string {
  const { ocitsVersion } = require('../spec/features') as typeof import('../spec/features');
  const { SPEC_VERSION } = require('../spec/version') as typeof import('../spec/version');
  let commit = 'unknown';
  try {
    commit = (require('../../build-info.json') as { commit: string }).commit;
  } catch {
    /* built without git */
  }
  let seccomp = 'unknown';
  try {
    seccomp = (require('../native') as typeof import('../native')).native().seccompVersion();
  } catch {
    /* addon missing */
  }
  return `ocits version ${ocitsVersion()}\ncommit: ${commit}\nspec: ${SPEC_VERSION}\nnode: ${process.version}\nlibseccomp: ${seccomp}\n`;
}

export function main(rawArgv: string[]): void {
  const argv = normalizeArgv(rawArgv);
  const pre = prescanLog(argv);
  try {
    log.configureLog({ file: pre.file || undefined, format: pre.format === 'json' ? 'json' : 'text', debug: pre.debug });
    if (pre.format && pre.format !== 'json' && pre.format !== 'text') throw new Error(`invalid log-format: ${pre.format}`);
  } catch (e) {
    fail(e);
  }
  let y: Argv = yargs(argv)
    .scriptName('ocits')
    .usage('ocits [global options] command [command options] [arguments...]\n\nAn OCI container runtime (runc-compatible), in TypeScript.')
    .option('root', { type: 'string', default: '/run/ocits', describe: 'root directory for storage of container state', global: true })
    .option('log', { type: 'string', describe: 'set the log file to write ocits logs to (default is stderr)', global: true })
    .option('log-format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'set the log format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'enable debug logging', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use the systemd cgroup driver (not supported yet)', global: true })
    .option('criu', { type: 'string', describe: 'path to the criu binary (checkpoint/restore are not supported)', global: true, hidden: true })
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .version(false)
    .help('help')
    .alias('help', 'h')
    .strict()
    .parserConfiguration({ 'boolean-negation': false, 'dot-notation': false, 'camel-case-expansion': true })
    .wrap(null)
    .fail((msg, err) => fail(err ?? new Error(msg)));
  for (const name of COMMANDS) {
    y = y.command(require(`./${name}`).command);
  }
  const parsed = y.parseSync();
  if (parsed.version) {
    process.stdout.write(versionText());
    return;
  }
  if (parsed._.length === 0) {
    y.showHelp();
    process.exitCode = 0;
  }
}
