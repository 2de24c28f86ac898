// Running the runtime binary: one --root per test, output captured in files
// (not pipes: a created container inherits the runtime's stdio and would hold
// a pipe open long after the runtime exited).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import type { Test } from 'tap'
import { runtimeBin } from './paths'
import { MARK_VAR } from './host'
import { makeTempDir, runtimeMark, scopeOf, type Scope } from './scope'

export interface RunResult {
  /** exit code, or null when killed by a signal / timed out / could not spawn */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
  /** the full argv after the binary (global flags included) */
  argv: string[]
  /** wall time in ms */
  ms: number
}

export interface RtOptions {
  /** written to the runtime's stdin (which is /dev/null otherwise) */
  input?: string | Buffer
  /** an fd of the test (a host file, say) as the runtime's stdin, instead of input */
  stdinFd?: number
  /** an fd of the test as the runtime's stdout (RunResult.stdout is then '') */
  stdoutFd?: number
  /** extra environment (undefined values remove a variable) */
  env?: Record<string, string | undefined>
  /** ms before the runtime is SIGKILLed; default 30000 */
  timeout?: number
  cwd?: string
  /** do not pass --root (e.g. `spec`, `features`, or to test the default root) */
  noRoot?: boolean
  /** override the runtime-wide --log / --log-format for this call */
  log?: string
  logFormat?: 'json' | 'text'
}

export interface RuntimeOptions {
  /** binary to run; default runtimeBin() */
  bin?: string
  /** pass --log FILE to every call */
  log?: string
  /** pass --log-format to every call */
  logFormat?: 'json' | 'text'
}

export interface Runtime {
  bin: string
  /** this test's --root */
  root: string
  /** run `bin [--root root] [--log ..] args...` */
  rt: (args: string[], opts?: RtOptions) => Promise<RunResult>
  /** like rt but with pipes, returning the child (for stdio/EOF tests) */
  spawnPiped: (args: string[], opts?: RtOptions) => ChildProcess
  /** make teardown `delete --force` this id too */
  track: (id: string) => void
}

/** Subcommands whose first positional argument is a container id. */
const ID_COMMANDS = new Set([
  'create', 'start', 'run', 'state', 'kill', 'delete', 'exec', 'ps', 'pause', 'resume', 'update', 'events', 'checkpoint', 'restore',
])
/** Flags (of those commands) that take a value, so the value is not the id. */
const VALUE_FLAGS = new Set([
  '--bundle', '-b', '--pid-file', '--console-socket', '--preserve-fds', '--format', '-f', '--process', '-p', '--cwd', '--env', '-e',
  '--user', '-u', '--additional-gids', '-g', '--process-label', '--apparmor', '--cap', '-c', '--resources', '-r', '--interval',
  '--image-path', '--work-path', '--parent-path', '--page-server', '--manage-cgroups-mode', '--empty-ns', '--status-fd',
  '--lsm-profile', '--lsm-mount-context', '--signal', '-s', '--criu', '--log', '--log-format', '--root',
])

/** The container id in a runtime argv (after global flags), if any. */
export function containerIdOf(args: string[]): string | undefined {
  let i = 0
  while (i < args.length && args[i].startsWith('-')) i += args[i].includes('=') || !VALUE_FLAGS.has(args[i]) ? 1 : 2
  const cmd = args[i]
  if (!cmd || !ID_COMMANDS.has(cmd)) return undefined
  for (i++; i < args.length; i++) {
    const a = args[i]
    if (a === '--') return args[i + 1]
    if (a.startsWith('-')) {
      if (!a.includes('=') && VALUE_FLAGS.has(a)) i++
      continue
    }
    return a
  }
  return undefined
}

/**
 * The runtime is started through env(1) without NODE_OPTIONS (tap's
 * process-info hook puts its --import there and adds it back to every child
 * it sees spawned, so every ocits call would load it) nor NODE_EXTRA_CA_CERTS
 * (50 ms per Node start here), unless the test sets them itself. env execs:
 * the child's pid is the runtime's.
 */
function command(bin: string, argv: string[], extra?: Record<string, string | undefined>): [string, string[]] {
  const unset = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'].filter((k) => !(extra && k in extra)).flatMap((k) => ['-u', k])
  return ['/usr/bin/env', [...unset, bin, ...argv]]
}

