// The stdio of a foreground container process (issue 10): `run` and `exec`
// without a terminal give the container pipes, never the caller's files
// (through /proc/self/fd/N it could reopen them to read or overwrite them), and
// copy: stdin in and closed at its EOF, stdout and stderr out until both close,
// the exit code unchanged, binary data intact, signals still forwarded. The
// detached modes (`create`, `run -d`, `exec -d`) pass the caller's fds through
// unchanged (containerd's shim and conmon rely on that). runc does the same.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  makeBundle,
  makeTempDir,
  runtime,
  traceOf,
  waitFor,
  waitForStatus,
} from '../helpers'

const SECRET = 'HOST-SECRET-LINE\n'
const PIPE = /^pipe:\[\d+\]$/

/** A host file holding SECRET, opened by the test as `flags` (to hand to the runtime as stdio). */
function hostFile(t: Test, name: string, flags: string): { file: string; fd: number } {
  const file = path.join(makeTempDir(t, 'host'), name)
  fs.writeFileSync(file, SECRET)
  const fd = fs.openSync(file, flags)
  t.teardown(() => fs.closeSync(fd))
  return { file, fd }
}

/**
 * What a hostile process does with its stdio: say what each fd is, try to read
 * fd 1 through /proc (the caller's file, if it were one) and to overwrite fd 0
 * and fd 1 through /proc.
 */
const ATTACK = [
  // on stderr: the peek below reads whatever is in the stdout pipe
  'echo "fd0=$(readlink /proc/self/fd/0)" >&2',
  'echo "fd1=$(readlink /proc/self/fd/1)" >&2',
  'echo "fd2=$(readlink /proc/self/fd/2)" >&2',
  // the shell's own fd 1 ($$): cat's /proc/self/fd/1 would be the $(...) pipe
  'echo "peek=$(timeout 1 cat /proc/$$/fd/1 2>/dev/null | head -c 100)" >&2',
  'echo OVERWRITTEN-BY-CONTAINER > /proc/self/fd/0 2>/dev/null',
  'echo OVERWRITTEN-BY-CONTAINER > /proc/self/fd/1 2>/dev/null',
  'echo done',
].join('; ')

function fdLinks(out: string): Record<string, string> {
  const links: Record<string, string> = {}
  for (const m of out.matchAll(/^(fd\d)=(.*)$/gm)) links[m[1]] = m[2]
  return links
}

async function checkAttack(t: Test, what: string, res: { code: number | null; stderr: string }, stdin: string, stdout: string): Promise<void> {
  t.equal(res.code, 0, `${what}: ran`, { stderr: res.stderr })
  t.equal(fs.readFileSync(stdin, 'utf8'), SECRET, `${what}: the host file on stdin is unchanged`)
  const out = fs.readFileSync(stdout, 'utf8')
  t.ok(out.startsWith(SECRET), `${what}: the host file on stdout still starts with what it held`, { out })
  t.notMatch(res.stderr, /HOST-SECRET/, `${what}: the container could not read the host file through /proc/self/fd/1`, { stderr: res.stderr })
  const links = fdLinks(res.stderr)
  t.match(links.fd0, PIPE, `${what}: the container's stdin is a pipe`, { stderr: res.stderr })
  t.match(links.fd1, PIPE, `${what}: its stdout is a pipe`, { stderr: res.stderr })
  t.match(links.fd2, PIPE, `${what}: its stderr is a pipe`, { stderr: res.stderr })
  t.match(out, /^done$/m, `${what}: its output was copied to the file`, { out })
}

