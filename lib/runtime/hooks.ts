/**
 * OCI hooks the runtime runs itself, in its own namespaces: prestart and
 * createRuntime (create, at the init's hook point), poststart (start) and
 * poststop (delete). The init runs createContainer and startContainer
 * (addon/init/hooks.cc) with the same wording of errors.
 *
 * Each hook gets the state JSON on stdin, its `path`, `args` (args[0] is
 * argv[0]; none: argv is [path]) and exactly its `env` (none: an empty
 * environment, as runc), and is killed with SIGKILL once it runs past its
 * `timeout`. Errors are runc's (Go's exec errors), e.g.
 * "error running prestart hook #0: exit status 1, stdout: ..., stderr: ...".
 */
import { OcitsError } from '../errors';
import * as log from '../log';
import type { Hook, HookName } from '../spec/types';
import { SPEC_VERSION } from '../spec/version';

export type HookStatus = 'creating' | 'created' | 'running' | 'stopped';

/** What a hook reads on stdin (runtime-spec runtime.md#state), in runc's field order. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: HookStatus;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export function stateForHook(c: { id: string; bundle: string; annotations?: Record<string, string> }, status: HookStatus, pid: number): HookState {
  // as runc: no pid once the container has stopped; no annotations when there are none
  const withPid = pid > 0 && status !== 'stopped';
  const withAnnotations = !!c.annotations && Object.keys(c.annotations).length > 0;
  return {
    ociVersion: SPEC_VERSION,
    id: c.id,
    status,
    ...(withPid ? { pid } : {}),
    bundle: c.bundle,
    ...(withAnnotations ? { annotations: c.annotations } : {}),
  };
}

/** "K=V" entries as spawn's env object (the last of a repeated name wins, as execve's getenv would not care). */
function envObject(env: string[] | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/** Go's wording of an errno from starting a process. */
function errnoText(code: string | undefined, fallback: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'ENOEXEC':
      return 'exec format error';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return fallback;
  }
}

/** Go's ExitError text for a signal: "signal: killed". */
function signalText(sig: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'killed',
    SIGTERM: 'terminated',
    SIGINT: 'interrupt',
    SIGHUP: 'hangup',
    SIGSEGV: 'segmentation fault',
    SIGABRT: 'aborted',
    SIGPIPE: 'broken pipe',
    SIGQUIT: 'quit',
    SIGBUS: 'bus error',
    SIGFPE: 'floating point exception',
    SIGILL: 'illegal instruction',
    SIGUSR1: 'user defined signal 1',
    SIGUSR2: 'user defined signal 2',
  };
  return `signal: ${names[sig] ?? sig}`;
}

/** Run one hook; the cause of its failure (without the "error running" prefix), or undefined. */
export function runHook(h: Hook, state: HookState): string | undefined {
  const args = h.args && h.args.length ? h.args : [h.path];
  // Loaded here: node:child_process costs ~7 ms and 3 MiB at load, and
  // start, delete and create load this module whether or not there are hooks.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(h.path, args.slice(1), {
    argv0: args[0],
    env: envObject(h.env),
    input: JSON.stringify(state),
    stdio: 'pipe',
    timeout: h.timeout ? h.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ETIMEDOUT') return `hook ran past specified timeout of ${(h.timeout ?? 0).toFixed(1)}s`;
  // EPIPE: the hook did not read its stdin, which is no failure by itself
  if (err && err.code !== 'EPIPE') return `fork/exec ${h.path}: ${errnoText(err.code, err.message)}`;
  if (r.status === 0) return undefined;
  const how = r.signal ? signalText(r.signal) : `exit status ${r.status}`;
  return `${how}, stdout: ${r.stdout?.toString('utf8') ?? ''}, stderr: ${r.stderr?.toString('utf8') ?? ''}`;
}

/** Run `name` hooks in order; the first failure throws (prestart, createRuntime). */
export function runHooks(name: HookName, hooks: Hook[] | undefined, state: HookState): void {
  (hooks ?? []).forEach((h, i) => {
    const cause = runHook(h, state);
    if (cause !== undefined) throw new OcitsError('EINIT', `error running ${name} hook #${i}: ${cause}`);
  });
}

/** Run `name` hooks in order; a failure is a warning and the next hook still runs (poststart, poststop). */
export function runHooksWarn(name: HookName, hooks: Hook[] | undefined, state: HookState): void {
  (hooks ?? []).forEach((h, i) => {
    const cause = runHook(h, state);
    if (cause !== undefined) log.warn(`error running ${name} hook #${i}: ${cause}`);
  });
}