function buildEnv(scope: Scope, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [MARK_VAR]: runtimeMark(scope) }
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/**
 * A runtime for this test: its own --root (a temp dir) and `rt(args)`.
 * At teardown (even after a failure) every container with state in the root
 * is `delete --force`d, then processes carrying the test's marks are killed,
 * mounts under the test's dirs unmounted, its cgroups (every hierarchy)
 * removed and its dirs deleted. rt() exports OCITS_TEST_MARK=<test>.rt to the
 * runtime, so anything the runtime itself leaves running is found too.
 */
export function runtime(t: Test, ropts: RuntimeOptions = {}): Runtime {
  const scope = scopeOf(t)
  const bin = ropts.bin ?? runtimeBin()
  const root = makeTempDir(t, 'root')
  scope.roots.push({ bin, root })
  if (!scope.ioDir) scope.ioDir = fs.mkdtempSync(path.join(os.tmpdir(), `ocits-io-${process.pid}-`))
  let n = 0

  const argvFor = (args: string[], o: RtOptions): string[] => {
    const g: string[] = []
    if (!o.noRoot) g.push('--root', root)
    const log = o.log ?? ropts.log
    const logFormat = o.logFormat ?? ropts.logFormat
    if (log) g.push('--log', log)
    if (logFormat) g.push('--log-format', logFormat)
    const id = containerIdOf(args)
    if (id) scope.ids.add(id)
    return [...g, ...args]
  }

  const rt = (args: string[], o: RtOptions = {}): Promise<RunResult> => {
    const argv = argvFor(args, o)
    const k = ++n
    const outPath = path.join(scope.ioDir!, `${k}.out`)
    const errPath = path.join(scope.ioDir!, `${k}.err`)
    const outFd = fs.openSync(outPath, 'w+')
    const errFd = fs.openSync(errPath, 'w+')
    const started = Date.now()
    return new Promise<RunResult>((resolve) => {
      let timedOut = false
      let settled = false
      let child: ChildProcess
      const finish = (code: number | null, signal: NodeJS.Signals | null, extraErr = '') => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const read = (p: string) => {
          try {
            return fs.readFileSync(p, 'utf8')
          } catch {
            return ''
          }
        }
        resolve({ code, signal, stdout: o.stdoutFd === undefined ? read(outPath) : '', stderr: read(errPath) + extraErr, timedOut, argv, ms: Date.now() - started })
      }
      const stdio: StdioOptions = [o.stdinFd ?? (o.input !== undefined ? 'pipe' : 'ignore'), o.stdoutFd ?? outFd, errFd]
      try {
        const [file, args] = command(bin, argv, o.env)
        child = spawn(file, args, { stdio, env: buildEnv(scope, o.env), cwd: o.cwd })
      } catch (e) {
        fs.closeSync(outFd)
        fs.closeSync(errFd)
        finish(null, null, `spawn failed: ${(e as Error).message}`)
        return
      }
      fs.closeSync(outFd)
      fs.closeSync(errFd)
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, o.timeout ?? 30000)
      child.on('error', (e) => finish(null, null, `spawn failed: ${e.message}`))
      child.on('exit', (code, signal) => finish(code, signal, timedOut ? `\n[timed out after ${o.timeout ?? 30000} ms]` : ''))
      if (o.input !== undefined && child.stdin) {
        child.stdin.on('error', () => {})
        child.stdin.end(o.input)
      }
    })
  }

  const spawnPiped = (args: string[], o: RtOptions = {}): ChildProcess => {
    const argv = argvFor(args, o)
    const [file, cmdArgs] = command(bin, argv, o.env)
    return spawn(file, cmdArgs, { stdio: ['pipe', 'pipe', 'pipe'], env: buildEnv(scope, o.env), cwd: o.cwd })
  }

  return { bin, root, rt, spawnPiped, track: (id) => void scope.ids.add(id) }
}

/** Parse `state` output; throws with the output when it is not JSON. */
export function parseState(r: RunResult): Record<string, unknown> {
  try {
    return JSON.parse(r.stdout)
  } catch {
    throw new Error(`state output is not JSON (code ${r.code}): ${JSON.stringify(r.stdout)} stderr: ${r.stderr}`)
  }
}

/** Diagnostics for a result, as a tap assertion's `extra` (printed on failure only). */
export function diag(r: RunResult): Record<string, unknown> {
  return { argv: r.argv.join(' '), code: r.code, signal: r.signal, timedOut: r.timedOut, ms: r.ms, stdout: r.stdout, stderr: r.stderr }
}

/** A compact description of a result for assertion messages. */
export function describe(r: RunResult): string {
  return `[${r.argv.join(' ')}] -> code=${r.code}${r.signal ? ` signal=${r.signal}` : ''}${r.timedOut ? ' TIMED OUT' : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
}
