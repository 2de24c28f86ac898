// Real clients of the runtime: a private containerd (its own root, state and
// socket under a temp dir, the CRI plugin off) driven with ctr, and Podman
// with private storage. Both get an image made from the busybox rootfs
// template (no registry is reachable). Everything they start is stopped and
// removed at the test's teardown, even when the test failed.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import { CGROUP_PARENT, MARK_VAR, killPids, removeDir, sleep, unmountUnder, waitFor } from './host'
import { rootfsTemplate } from './rootfs'
import { makeTempDir, runtimeMark, scopeOf, uniqueId } from './scope'

export const IMAGE = 'localhost/ocits-busybox:test'

export interface CmdResult {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Run a client command to its end (stdin from `input` or /dev/null). */
export function runCmd(bin: string, args: string[], opts: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CmdResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeout ?? 60000)
    if (opts.input !== undefined) child.stdin!.end(opts.input)
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (e) => {
      stderr += String(e)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

export function which(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin']) {
    const p = path.join(dir, name)
    if (fs.existsSync(p)) return p
  }
  return undefined
}

/** A containers.conf for this VM: Podman's default ulimits exceed its hard limits. */
function containersConf(dir: string, extra = ''): string {
  const file = path.join(dir, 'containers.conf')
  fs.writeFileSync(file, `[containers]\ndefault_ulimits = []\n${extra}`)
  return file
}

let imageCache: string | undefined

/**
 * The test image as an OCI archive, built once per machine (per rootfs
 * template) under os.tmpdir(), atomically: tar the template, `podman import`
 * it into a throwaway store, `podman save --format oci-archive`.
 */
export function imageArchive(): string {
  if (imageCache && fs.existsSync(imageCache)) return imageCache
  const template = rootfsTemplate()
  const final = `${template}.oci.tar`
  if (!fs.existsSync(final)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `ocits-tmp-${process.pid}-image-`))
    try {
      const tar = path.join(work, 'rootfs.tar')
      execFileSync('tar', ['-C', template, '-cf', tar, '.'])
      const env = { ...process.env, CONTAINERS_CONF: containersConf(work) }
      const store = ['--root', path.join(work, 'store'), '--runroot', path.join(work, 'run'), '--storage-driver', 'vfs']
      execFileSync('podman', [...store, 'import', tar, IMAGE], { env, stdio: 'ignore' })
      const out = path.join(work, 'image.oci.tar')
      execFileSync('podman', [...store, 'save', '--format', 'oci-archive', '-o', out, IMAGE], { env, stdio: 'ignore' })
      try {
        execFileSync('podman', [...store, 'rmi', '-a', '-f'], { env, stdio: 'ignore' })
      } catch {
        /* the store goes with the dir */
      }
      fs.renameSync(out, final)
    } finally {
      unmountUnder(work)
      removeDir(work)
    }
  }
  imageCache = final
  return final
}

/** Pids whose command line mentions `needle` (shims started for our containerd, conmon for our Podman). */
function pidsMentioning(needle: string): number[] {
  const out: number[] = []
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) out.push(Number(e))
    } catch {
      /* gone */
    }
  }
  return out
}

export interface Containerd {
  /** the grpc socket */
  sock: string
  /** a containerd namespace of this test's own */
  ns: string
  /** the runtime's --root (ctr's --runc-root), under the temp dir */
  runtimeRoot: string
  /** cgroup parent for this test's tasks: pass `cgroupOf(id)` as ctr's --cgroup */
  cgroupOf: (id: string) => string
  dir: string
  /** `ctr -a SOCK -n NS args...` */
  ctr: (args: string[], opts?: { input?: string; timeout?: number }) => Promise<CmdResult>
  /** the arguments of `ctr run` that point at the runtime under test */
  runArgs: (id: string) => string[]
  log: () => string
}

/**
 * A private containerd for this test, with the test image imported. Teardown:
 * every task killed and deleted through containerd, then containerd and its
 * shims stopped, then cgroups, mounts and dirs removed.
 */
