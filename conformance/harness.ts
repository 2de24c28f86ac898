// One check's world: its own --root, bundles, container ids, cgroups and temp
// dirs, every one of them recorded so that cleanup() removes all of it, even
// when the check failed or threw.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { CGROUP_PARENT, destroyCgroup, killPids, procAlive, removeDir, sleep, waitFor } from './host'
import { copyRootfs, hasChecker, rootfsTemplate } from './rootfs'
import { defaultConfig, type Config } from './spec'

/** A check found the runtime not conforming. */
export class CheckFailure extends Error {
  constructor(message: string, readonly details?: Record<string, unknown>) {
    super(message)
  }
}

/** The requirement cannot be observed here (reason in the message). */
export class CheckSkip extends Error {}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  argv: string[]
  timedOut: boolean
}

export interface RtOptions {
  timeout?: number
  /** run the runtime under this umask (through /bin/sh) */
  umask?: string
  /** set the runtime's own oom_score_adj first (through /bin/sh) */
  oomScoreAdj?: number
  env?: Record<string, string>
  /** keep the output files: the container inherits them (create) */
  outFile?: string
  errFile?: string
}

export interface Bundle {
  dir: string
  rootfs: string
  config: Config
  id: string
  cgroupsPath: string
  configPath: string
  /** rewrite config.json from `config` */
  write: () => void
  /** where the container's stdout/stderr go when created with ctx.create */
  outFile: string
  errFile: string
  /** the --pid-file ctx.create passes */
  pidFile: string
}

export type Mutate = (c: Config, b: Bundle) => void

let seq = 0
export const uniqueId = () => `${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`

/** A prefix of every temp dir the suite makes: `ocits-conf-<pid>-`. */
export const TMP_PREFIX = 'ocits-conf-'

export class Ctx {
  readonly root: string
  private readonly dirs: string[] = []
  private readonly ids = new Set<string>()
  private readonly cgroups = new Set<string>()
  private readonly children: ChildProcess[] = []
  private readonly work: string
  private n = 0
  /** set when cleanup starts: a check still running (timed out, interrupted) can create nothing more */
  private closed = false
  /** runtime calls not finished yet: cleanup waits for them (a create in flight makes a container) */
  private readonly inflight = new Set<Promise<RunResult>>()

