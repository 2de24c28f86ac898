// Security properties of the runtime, checked on real containers:
//  - no fd of the runtime (or of the runtime's caller) leaks into the container
//  - the container init runs from a sealed memfd: /proc/PID/exe is not writable
//  - rootfs /dev and /proc symlinks to host dirs do not make the runtime write
//    device nodes into, or mount over, the host dir
//  - a read-only root stays read-only
//  - the runtime's environment does not reach the container
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import type { Test } from 'tap'
import {
  sections,
  MARK_VAR,
  assertNoTrace,
  cgroupPids,
  diag,
  firstLine,
  isRunc,
  makeBundle,
  makeTempDir,
  mountsUnder,
  parseMountinfo,
  procEnviron,
  runtime,
  runtimeMark,
  scopeOf,
  stateOf,
  traceOf,
  waitFor,
  type Bundle,
  type Runtime,
} from '../helpers'

// ---------------------------------------------------------------- helpers


/**
 * `ls -l /proc/self/fd` (busybox) -> fd number -> link target. The fd ls
 * opened to read the directory is closed by the time ls reads the links: it
 * is listed without a target ('').
 */
function parseFdListing(out: string): Map<number, string> {
  const fds = new Map<number, string>()
  for (const line of out.split('\n')) {
    const m = /^l\S+\s.*\s(\d+)(?: -> (.*))?$/.exec(line)
    if (m) fds.set(Number(m[1]), m[2] ?? '')
  }
  return fds
}

/** Node's 'pipe' stdio are socketpairs: what the caller's extra fd looks like inside. */
const CALLER_PIPE = /^(pipe|socket):\[\d+\]$/

/**
 * Check a listing of the container's own fds: exactly 0, 1, 2 and at most one
 * more, which must be the directory ls opened to list (/proc/N/fd).
 */
function checkOnlyStdio(t: Test, fds: Map<number, string>, what: string, extra: Record<string, unknown> = {}): void {
  t.ok(fds.has(0) && fds.has(1) && fds.has(2), `${what}: fds 0, 1, 2 are open`, { fds: [...fds], ...extra })
  const others = [...fds].filter(([fd]) => fd > 2)
  t.ok(others.length <= 1, `${what}: no fd beyond stdio but ls's own`, { others, ...extra })
  for (const [fd, target] of others) {
    t.ok(target === '' || /^\/proc\/\d+\/fd$/.test(target), `${what}: fd ${fd} is the directory ls lists, not a leaked fd`, { target, ...extra })
  }
}

interface PipedResult {
  code: number | null
  stdout: string
  stderr: string
  argv: string[]
}

/**
 * Run the runtime with stdin/stdout/stderr pipes plus one more pipe at fd 3
 * (open in the runtime without close-on-exec), as a caller that leaks an fd
 * would. Resolves when the runtime has exited and its output pipes closed, or
 * 300 ms after its exit (a created container keeps the stdio pipes open).
 */
function runWithFd3(t: Test, r: Runtime, args: string[], timeout = 30000): Promise<PipedResult> {
  const argv = ['--root', r.root, ...args]
  const env = { ...process.env, [MARK_VAR]: runtimeMark(scopeOf(t)) }
  return new Promise((resolve) => {
    const child = spawn(r.bin, argv, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env })
    let stdout = ''
    let stderr = ''
    let settled = false
    const finish = (code: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      for (const s of child.stdio) (s as { destroy?: () => void } | null)?.destroy?.()
      resolve({ code, stdout, stderr, argv })
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      stderr += `\n[timed out after ${timeout} ms]`
      finish(null)
    }, timeout)
    child.stdin!.end()
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (c) => {
      const grace = setTimeout(() => finish(c), 300)
      child.on('close', () => {
        clearTimeout(grace)
        finish(c)
      })
    })
  })
}

