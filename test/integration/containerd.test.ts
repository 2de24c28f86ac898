// ocits under containerd's own runc shim (io.containerd.runc.v2), driven
// with ctr against a private containerd: what a containerd user sees.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import { cgroupPids, runtimeBin, startContainerd, which, waitFor, type Containerd } from '../helpers'

const BIN = runtimeBin()
const SKIP = !which('containerd') || !which('ctr') || !which('podman') ? 'containerd, ctr and podman (to build the image) are installed by .ci/run' : false

t.jobs = 2

/** Container state dirs left in the runtime root (the shim keeps one dir per containerd namespace). */
function stateLeft(c: Containerd): string[] {
  const dir = path.join(c.runtimeRoot, c.ns)
  return fs.existsSync(dir) ? fs.readdirSync(dir) : []
}

function taskStatus(c: Containerd, out: string, id: string): string | undefined {
  for (const l of out.split('\n')) {
    const f = l.trim().split(/\s+/)
    if (f[0] === id) return f[2]
  }
  return undefined
}

t.test('ctr run --rm: output and exit codes through the shim', { skip: SKIP }, async (t) => {
  const c = await startContainerd(t, BIN)
  const ok = await c.ctr(['run', '--rm', ...c.runArgs('r0'), 'localhost/ocits-busybox:test', 'r0', 'sh', '-c', 'echo hello; exit 0'])
  t.equal(ok.code, 0, 'exit 0', ok)
  t.equal(ok.stdout, 'hello\n', 'output reaches ctr')
  const three = await c.ctr(['run', '--rm', ...c.runArgs('r3'), 'localhost/ocits-busybox:test', 'r3', 'sh', '-c', 'exit 3'])
  t.equal(three.code, 3, 'exit 3 reaches ctr', three)
  // (ctr does not pass the end of its stdin on: read one line)
  const input = await c.ctr(['run', '--rm', ...c.runArgs('ri'), 'localhost/ocits-busybox:test', 'ri', 'head', '-n', '1'], { input: 'stdin flows\n' })
  t.equal(input.stdout, 'stdin flows\n', 'stdin reaches the container')
  t.ok(await waitFor(async () => (await c.ctr(['task', 'ls', '-q'])).stdout.trim() === '', { timeout: 10000 }), 'no task left')
  t.same(stateLeft(c), [], 'no container state left in the runtime root')
})

t.test('a detached task: exec, ps, pause/resume, metrics, kill, delete', { skip: SKIP }, async (t) => {
  const c = await startContainerd(t, BIN)
  const run = await c.ctr(['run', '-d', ...c.runArgs('d1'), 'localhost/ocits-busybox:test', 'd1', 'sleep', '1000'])
  t.equal(run.code, 0, 'run -d', run)
  let ls = await c.ctr(['task', 'ls'])
  t.equal(taskStatus(c, ls.stdout, 'd1'), 'RUNNING', 'running', ls)
  const pid = Number(ls.stdout.split('\n').find((l) => l.startsWith('d1'))?.trim().split(/\s+/)[1])
  t.ok(pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u00001000\u0000', 'containerd\'s pid is the container process')
  t.same(cgroupPids(c.cgroupOf('d1')), [pid], 'in the cgroup containerd asked for')

  const ex = await c.ctr(['task', 'exec', '--exec-id', 'e1', 'd1', 'sh', '-c', 'echo in exec $(cat /proc/1/cmdline | tr "\\0" " "); exit 4'])
  t.equal(ex.code, 4, 'exec exit code', ex)
  t.equal(ex.stdout, 'in exec sleep 1000\n', 'exec runs inside the container')
  const exd = await c.ctr(['task', 'exec', '-d', '--exec-id', 'e2', 'd1', 'sleep', '300'])
  t.equal(exd.code, 0, 'detached exec', exd)
  const ps = await c.ctr(['task', 'ps', 'd1'])
  const pids = ps.stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((n) => n > 0)
  t.equal(pids.length, 2, 'task ps: the init and the exec\'d process', ps)
  t.ok(pids.includes(pid), 'task ps lists the init')

  t.equal((await c.ctr(['task', 'pause', 'd1'])).code, 0, 'pause')
  ls = await c.ctr(['task', 'ls'])
  t.equal(taskStatus(c, ls.stdout, 'd1'), 'PAUSED', 'paused')
  t.equal((await c.ctr(['task', 'resume', 'd1'])).code, 0, 'resume')
  ls = await c.ctr(['task', 'ls'])
  t.equal(taskStatus(c, ls.stdout, 'd1'), 'RUNNING', 'running again')

  const m = await c.ctr(['task', 'metrics', 'd1'])
  t.equal(m.code, 0, 'metrics', m)
  t.match(m.stdout, /pids\.current\s+2/, 'metrics come from the container\'s cgroup')
  t.match(m.stdout, /memory\.usage_in_bytes\s+\d+/, 'memory usage')

  t.equal((await c.ctr(['task', 'kill', '-s', 'SIGKILL', 'd1'])).code, 0, 'kill')
  t.ok(await waitFor(async () => taskStatus(c, (await c.ctr(['task', 'ls'])).stdout, 'd1') === 'STOPPED', { timeout: 10000 }), 'stopped')
  const del = await c.ctr(['task', 'delete', 'd1'])
  t.equal(del.code, 0, 'task delete', del)
  t.equal((await c.ctr(['container', 'delete', 'd1'])).code, 0, 'container delete')
  t.same(cgroupPids(c.cgroupOf('d1')), [], 'nothing left in the cgroup')
  t.same(stateLeft(c), [], 'no state left in the runtime root')
})