export async function startContainerd(t: Test, runtimeBin: string): Promise<Containerd> {
  const scope = scopeOf(t)
  const dir = makeTempDir(t, 'host')
  const unique = uniqueId()
  const sock = path.join(dir, 'containerd.sock')
  const runtimeRoot = path.join(dir, 'runtime-root')
  const cgroupParent = `${CGROUP_PARENT}/${unique}`
  scope.cgroups.add(cgroupParent)
  scope.roots.push({ bin: runtimeBin, root: runtimeRoot })
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.grpc.v1.cri"]',
      '  disable = true',
      '',
    ].join('\n'),
  )
  const logFile = path.join(dir, 'containerd.log')
  const logFd = fs.openSync(logFile, 'a')
  const daemon: ChildProcess = spawn('containerd', ['--config', path.join(dir, 'config.toml')], {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, [MARK_VAR]: runtimeMark(scope) },
    detached: true,
  })
  fs.closeSync(logFd)
  const ns = `ocits-${unique}`
  const ctr = (args: string[], opts: { input?: string; timeout?: number } = {}) => runCmd('ctr', ['-a', sock, '-n', ns, ...args], opts)
  t.teardown(async () => {
    // Tasks first, through containerd, so the shims clean up after themselves.
    try {
      const ls = await ctr(['task', 'ls', '-q'], { timeout: 10000 })
      for (const id of ls.stdout.split('\n').filter(Boolean)) {
        await ctr(['task', 'kill', '-s', 'SIGKILL', id], { timeout: 10000 })
        await ctr(['task', 'delete', '-f', id], { timeout: 10000 })
      }
      const cs = await ctr(['container', 'ls', '-q'], { timeout: 10000 })
      for (const id of cs.stdout.split('\n').filter(Boolean)) await ctr(['container', 'delete', id], { timeout: 10000 })
    } catch {
      /* containerd may be gone */
    }
    if (daemon.pid) {
      try {
        process.kill(daemon.pid, 'SIGTERM')
      } catch {
        /* gone */
      }
      await waitFor(() => daemon.exitCode !== null || daemon.signalCode !== null, { timeout: 5000 })
      try {
        process.kill(daemon.pid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 20; i++) {
      const left = pidsMentioning(sock)
      if (!left.length) break
      killPids(left)
      await sleep(50)
    }
  })
  const up = await waitFor(async () => (await ctr(['version'], { timeout: 5000 })).code === 0, { timeout: 20000 })
  if (!up) throw new Error(`containerd did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`)
  const imp = await ctr(['images', 'import', '--snapshotter', 'native', imageArchive()], { timeout: 60000 })
  if (imp.code !== 0) throw new Error(`ctr images import: ${imp.stderr}`)
  return {
    sock,
    ns,
    runtimeRoot,
    dir,
    cgroupOf: (id) => `${cgroupParent}/${id}`,
    ctr,
    runArgs: (id) => ['--snapshotter', 'native', '--runc-binary', runtimeBin, '--runc-root', runtimeRoot, '--cgroup', `${cgroupParent}/${id}`],
    log: () => fs.readFileSync(logFile, 'utf8'),
  }
}

export interface Podman {
  /** `podman <private store flags> --runtime BIN args...` */
  podman: (args: string[], opts?: { input?: string; timeout?: number }) => Promise<CmdResult>
  /** the global flags (for spawning podman under a pty, say) */
  globals: string[]
  /** pass as `run --cgroup-parent` when not using podman() */
  cgroupParent: string
  env: NodeJS.ProcessEnv
  dir: string
}

/**
 * Podman with a private store, run root and tmpdir, the cgroupfs manager, file
 * events and the runtime under test; the image loaded from the OCI archive.
 * `confExtra` is appended to containers.conf (e.g. runtime_supports_json);
 * with `runtimeFlag: false` no --runtime is passed (the conf names it).
 */
export async function startPodman(t: Test, runtimeBin: string, confExtra = '', opts: { runtimeFlag?: boolean } = {}): Promise<Podman> {
  const scope = scopeOf(t)
  const dir = makeTempDir(t, 'host')
  const unique = uniqueId()
  const cgroupParent = `${CGROUP_PARENT}/${unique}`
  scope.cgroups.add(cgroupParent)
  const env = {
    ...process.env,
    CONTAINERS_CONF: containersConf(dir, confExtra),
    TMPDIR: dir,
    [MARK_VAR]: runtimeMark(scope),
  }
  const globals = [
    '--root', path.join(dir, 'store'),
    '--runroot', path.join(dir, 'run'),
    '--tmpdir', path.join(dir, 'tmp'),
    '--storage-driver', 'vfs',
    ...(opts.runtimeFlag === false ? [] : ['--runtime', runtimeBin]),
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
  ]
  // Containers under this test's cgroup parent (so teardown finds whatever is left).
  const withParent = (args: string[]) => (args[0] === 'run' || args[0] === 'create' ? [args[0], '--cgroup-parent', cgroupParent, ...args.slice(1)] : args)
  const podman = (args: string[], opts: { input?: string; timeout?: number } = {}) => runCmd('podman', [...globals, ...withParent(args)], { ...opts, env })
  t.teardown(async () => {
    await podman(['rm', '-a', '-f', '-t', '0'], { timeout: 30000 })
    for (let i = 0; i < 20; i++) {
      const left = pidsMentioning(dir)
      if (!left.length) break
      killPids(left)
      await sleep(50)
    }
    await podman(['system', 'reset', '-f'], { timeout: 30000 })
    // conmon (cgroupfs manager) puts itself in libpod_parent/conmon on every
    // hierarchy, whatever the containers' parent: removed once empty (a
    // concurrent test's conmon keeps it busy, and then that test removes it)
    for (const h of fs.readdirSync('/sys/fs/cgroup')) {
      for (const d of ['libpod_parent/conmon', 'libpod_parent']) {
        try {
          fs.rmdirSync(path.join('/sys/fs/cgroup', h, d))
        } catch {
          /* busy, or not there */
        }
      }
    }
  })
  const load = await podman(['load', '-i', imageArchive()], { timeout: 60000 })
  if (load.code !== 0) throw new Error(`podman load: ${load.stderr}`)
  return { podman, globals, cgroupParent, env, dir }
}