/** Create, check created, and return the init's host pid. */
async function createContainer(t: Test, r: Runtime, b: Bundle, env?: Record<string, string>): Promise<number> {
  const c = await r.rt(['create', '--bundle', b.dir, b.id], { env })
  t.equal(c.code, 0, 'create', diag(c))
  const s = await stateOf(r, b.id)
  t.equal(s?.status, 'created', 'status created')
  return Number(s?.pid ?? 0)
}

async function deleteAndCheck(t: Test, r: Runtime, b: Bundle): Promise<void> {
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, 'delete --force', diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
}

// ---------------------------------------------------------------- (a) fds

t.test('no fd of the runtime leaks into the container', async (t) => {
  t.test('run: only stdio', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, ['ls', '-l', '/proc/self/fd'])
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, 'container ran', diag(res))
    checkOnlyStdio(t, parseFdListing(res.stdout), 'run', { stdout: res.stdout })
    await assertNoTrace(t, traceOf(r.root, b))
  })

  t.test('run with --log FILE --debug: the log fd stays in the runtime', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, ['ls', '-l', '/proc/self/fd'])
    const log = path.join(makeTempDir(t), 'ocits.log')
    const res = await r.rt(['--debug', 'run', '--bundle', b.dir, b.id], { log, logFormat: 'json' })
    t.equal(res.code, 0, 'container ran', diag(res))
    const fds = parseFdListing(res.stdout)
    checkOnlyStdio(t, fds, 'run --log', { stdout: res.stdout })
    t.notOk([...fds.values()].some((v) => v.endsWith('ocits.log')), 'the log file is not open in the container', { stdout: res.stdout })
    await assertNoTrace(t, traceOf(r.root, b))
  })

  t.test('create + start: only stdio', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, (c) => {
      c.root.readonly = false
      c.process.args = ['sh', '-c', 'exec ls -l /proc/self/fd > /fds 2>&1']
    })
    const pid = await createContainer(t, r, b)
    t.ok(pid > 0, 'init pid')
    const s = await r.rt(['start', b.id])
    t.equal(s.code, 0, 'start', diag(s))
    const st = await waitFor(async () => (await stateOf(r, b.id))?.status === 'stopped', { timeout: 10000 })
    t.ok(st, 'the container ran to its end')
    const out = fs.readFileSync(path.join(b.rootfs, 'fds'), 'utf8')
    t.match(out, /\d+ -> /, 'the container wrote its fd listing')
    const fds = parseFdListing(out)
    // fd 1 is the file; 0 and 2 are the runtime's (the harness's /dev/null and file)
    t.ok(fds.get(1)?.endsWith('/fds'), 'fd 1 is the redirect', { out })
    checkOnlyStdio(t, fds, 'create+start', { out })
    await deleteAndCheck(t, r, b)
  })

  t.test('an fd 3 open in the runtime (no --preserve-fds) does not reach the container', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, ['ls', '-l', '/proc/self/fd'])
    const res = await runWithFd3(t, r, ['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, 'container ran', res)
    const fds = parseFdListing(res.stdout)
    t.match(fds.get(1) ?? '', CALLER_PIPE, 'stdout is the caller\'s pipe', { stdout: res.stdout })
    checkOnlyStdio(t, fds, 'fd 3 open in the runtime', { stdout: res.stdout })
    t.notMatch(fds.get(3) ?? '', CALLER_PIPE, 'fd 3 is not the caller\'s pipe', { stdout: res.stdout })
    await assertNoTrace(t, traceOf(r.root, b))
  })

  t.test('control: with --preserve-fds 1 the container does get fd 3', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, ['ls', '-l', '/proc/self/fd'])
    const res = await runWithFd3(t, r, ['run', '--preserve-fds', '1', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, 'container ran', res)
    const fds = parseFdListing(res.stdout)
    t.match(fds.get(3) ?? '', CALLER_PIPE, 'fd 3 is the caller\'s pipe (so the test above can see a leak)', { stdout: res.stdout })
    await assertNoTrace(t, traceOf(r.root, b))
  })

  t.test('create + start with fd 3 open in both runtime calls', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, (c) => {
      c.root.readonly = false
      c.process.args = ['sh', '-c', 'exec ls -l /proc/self/fd > /fds 2>&1']
    })
    const c = await runWithFd3(t, r, ['create', '--bundle', b.dir, b.id])
    t.equal(c.code, 0, 'create', c)
    const s = await runWithFd3(t, r, ['start', b.id])
    t.equal(s.code, 0, 'start', s)
    const st2 = await waitFor(async () => (await stateOf(r, b.id))?.status === 'stopped', { timeout: 10000 })
    t.ok(st2, 'the container ran to its end')
    const out = fs.readFileSync(path.join(b.rootfs, 'fds'), 'utf8')
    t.match(out, /\d+ -> /, 'the container wrote its fd listing')
    const fds = parseFdListing(out)
    checkOnlyStdio(t, fds, 'create+start with fd 3', { out })
    t.notMatch(fds.get(3) ?? '', CALLER_PIPE, 'fd 3 is not the create caller\'s pipe', { out })
    await deleteAndCheck(t, r, b)
  })
})