t.test('a failing create: the real cause reaches the ctr user', { skip: SKIP }, async (t) => {
  const c = await startContainerd(t, BIN)
  const res = await c.ctr(['run', '--rm', ...c.runArgs('f1'), 'localhost/ocits-busybox:test', 'f1', 'no-such-program'])
  t.not(res.code, 0, 'ctr run fails', res)
  t.match(res.stderr, /OCI runtime create failed: .*executable file not found in \$PATH/, 'the runtime\'s error, as containerd reads it from log.json')
  t.same(cgroupPids(c.cgroupOf('f1')), [], 'no process left')
  t.same(stateLeft(c), [], 'no state left')
})

/** Run ctr on a pty of its own (test/fixtures/ptyrun.py): a user at a terminal. */
async function ctrOnPty(c: Containerd, args: string[], input: string, waitFor: string): Promise<{ code: number; output: string; restored: boolean }> {
  const py = [path.join(__dirname, '..', 'fixtures', 'ptyrun.py'), '30', '90', '0', input, '--', 'ctr', '-a', c.sock, '-n', c.ns, ...args]
  const out = await new Promise<string>((res, rej) => {
    const p = spawn('python3', py, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WAIT_FOR: waitFor } })
    let s = ''
    p.stdout.on('data', (d) => (s += d))
    p.on('exit', () => res(s))
    p.on('error', rej)
  })
  const j = JSON.parse(out)
  return { code: j.code, restored: j.restored, output: Buffer.from(j.output, 'base64').toString('latin1').replace(/\r/g, '') }
}

t.test('a tty task: ctr run -t and ctr task exec -t through the console socket', { skip: SKIP }, async (t) => {
  const c = await startContainerd(t, BIN)
  const run = await ctrOnPty(c, ['run', '--rm', '-t', ...c.runArgs('tty1'), 'localhost/ocits-busybox:test', 'tty1', 'sh', '-c',
    'tty; echo ready; read -r l; echo "got:$l"; i=0; until [ "$(stty size 2>/dev/null)" = "30 90" ]; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done; stty size; exit 6'], 'typed\r', 'ready')
  t.equal(run.code, 6, 'the exit code', run)
  t.match(run.output, /^\/dev\/pts\/\d+\n/, 'a pty in the container', run)
  // (ctr sends its size only once `start` returned, racing the process, with
  // runc as with ocits: the process waits for it)
  t.match(run.output, /got:typed\n30 90\n/, 'input flows; the pty is sized as the user\'s terminal', run)

  t.equal((await c.ctr(['run', '-d', ...c.runArgs('tty2'), 'localhost/ocits-busybox:test', 'tty2', 'sleep', '1000'])).code, 0, 'a task')
  const ex = await ctrOnPty(c, ['task', 'exec', '-t', '--exec-id', 'x1', 'tty2', 'sh', '-c', 'tty; echo ready; read -r l; echo "got:$l"; exit 2'], 'again\r', 'ready')
  t.equal(ex.code, 2, 'exec -t exit code', ex)
  t.match(ex.output, /\/dev\/pts\/\d+\n/, 'the exec\'d process has a pty', ex)
  t.match(ex.output, /got:again\n/, 'input flows', ex)
})