  constructor(readonly runtime: string) {
    this.work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${TMP_PREFIX}${process.pid}-`)))
    this.dirs.push(this.work)
    // searchable by everyone: a user-namespace container's root (a host uid like 100000) must reach its rootfs
    fs.chmodSync(this.work, 0o755)
    this.root = path.join(this.work, 'root')
    fs.mkdirSync(this.root, { mode: 0o700 })
  }

  /** A fresh temp dir owned by this check. */
  tempDir(name = 'tmp'): string {
    const d = path.join(this.work, `${name}-${++this.n}`)
    fs.mkdirSync(d, { recursive: true })
    return d
  }

  /** A new unique container id, deleted at cleanup. */
  newId(): string {
    const id = `oc-${uniqueId()}`
    this.ids.add(id)
    return id
  }

  /** A new unique cgroupsPath under /ocits-conformance, removed at cleanup. */
  newCgroupsPath(): string {
    const p = `${CGROUP_PARENT}/${uniqueId()}`
    this.cgroups.add(p)
    return p
  }

  /** Throw CheckSkip unless the checker program could be built. */
  needChecker(): void {
    if (!hasChecker()) throw new CheckSkip('no C compiler to build the checker program')
  }

  /**
   * A bundle: the busybox rootfs (with /bin/checker), runc's default config
   * with terminal false, the given args, a unique id and cgroupsPath.
   */
  bundle(args: string[] = ['sleep', '1000'], mutate?: Mutate): Bundle {
    if (this.closed) throw new CheckFailure('the check was cleaned up (timed out or interrupted)')
    const dir = this.tempDir('bundle')
    fs.chmodSync(dir, 0o755)
    const rootfs = path.join(dir, 'rootfs')
    copyRootfs(rootfs)
    const config = defaultConfig()
    config.process.terminal = false
    config.process.args = args
    const cgroupsPath = this.newCgroupsPath()
    config.linux.cgroupsPath = cgroupsPath
    const configPath = path.join(dir, 'config.json')
    const b: Bundle = {
      dir,
      rootfs,
      config,
      id: this.newId(),
      cgroupsPath,
      configPath,
      write: () => fs.writeFileSync(configPath, JSON.stringify(b.config, null, 2)),
      outFile: path.join(dir, 'container.out'),
      errFile: path.join(dir, 'container.err'),
      pidFile: path.join(dir, 'container.pid'),
    }
    if (mutate) mutate(config, b)
    b.write()
    return b
  }

  /** Run `runtime --root ROOT args...`; stdout/stderr through files (a container may inherit them). */
  rt(args: string[], o: RtOptions = {}): Promise<RunResult> {
    if (this.closed) {
      return Promise.resolve({ code: null, signal: null, stdout: '', stderr: 'the check was cleaned up', argv: args, timedOut: false })
    }
    const p = this.spawnRuntime(args, o)
    this.inflight.add(p)
    void p.finally(() => this.inflight.delete(p))
    return p
  }

  private spawnRuntime(args: string[], o: RtOptions): Promise<RunResult> {
    const argv = ['--root', this.root, ...args]
    const outFile = o.outFile ?? path.join(this.work, `rt-${++this.n}.out`)
    const errFile = o.errFile ?? path.join(this.work, `rt-${++this.n}.err`)
    const outFd = fs.openSync(outFile, 'w')
    const errFd = fs.openSync(errFile, 'w')
    let bin = this.runtime
    let realArgv = argv
    if (o.umask !== undefined || o.oomScoreAdj !== undefined) {
      const pre = [
        o.umask !== undefined ? `umask ${o.umask}` : '',
        o.oomScoreAdj !== undefined ? `echo ${o.oomScoreAdj} > /proc/self/oom_score_adj` : '',
      ].filter(Boolean)
      bin = '/bin/sh'
      realArgv = ['-c', `${pre.join('; ')}; exec "$0" "$@"`, this.runtime, ...argv]
    }
    return new Promise((resolve) => {
      let done = false
      let timedOut = false
      const finish = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
        if (done) return
        done = true
        clearTimeout(timer)
        resolve({
          code,
          signal,
          stdout: o.outFile ? '' : fs.readFileSync(outFile, 'utf8'),
          stderr: (o.errFile ? '' : fs.readFileSync(errFile, 'utf8')) + extra,
          argv,
          timedOut,
        })
      }
      // the runtime gets a clean Node environment: NODE_EXTRA_CA_CERTS (set on
      // these machines) costs every Node start ~50 ms of CPU, and under tap
      // NODE_OPTIONS imports tap's process-info tracker into every Node child
      const env: NodeJS.ProcessEnv = { ...process.env, ...o.env }
      delete env.NODE_EXTRA_CA_CERTS
      delete env.NODE_OPTIONS
      for (const k of Object.keys(env)) if (k.startsWith('_TAPJS_')) delete env[k]
      // through env(1): tap's process-info hook puts NODE_OPTIONS back into the
      // environment of every child it sees spawned
      const unset = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'].flatMap((k) => ['-u', k])
      const child = spawn('/usr/bin/env', [...unset, bin, ...realArgv], { stdio: ['ignore', outFd, errFd], env })
      fs.closeSync(outFd)
      fs.closeSync(errFd)
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, o.timeout ?? 20000)
      child.on('error', (e) => finish(null, null, `spawn failed: ${e.message}`))
      child.on('exit', (code, signal) => finish(code, signal))
    })
  }

  /** `create [extra...] --bundle DIR ID` with the container's stdio going to the bundle's out/err files. */
  create(b: Bundle, id = b.id, o: RtOptions = {}, extra: string[] = []): Promise<RunResult> {
    this.ids.add(id)
    return this.rt(['create', ...extra, '--pid-file', b.pidFile, '--bundle', b.dir, id], { outFile: b.outFile, errFile: b.errFile, ...o })
  }

  /**
   * The checker as a host-side listener (a console socket receiving the pty
   * master, or a seccomp agent) on a new unix socket; `done` resolves when it
   * exits (it writes what it got to `out`).
   */
  async listener(kind: 'console-socket' | 'seccomp-agent'): Promise<{ sock: string; out: string; done: Promise<void> }> {
    this.needChecker()
    const dir = this.tempDir('sock')
    const sock = path.join(dir, `${kind}.sock`)
    const out = path.join(dir, `${kind}.out`)
    const child = this.spawnHelper(path.join(rootfsTemplate(), 'bin/checker'), [kind, sock, out])
    const done = new Promise<void>((resolve) => {
      child.on('exit', () => resolve())
      child.on('error', () => resolve())
    })
    if (!(await waitFor(() => fs.existsSync(sock), 10000))) throw new CheckFailure(`the ${kind} listener did not start`)
    return { sock, out, done }
  }

  /** create, failing the check (with the runtime's stderr) when it does not succeed. */
  async mustCreate(b: Bundle, id = b.id, o: RtOptions = {}, extra: string[] = []): Promise<void> {
    const r = await this.create(b, id, o, extra)
    if (r.code !== 0) {
      throw new CheckFailure(`create failed (exit ${r.code})`, { stderr: readFile(b.errFile) || r.stderr })
    }
  }

  async mustStart(id: string): Promise<void> {
    const r = await this.rt(['start', id])
    if (r.code !== 0) throw new CheckFailure(`start failed (exit ${r.code})`, { stderr: r.stderr })
  }

  /** `state ID` parsed, or undefined when it fails or is not JSON. */
  async state(id: string): Promise<Record<string, any> | undefined> {
    const r = await this.rt(['state', id])
    if (r.code !== 0) return undefined
    try {
      return JSON.parse(r.stdout)
    } catch {
      return undefined
    }
  }

  /** Poll until `state` says `status`; returns the last state. */
  async waitStatus(id: string, status: string, timeout = 10000): Promise<Record<string, any> | undefined> {
    // every `state` is a runtime process (a Node start for some runtimes): when
    // waiting for a stop, watch the pid on the host and ask the runtime again
    // only once it is gone
    const end = Date.now() + timeout
    let last = await this.state(id)
    if (last?.status === status) return last
    if (status === 'stopped' && Number.isInteger(last?.pid)) {
      const pid = last?.pid as number
      await waitFor(() => !procAlive(pid), timeout, 20)
    }
    await waitFor(async () => {
      last = await this.state(id)
      return last?.status === status
    }, Math.max(0, end - Date.now()), 100)
    return last
  }

  /**
   * The whole lifecycle for a bundle: create, start, wait until stopped,
   * delete; returns what the container printed. Fails the check on any error.
   */
  async runToEnd(b: Bundle, o: RtOptions = {}): Promise<{ stdout: string; stderr: string }> {
    await this.mustCreate(b, b.id, o)
    await this.mustStart(b.id)
    // the pid file spares a `state` call (a Node start for some runtimes) before the wait
    const pid = Number(readFile(b.pidFile).trim())
    if (pid > 0) await waitFor(() => !procAlive(pid), 10000, 20)
    // a stopped container deletes; anything else is waited for, then reported
    if ((await this.rt(['delete', b.id])).code !== 0) {
      const st = await this.waitStatus(b.id, 'stopped')
      if (st?.status !== 'stopped') {
        throw new CheckFailure('container did not stop within 10 s', { state: st, stdout: readFile(b.outFile), stderr: readFile(b.errFile) })
      }
      await this.rt(['delete', b.id])
    }
    return { stdout: readFile(b.outFile), stderr: readFile(b.errFile) }
  }

  /** A bundle running `sh -c script`, run to its end: the container's stdout. */
  async inside(script: string, mutate?: Mutate, o: RtOptions = {}): Promise<string> {
    const b = this.bundle(['sh', '-c', script], mutate)
    return (await this.runToEnd(b, o)).stdout
  }

  /** A host helper process (killed at cleanup). */
  spawnHelper(cmd: string, args: string[]): ChildProcess {
    if (this.closed) throw new CheckFailure('the check was cleaned up (timed out or interrupted)')
    const c = spawn(cmd, args, { stdio: 'ignore' })
    this.children.push(c)
    return c
  }

  /** Remove everything: containers (delete --force), helpers, cgroups, dirs. Never throws. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = []
    if (this.closed) return problems
    this.closed = true
    try {
      await Promise.race([Promise.all([...this.inflight]), sleep(15000)])
      const ids = new Set(this.ids)
      try {
        for (const e of fs.readdirSync(this.root)) if (!e.startsWith('.')) ids.add(e)
      } catch {
        /* no root */
      }
      await Promise.all(
        [...ids].map((id) =>
          fs.existsSync(path.join(this.root, id)) ? this.spawnRuntime(['delete', '--force', id], { timeout: 10000 }) : undefined,
        ),
      )
      killPids(this.children.map((c) => c.pid ?? 0).filter((p) => p > 0))
      for (const cg of this.cgroups) {
        const left = await destroyCgroup(cg)
        if (left.length) problems.push(`cgroup left: ${left.join(' ')}`)
      }
      await sleep(0)
      for (const d of this.dirs) if (!removeDir(d)) problems.push(`could not remove ${d}`)
    } catch (e) {
      problems.push(`cleanup error: ${(e as Error).message}`)
    }
    return problems
  }
}

export function readFile(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8')
  } catch {
    return ''
  }
}

/** Fail unless cond; details are shown in the TAP diagnostics. */
export function expect(cond: unknown, message: string, details?: Record<string, unknown>): asserts cond {
  if (!cond) throw new CheckFailure(message, details)
}

/** JSON with object keys sorted (key order is not meaningful). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  )
}

/** Fail unless actual equals expected (JSON comparison, key order ignored). */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected)) {
    throw new CheckFailure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

/** Lines of `=== name` sections printed by a container script. */
export function sections(out: string): Record<string, string> {
  const res: Record<string, string> = {}
  let cur = ''
  for (const line of out.split('\n')) {
    const m = /^=== (.+)$/.exec(line)
    if (m) {
      cur = m[1]
      res[cur] = ''
    } else if (cur) res[cur] += line + '\n'
  }
  for (const k of Object.keys(res)) res[k] = res[k].replace(/\n+$/, '')
  return res
}