// ---------------------------------------------------------------- (b) exe

t.test('the created init runs from a sealed memfd: /proc/PID/exe is not writable', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const pid = await createContainer(t, r, b)
  t.ok(pid > 0, 'init pid')
  const exe = `/proc/${pid}/exe`
  const link = fs.readlinkSync(exe)
  // runc 1.1.5 prefers a read-only bind of its binary (readlink "/") over a memfd
  t.ok(link.startsWith('/memfd:'), `readlink ${exe} starts with /memfd: (got ${link})`, isRunc(r.bin) ? { todo: 'runc 1.1 uses a ro bindfd' } : {})
  for (const [name, flags] of [
    ['O_WRONLY', fs.constants.O_WRONLY],
    ['O_RDWR', fs.constants.O_RDWR],
    ['O_WRONLY|O_APPEND', fs.constants.O_WRONLY | fs.constants.O_APPEND],
  ] as const) {
    let code = 'opened'
    try {
      const fd = fs.openSync(exe, flags)
      fs.closeSync(fd)
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code ?? String(e)
    }
    t.ok(code === 'ETXTBSY' || code === 'EPERM', `open ${exe} ${name} fails with ETXTBSY or EPERM (got ${code})`)
  }
  // Every process of the container (a lingering setup stage too) is checked.
  const pids = cgroupPids(b.cgroupsPath)
  t.ok(pids.includes(pid), 'the init is in the container cgroup', { pids })
  for (const p of pids) {
    let target = '?'
    let code = 'opened'
    try {
      target = fs.readlinkSync(`/proc/${p}/exe`)
      fs.closeSync(fs.openSync(`/proc/${p}/exe`, fs.constants.O_WRONLY))
    } catch (e) {
      code = (e as NodeJS.ErrnoException).code ?? String(e)
    }
    t.not(code, 'opened', `container process ${p} (${target}): exe not writable`)
  }
  // the image cannot be changed by truncating it either
  t.throws(() => fs.truncateSync(exe, 0), 'truncate of the init image fails')
  t.ok(fs.statSync(exe).size > 0, 'the image is intact')
  await deleteAndCheck(t, r, b)
})