t.test('run in the foreground: a host file on stdin and stdout is neither read nor overwritten', async (t) => {
  const r = runtime(t)
  const stdin = hostFile(t, 'in', 'r')
  const stdout = hostFile(t, 'out', 'a')
  const b = makeBundle(t, ['sh', '-c', ATTACK])
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { stdinFd: stdin.fd, stdoutFd: stdout.fd })
  await checkAttack(t, 'run', res, stdin.file, stdout.file)
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('exec in the foreground: a host file on stdin and stdout is neither read nor overwritten', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const c = await r.rt(['run', '-d', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, 'run -d', diag(c))
  const stdin = hostFile(t, 'in', 'r')
  const stdout = hostFile(t, 'out', 'a')
  const res = await r.rt(['exec', b.id, 'sh', '-c', ATTACK], { stdinFd: stdin.fd, stdoutFd: stdout.fd })
  await checkAttack(t, 'exec', res, stdin.file, stdout.file)
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, 'delete', diag(d))
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('data through the pipes: stdin copied in and closed at EOF, stdout and stderr apart, the exit code kept', async (t) => {
  const r = runtime(t)
  const outDir = makeTempDir(t)
  const sink = path.join(outDir, 'out.bin')
  const sinkFd = fs.openSync(sink, 'w')
  t.teardown(() => fs.closeSync(sinkFd))
  // 8 MiB of random bytes: in through stdin, back through stdout (cat), and its size on stderr
  const data = randomBytes(8 << 20)
  const b = makeBundle(t, ['sh', '-c', 'cat; echo "stderr line" >&2; exit 7'])
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { input: data, stdoutFd: sinkFd, timeout: 60000 })
  t.equal(res.code, 7, 'the container\'s exit code', diag(res))
  const got = fs.readFileSync(sink)
  t.equal(got.length, data.length, 'every byte came back')
  t.ok(got.equals(data), 'binary data intact, in order')
  t.equal(res.stderr, 'stderr line\n', 'stderr copied to stderr, apart from stdout', diag(res))
  await assertNoTrace(t, traceOf(r.root, b))

  // exec: the same, on a running container
  const e = makeBundle(t)
  const c = await r.rt(['run', '-d', '--bundle', e.dir, e.id])
  t.equal(c.code, 0, 'run -d', diag(c))
  const small = randomBytes(300000)
  const x = await r.rt(['exec', e.id, 'sh', '-c', 'wc -c; exit 5'], { input: small })
  t.equal(x.code, 5, 'exec: the process\'s exit code', diag(x))
  t.equal(x.stdout.trim(), String(small.length), 'exec: stdin reached the process and was closed at its end (wc printed)', diag(x))
  const d = await r.rt(['delete', '--force', e.id])
  t.equal(d.code, 0, 'delete', diag(d))
})

t.test('an input that never ends does not keep the runtime once the process has exited', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['echo', 'bye'])
  const child = r.spawnPiped(['run', '--bundle', b.dir, b.id])
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.resume()
  // stdin stays open: the test never ends it
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  child.stdin!.destroy()
  t.equal(code, 0, 'run exits 0 while its stdin is still open')
  t.equal(out, 'bye\n', 'output copied')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('signals are forwarded to the process while its pipes are copied', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'trap "echo got-TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'])
  const child = r.spawnPiped(['run', '--bundle', b.dir, b.id])
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.resume()
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  t.ok(await waitFor(() => out.includes('ready'), { timeout: 20000 }), 'the process runs and its output streams through the pipe', { out })
  child.kill('SIGTERM')
  const code = await exited
  child.stdin!.destroy()
  t.equal(code, 3, 'the trap\'s exit code: SIGTERM reached the process')
  t.match(out, /got-TERM/, 'the trap ran', { out })
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('detached modes pass the caller\'s fds through unchanged (create, run -d, exec -d)', async (t) => {
  const r = runtime(t)
  const dir = makeTempDir(t)
  const watch = (n: string) => {
    const file = path.join(dir, n)
    const fd = fs.openSync(file, 'a')
    t.teardown(() => fs.closeSync(fd))
    return { file, fd }
  }
  // each writes where its fd 1 leads into its own stdout
  const script = 'readlink /proc/self/fd/1'

  const created = watch('create.out')
  const b1 = makeBundle(t, ['sh', '-c', script])
  const c = await r.rt(['create', '--bundle', b1.dir, b1.id], { stdoutFd: created.fd })
  t.equal(c.code, 0, 'create', diag(c))
  t.equal((await r.rt(['start', b1.id])).code, 0, 'start')
  await waitForStatus(r, b1.id, 'stopped')
  t.equal(fs.readFileSync(created.file, 'utf8').trim(), created.file, 'create: the process\'s stdout is the caller\'s file')
  await r.rt(['delete', b1.id])

  const detached = watch('run-d.out')
  const b2 = makeBundle(t, ['sh', '-c', `${script}; sleep 1000`])
  const d = await r.rt(['run', '-d', '--bundle', b2.dir, b2.id], { stdoutFd: detached.fd })
  t.equal(d.code, 0, 'run -d', diag(d))
  t.ok(await waitFor(() => fs.readFileSync(detached.file, 'utf8').includes('\n'), { timeout: 10000 }), 'run -d: the process wrote')
  t.equal(fs.readFileSync(detached.file, 'utf8').trim(), detached.file, 'run -d: the process\'s stdout is the caller\'s file')

  const ex = watch('exec-d.out')
  const e = await r.rt(['exec', '-d', b2.id, 'sh', '-c', script], { stdoutFd: ex.fd })
  t.equal(e.code, 0, 'exec -d', diag(e))
  t.ok(await waitFor(() => fs.readFileSync(ex.file, 'utf8').includes('\n'), { timeout: 10000 }), 'exec -d: the process wrote')
  t.equal(fs.readFileSync(ex.file, 'utf8').trim(), ex.file, 'exec -d: the process\'s stdout is the caller\'s file')
  t.equal((await r.rt(['delete', '--force', b2.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b2))
})