t.test('the init\'s image is not reachable as the container\'s program: /proc/self/exe is refused', async (t) => {
  const r = runtime(t)
  for (const exe of ['/proc/self/exe', '/proc/1/exe']) {
    const b = makeBundle(t, [exe])
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `run ${exe}: refused`, diag(res))
    t.notMatch(res.stderr, /started by ocits, not by hand/, `run ${exe}: the init did not run as the container's process`, diag(res))
    if (!isRunc(r.bin)) t.equal(firstLine(res), `ocits: exec: "${exe}": refused: it is the runtime's init, not a program of the container`, diag(res))
    await assertNoTrace(t, traceOf(r.root, b))
  }
  const b = makeBundle(t)
  t.equal((await r.rt(['run', '-d', '--bundle', b.dir, b.id])).code, 0, 'run -d')
  const e = await r.rt(['exec', b.id, '/proc/self/exe'])
  t.not(e.code, 0, 'exec /proc/self/exe: refused', diag(e))
  t.notMatch(e.stderr, /started by ocits, not by hand/, 'exec: the init did not run', diag(e))
  if (!isRunc(r.bin)) t.match(firstLine(e), /^ocits: exec failed: exec: "\/proc\/self\/exe": refused: it is the runtime's init/, diag(e))
  const sh = await r.rt(['exec', b.id, 'sh', '-c', 'exec /proc/self/exe true; echo not-reached'])
  t.match(sh.stderr, /^exe: applet not found/, 'a container process running its own /proc/self/exe runs its own program (busybox, called "exe")', diag(sh))
  t.equal((await r.rt(['delete', '--force', b.id])).code, 0, 'delete')
})

// ---------------------------------------------------------------- (c) /dev symlink

/** Replace rootfs/<name> by a symlink to `target`. */
function linkOut(b: Bundle, name: string, target: string): void {
  const p = path.join(b.rootfs, name)
  fs.rmSync(p, { recursive: true, force: true })
  fs.symlinkSync(target, p)
}

for (const variant of ['with the /dev tmpfs mount', 'without /dev mounts (devices made in rootfs/dev)']) {
  t.test(`rootfs /dev is a symlink to a host dir, ${variant}: nothing is created there`, async (t) => {
    const host = makeTempDir(t, 'host')
    fs.writeFileSync(path.join(host, 'host-file'), 'host\n')
    const r = runtime(t)
    const b = makeBundle(t, (c) => {
      c.process.args = ['sh', '-c', 'echo "=== dev"; ls /dev; echo "=== mountinfo"; cat /proc/self/mountinfo']
      if (variant.startsWith('without')) c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith('/dev'))
    })
    linkOut(b, 'dev', host)
    const before = fs.readdirSync(host).sort()
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.ok(res.code === 0 || res.code === 1, 'the runtime runs or refuses, without crashing', diag(res))
    t.comment(`${r.bin}: exit ${res.code}${res.code ? `: ${firstLine(res)}` : ''}`)
    // runc 1.1.5 fails this one: it makes /dev/fd, ptmx, stdin, stdout, stderr
    // symlinks through rootfs/dev, i.e. in the host dir (verified on this host).
    t.same(fs.readdirSync(host).sort(), before, 'no device node, dir or symlink was made in the host dir', {
      ...diag(res),
      ...(isRunc(r.bin) ? { todo: 'runc 1.1.5 creates the /dev symlinks in the host dir' } : {}),
    })
    t.equal(fs.readFileSync(path.join(host, 'host-file'), 'utf8'), 'host\n', 'host file intact')
    t.same(mountsUnder(host), [], 'nothing mounted on the host dir')
    t.ok(fs.lstatSync(path.join(b.rootfs, 'dev')).isSymbolicLink(), 'rootfs/dev is still the symlink')
    if (res.code === 0) {
      const s = sections(res.stdout)
      t.match(s.dev ?? '', /\bnull\b/, 'the container has its /dev/null', diag(res))
    } else {
      t.match(res.stderr, /\S/, 'an error is reported', diag(res))
    }
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

// ---------------------------------------------------------------- (d) /proc symlink

function procMounts(): string[] {
  return parseMountinfo()
    .filter((m) => m.fstype === 'proc')
    .map((m) => m.mountpoint)
    .sort()
}

for (const kind of ['absolute', 'relative']) {
  t.test(`rootfs /proc is an ${kind} symlink to a host dir: proc is not mounted on the host dir`, async (t) => {
    const host = makeTempDir(t, 'host')
    fs.writeFileSync(path.join(host, 'host-file'), 'host\n')
    const r = runtime(t)
    const b = makeBundle(t, ['sh', '-c', 'echo "=== mountinfo"; cat /proc/self/mountinfo'])
    linkOut(b, 'proc', kind === 'absolute' ? host : path.relative(b.rootfs, host))
    t.equal(fs.realpathSync(path.join(b.rootfs, 'proc')), host, 'on the host, rootfs/proc leads to the host dir')
    const beforeDir = fs.readdirSync(host).sort()
    const beforeProc = procMounts()
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.ok(res.code === 0 || res.code === 1, 'the runtime runs or refuses, without crashing', diag(res))
    t.comment(`${r.bin}: exit ${res.code}${res.code ? `: ${firstLine(res)}` : ''}`)
    t.same(mountsUnder(host), [], 'host mountinfo: nothing mounted on the host dir')
    t.same(procMounts(), beforeProc, 'host mountinfo: no new proc mount anywhere')
    t.same(fs.readdirSync(host).sort(), beforeDir, 'the host dir is unchanged')
    t.notOk(fs.existsSync(path.join(host, 'self')), 'the host dir does not show a proc (no self/)')
    if (res.code !== 0) t.match(res.stderr, /\S/, 'an error is reported', diag(res))
    await assertNoTrace(t, traceOf(r.root, b))
  })
}

// ---------------------------------------------------------------- (e) read-only root

t.test('readonly root: the container cannot write to /bin', async (t) => {
  const r = runtime(t)
  const script = [
    'echo "=== touch"; touch /bin/evil 2>&1; echo "rc=$?"',
    'echo "=== append"; (echo x >> /bin/busybox) 2>&1; echo "rc=$?"',
    'echo "=== passwd"; (echo x >> /etc/passwd) 2>&1; echo "rc=$?"',
    'echo "=== remount"; mount -o remount,rw / 2>&1; echo "rc=$?"',
    'echo "=== after"; touch /bin/evil2 2>&1; echo "rc=$?"',
    'echo "=== mountinfo"; cat /proc/self/mountinfo',
  ].join('; ')
  const b = makeBundle(t, (c) => {
    c.root.readonly = true
    c.process.args = ['sh', '-c', script]
  })
  const busybox = path.join(b.rootfs, 'bin', 'busybox')
  const size = fs.statSync(busybox).size
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'container ran', diag(res))
  const s = sections(res.stdout)
  t.match(s.touch, /Read-only file system[\s\S]*rc=1$/, 'touch /bin/evil fails: read-only file system', diag(res))
  // busybox is running (sh): "Text file busy" may come before the read-only check
  t.match(s.append, /(Read-only file system|Text file busy)[\s\S]*rc=[1-9]\d*$/, 'appending to /bin/busybox fails', diag(res))
  t.match(s.passwd, /Read-only file system[\s\S]*rc=[1-9]\d*$/, 'appending to /etc/passwd fails: read-only', diag(res))
  t.match(s.remount, /rc=[1-9]\d*$/, 'remounting / read-write fails (no CAP_SYS_ADMIN)', diag(res))
  t.match(s.after, /Read-only file system[\s\S]*rc=1$/, 'still read-only afterwards', diag(res))
  const root = parseMountinfo(s.mountinfo ?? '').filter((m) => m.mountpoint === '/').pop()
  t.match(root?.options ?? '', /(^|,)ro(,|$)/, 'the / mount is ro', { root })
  t.notOk(fs.existsSync(path.join(b.rootfs, 'bin', 'evil')), 'nothing written in the rootfs on the host')
  t.notOk(fs.existsSync(path.join(b.rootfs, 'bin', 'evil2')), 'nothing written after the remount attempt')
  t.equal(fs.statSync(busybox).size, size, '/bin/busybox unchanged')
  t.notMatch(fs.readFileSync(path.join(b.rootfs, 'etc', 'passwd'), 'utf8'), /^x$/m, '/etc/passwd unchanged')
  await assertNoTrace(t, traceOf(r.root, b))
})

// ---------------------------------------------------------------- (f) environment

t.test('the runtime\'s environment does not reach the container', async (t) => {
  const secret = { OCITS_SECRET: '1', OCITS_SECRET_PATH: '/secret' }

  t.test('run: env inside the container', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, ['env'])
    const res = await r.rt(['run', '--bundle', b.dir, b.id], { env: secret })
    t.equal(res.code, 0, 'container ran', diag(res))
    const lines = res.stdout.split('\n').filter((l) => l !== '')
    t.notOk(lines.some((l) => l.startsWith('OCITS_SECRET')), 'no OCITS_SECRET* in the container', { lines })
    t.notOk(lines.includes(`${MARK_VAR}=${runtimeMark(scopeOf(t))}`), 'not the runtime\'s own mark', { lines })
    for (const e of b.config.process.env as string[]) t.ok(lines.includes(e), `process.env ${e.split('=')[0]} is there`, { lines })
    const allowed = new Set([...(b.config.process.env as string[]).map((e) => e.split('=')[0]), 'HOME', 'PWD', 'SHLVL'])
    const unexpected = lines.filter((l) => !allowed.has(l.split('=')[0]))
    t.same(unexpected, [], 'nothing but process.env (and HOME, as runc adds it)', { lines })
    await assertNoTrace(t, traceOf(r.root, b))
  })

  t.test('create: the waiting init carries no runtime environment; start: env', async (t) => {
    const r = runtime(t)
    const b = makeBundle(t, (c) => {
      c.root.readonly = false
      c.process.args = ['sh', '-c', 'env > /env.out']
    })
    const pid = await createContainer(t, r, b, secret)
    const environ = procEnviron(pid) ?? []
    t.notOk(environ.some((e) => e.startsWith('OCITS_SECRET')), 'the created init\'s environ holds no OCITS_SECRET', { environ })
    const s = await r.rt(['start', b.id], { env: secret })
    t.equal(s.code, 0, 'start', diag(s))
    const out = await waitFor(() => {
      try {
        const text = fs.readFileSync(path.join(b.rootfs, 'env.out'), 'utf8')
        return text.includes('PATH=') ? text : ''
      } catch {
        return ''
      }
    }, { timeout: 10000 })
    t.ok(out, 'the container wrote its env')
    t.notMatch(out, /OCITS_SECRET/, 'no OCITS_SECRET after start', { out })
    await deleteAndCheck(t, r, b)
  })
})

t.test('the init is not dumpable while it holds host resources: a container process cannot reach its fds', { skip: isRunc() && 'runc 1.1.5\'s created init can be followed from the container (ocits is stricter)' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const c = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, 'create', diag(c))
  // The created init (pid 1 in the container) waits on the exec fifo with host
  // fds open; an exec'd process is root in the same namespaces, without CAP_SYS_PTRACE.
  const res = await r.rt(['exec', b.id, 'sh', '-c', 'for f in /proc/1/fd/*; do readlink $f || echo denied; done 2>/dev/null; readlink /proc/1/exe || echo exe-denied'])
  t.equal(res.code, 0, 'exec', diag(res))
  const lines = res.stdout.trim().split('\n')
  t.ok(lines.length > 1 && lines.slice(0, -1).every((l) => l === 'denied'), 'none of its fds can be followed (or opened) from the container', { stdout: res.stdout })
  t.equal(lines[lines.length - 1], 'exe-denied', 'nor its executable')
  const s = await r.rt(['start', b.id])
  t.equal(s.code, 0, 'start')
  const after = await r.rt(['exec', b.id, 'sh', '-c', 'ls /proc/1/fd/ | tr "\\n" " "'])
  t.match(after.stdout, /^0 1 2 $/, 'once the process runs it has only its stdio', { stdout: after.stdout })
})
