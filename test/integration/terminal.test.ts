// process.terminal: the console socket protocol (one sendmsg, payload
// "/dev/ptmx", exactly one fd, sent before `create` exits and without waiting
// for the caller's accept), the pty as the container's controlling terminal
// and /dev/console, consoleSize, input and output both ways, runc's
// checkTerminal errors (exit 1, no trace), `run` in the foreground attached
// to a real terminal, and a terminal in a new user namespace. Compared with
// runc where it runs the same bundle.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import {
  assertNoTrace,
  cgroupPids,
  diag,
  firstLine,
  isOcits,
  isRunc,
  makeBundle,
  makeTempDir,
  mountsUnder,
  newId,
  referenceRunc,
  runtime,
  runtimeBin,
  startPodman,
  sections,
  traceOf,
  waitForStatus,
  type Bundle,
  type Mutate,
  type Runtime,
} from '../helpers'

const FIXTURES = path.join(__dirname, '..', 'fixtures')
const REF = referenceRunc()
const NO_REF = !REF ? 'reference runc is not installed' : isRunc() ? 'the runtime under test is runc' : false

interface Received {
  payload: string
  fds: number
  cmsgDataLens: number[]
  ctrunc: boolean
  isTty: boolean
  ptn: number | null
  more: string
}

/** A console-socket receiver (test/fixtures/recvtty.py) listening in a temp dir. */
class Receiver {
  readonly socket: string
  private child: ChildProcess
  private lines: Record<string, any>[] = []
  private waiters: (() => void)[] = []
  private buf = ''
  exited: Promise<void>

  /** input goes to the master at once, or once the output holds waitFor (a running process echoes it where its output then is) */
  constructor(t: Test, input = '', waitFor = '') {
    this.socket = path.join(makeTempDir(t, 'console'), 'tty.sock')
    this.child = spawn('python3', [path.join(FIXTURES, 'recvtty.py'), this.socket, input, waitFor], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.child.stdout!.on('data', (d) => {
      this.buf += d.toString()
      let i
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buf.slice(0, i)))
        this.buf = this.buf.slice(i + 1)
        for (const w of this.waiters.splice(0)) w()
      }
    })
    this.exited = new Promise((res) => this.child.on('exit', () => res()))
    t.teardown(() => {
      if (this.child.exitCode === null) this.child.kill('SIGKILL')
    })
  }

  private async line(key: string, timeout = 30000): Promise<Record<string, any>> {
    const end = Date.now() + timeout
    for (;;) {
      const l = this.lines.find((x) => key in x)
      if (l) return l
      if (Date.now() > end || this.child.exitCode !== null) throw new Error(`recvtty: no "${key}" line (got ${JSON.stringify(this.lines)})`)
      await new Promise<void>((res) => {
        this.waiters.push(res)
        setTimeout(res, 200)
      })
    }
  }

  listening(): Promise<unknown> {
    return this.line('listening')
  }

  /** Let it accept (after create returned) and receive the master. */
  async accept(): Promise<Received> {
    this.child.stdin!.write('go\n')
    return (await this.line('payload')) as Received
  }

  /** The container's output until its pty closed. */
  async output(): Promise<string> {
    const l = await this.line('output')
    return Buffer.from(l.output, 'base64').toString('latin1')
  }
}

const terminal =
  (args: string[], more?: Mutate): Mutate =>
  (c, b) => {
    c.process.terminal = true
    c.process.args = args
    more?.(c, b)
  }

/**
 * create with a console socket, accept only after create exited, start, and
 * collect the output; the container is deleted and nothing is left.
 */
async function viaSocket(t: Test, r: Runtime, b: Bundle, input = '', id = b.id, extra: string[] = []) {
  const recv = new Receiver(t, input)
  await recv.listening()
  const created = await r.rt(['create', ...extra, '--bundle', b.dir, '--console-socket', recv.socket, id])
  t.equal(created.code, 0, `${path.basename(r.bin)}: create with a console socket exits 0 before the caller accepts`, diag(created))
  const got = await recv.accept()
  const started = await r.rt(['start', id])
  t.equal(started.code, 0, 'start', diag(started))
  const output = await recv.output()
  await waitForStatus(r, id, 'stopped')
  const deleted = await r.rt(['delete', id])
  t.equal(deleted.code, 0, 'delete', diag(deleted))
  await assertNoTrace(t, traceOf(r.root, b, id))
  return { got, output }
}

const INSIDE = [
  'sec() { printf "=== %s\\n" "$1"; }',
  'sec tty; tty',
  'sec t0; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo yes',
  'sec fds; for f in 0 1 2; do readlink /proc/self/fd/$f; done',
  // tty_nr (field 7) nonzero; the shell is its session's leader (field 6 == pid)
  "sec stat; read -r s < /proc/self/stat; set -- ${s##*) }; echo tty_nr=$5 sid_is_pid=$([ $4 = $$ ] && echo yes || echo no)",
  'sec size; stty size',
  'sec console; stat -c "%t:%T" /dev/console; stat -c "%t:%T" $(tty)',
  "sec consolemount; grep -c ' /dev/console ' /proc/self/mountinfo",
  'sec sid; ps -o pid,sid,tty,comm 2>/dev/null | head -1 >/dev/null; echo done',
  "sec fdlist; ls /proc/self/fd | tr '\\n' ' '; echo",
  'sec input; read -r line; echo "got:$line"',
  'sec end',
  'exit 7',
].join('\n')

function checkInside(t: Test, out: string, rows: number, cols: number): void {
  const clean = out.replace(/\r/g, '')
  const s = sections(clean)
  t.match(s.tty, /^\/dev\/pts\/\d+$/, 'tty: the process has a pty on its stdin', { out: clean })
  t.equal(s.t0, 'yes', 'stdin, stdout and stderr are terminals')
  const fds = (s.fds ?? '').split('\n')
  t.equal(fds.length, 3, 'three stdio fds')
  t.ok(fds.every((f) => f === s.tty), 'stdin, stdout and stderr are the one pty', { fds })
  t.match(s.stat, /^tty_nr=[1-9]\d* sid_is_pid=yes$/, 'the pty is the controlling terminal of a session the process leads')
  t.equal(s.size, `${rows} ${cols}`, 'process.consoleSize applied')
  const [con, pts] = (s.console ?? '').split('\n')
  t.equal(con, pts, '/dev/console is the pty (the same device)')
  t.equal(s.consolemount, '1', '/dev/console is a bind mount')
  t.match(s.input, /got:hello tty/, 'input reached the process through the pty')
  t.equal(s.fdlist?.trim(), '0 1 2 3', 'no fd leaked into the container: only stdio (3 is ls\'s own)')
}

t.test('create --console-socket: one message, "/dev/ptmx" and exactly one fd; the pty is the controlling terminal', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', INSIDE], (c) => (c.process.consoleSize = { height: 33, width: 101 })))
  const { got, output } = await viaSocket(t, r, b, 'hello tty\n')
  t.equal(got.payload, '/dev/ptmx', 'payload "/dev/ptmx"')
  t.equal(got.fds, 1, 'exactly one fd')
  t.same(got.cmsgDataLens, [4], 'one SCM_RIGHTS cmsg of 4 bytes (cmsg_len == CMSG_LEN(4))')
  t.notOk(got.ctrunc, 'no truncated control data')
  t.ok(got.isTty, 'the fd is a terminal')
  t.type(got.ptn, 'number', 'the fd is a pty master (TIOCGPTN)')
  t.equal(got.more, 'eof', 'nothing else on the connection, and it is closed')
  checkInside(t, output, 33, 101)
})

t.test('as runc: the same bundle through runc 1.1.5', { skip: NO_REF }, async (t) => {
  const r = runtime(t, { bin: REF })
  const b = makeBundle(t, terminal(['sh', '-c', INSIDE], (c) => (c.process.consoleSize = { height: 33, width: 101 })))
  const { got, output } = await viaSocket(t, r, b, 'hello tty\n')
  t.equal(got.payload, '/dev/ptmx', 'runc: payload')
  t.equal(got.fds, 1, 'runc: one fd')
  t.same(got.cmsgDataLens, [4], 'runc: cmsg of 4 bytes')
  checkInside(t, output, 33, 101)
})

t.test('output flows out and input in, with echo (input written before start waits in the pty)', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'echo start; read -r a; echo "A=$a"; read -r b; echo "B=$b"']))
  const { output } = await viaSocket(t, r, b, 'one\ntwo\n')
  const clean = output.replace(/\r/g, '')
  t.match(clean, /^one\ntwo\nstart\n/, 'input echoed by the pty, then the output')
  t.match(clean, /A=one\nB=two/, 'input lines read in order')
})

t.test('run -d --console-socket: the master is sent before run returns, the container runs on', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; read -r l; echo "got:$l"']))
  const recv = new Receiver(t, 'detached\n', '/dev/pts/')
  await recv.listening()
  const res = await r.rt(['run', '-d', '--bundle', b.dir, '--console-socket', recv.socket, b.id])
  t.equal(res.code, 0, 'run -d exits 0 before the caller accepts', diag(res))
  const got = await recv.accept()
  t.equal(got.fds, 1, 'one fd')
  const out = (await recv.output()).replace(/\r/g, '')
  t.match(out, /^\/dev\/pts\/\d+\n/, 'the container\'s output')
  t.match(out, /got:detached/, 'input reached it')
  await waitForStatus(r, b.id, 'stopped')
  t.equal((await r.rt(['delete', b.id])).code, 0, 'delete')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('a /dev/console symlink in a rootfs without a /dev mount is resolved inside the rootfs', async (t) => {
  const r = runtime(t)
  const outside = path.join(makeTempDir(t, 'outside'), 'console-target')
  fs.writeFileSync(outside, 'host file\n')
  const b = makeBundle(t, terminal(['sh', '-c', 'stat -L -c "%t:%T" /dev/console; stat -c "%t:%T" $(tty)'], (c, bb) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev')
    fs.mkdirSync(path.join(bb.rootfs, 'dev'), { recursive: true })
    fs.rmSync(path.join(bb.rootfs, 'dev', 'console'), { force: true })
    fs.symlinkSync(`/../../../../../../..${outside}`, path.join(bb.rootfs, 'dev', 'console'))
  }))
  const { output } = await viaSocket(t, r, b)
  const [con, pts] = output.replace(/\r/g, '').split('\n')
  t.equal(con, pts, '/dev/console (through the symlink) is the pty', { output })
  t.equal(fs.readFileSync(outside, 'utf8'), 'host file\n', 'the host file is untouched')
  t.same(mountsUnder(path.dirname(outside)), [], 'nothing mounted on the host file')
  t.ok(fs.existsSync(path.join(b.rootfs, outside)), 'the symlink\'s target was created inside the rootfs')
})

t.test('--no-pivot: the same terminal after MS_MOVE and chroot', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; stat -c "%t:%T" /dev/console; stat -c "%t:%T" $(tty)']))
  const { output } = await viaSocket(t, r, b, '', b.id, ['--no-pivot'])
  const lines = output.replace(/\r/g, '').split('\n')
  t.match(lines[0], /^\/dev\/pts\/\d+$/, 'a pty')
  t.equal(lines[1], lines[2], '/dev/console is the pty')
})

t.test('a user other than root owns its terminal (as runc)', async (t) => {
  for (const bin of [runtimeBin(), ...(NO_REF ? [] : [REF!])]) {
    await t.test(path.basename(bin), async (t) => {
      const r = runtime(t, { bin })
      const b = makeBundle(t, terminal(['sh', '-c', 'id -u; stat -c "%u %g" $(tty); echo x > $(tty) && echo reopen-ok'], (c) => {
        c.process.user = { uid: 1000, gid: 1000 }
      }))
      const { output } = await viaSocket(t, r, b)
      const lines = output.replace(/\r/g, '').split('\n')
      t.equal(lines[0], '1000', 'runs as 1000')
      t.equal(lines[1], '1000 5', 'the pty slave belongs to uid 1000; its group is the devpts mount\'s (gid=5)')
      t.ok(lines.includes('reopen-ok'), 'the user can reopen its terminal')
    })
  }
})

t.test('a terminal in a new user namespace uses the container\'s own devpts', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; stty size; id -u; cat /proc/self/uid_map'], (c, bb) => {
    c.linux.namespaces.push({ type: 'user' })
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
    c.process.consoleSize = { height: 20, width: 60 }
    fs.chmodSync(bb.dir, 0o755)
  }))
  const { output } = await viaSocket(t, r, b)
  const lines = output.replace(/\r/g, '').split('\n').map((l) => l.trim().replace(/\s+/g, ' '))
  t.match(lines[0], /^\/dev\/pts\/\d+$/, 'a pty of the container')
  t.equal(lines[1], '20 60', 'consoleSize')
  t.equal(lines[2], '0', 'root inside')
  t.equal(lines[3], '0 100000 65536', 'in the user namespace')
})

t.test('no devpts on /dev/pts: a clear error, no trace', { skip: !isOcits() && 'ocits message' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['true'], (c) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev/pts')
  }))
  const recv = new Receiver(t)
  await recv.listening()
  const res = await r.rt(['create', '--bundle', b.dir, '--console-socket', recv.socket, b.id])
  t.equal(res.code, 1, 'exit 1', diag(res))
  t.match(res.stderr, /devpts/, 'says a devpts mount on /dev/pts is needed')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('checkTerminal: runc\'s errors, exit 1, nothing left', async (t) => {
  const TTY_NO_SOCKET = 'cannot allocate tty if runc will detach without setting console socket'
  const SOCKET_NO_TTY = 'cannot use console socket if runc will not detach or allocate tty'
  const cases: { name: string; args: (b: Bundle, sock: string) => string[]; terminal: boolean; says: string }[] = [
    { name: 'create: terminal without a console socket', terminal: true, args: (b) => ['create', '--bundle', b.dir, b.id], says: TTY_NO_SOCKET },
    { name: 'create: console socket without a terminal', terminal: false, args: (b, s) => ['create', '--bundle', b.dir, '--console-socket', s, b.id], says: SOCKET_NO_TTY },
    { name: 'run -d: terminal without a console socket', terminal: true, args: (b) => ['run', '-d', '--bundle', b.dir, b.id], says: TTY_NO_SOCKET },
    { name: 'run -d: console socket without a terminal', terminal: false, args: (b, s) => ['run', '-d', '--bundle', b.dir, '--console-socket', s, b.id], says: SOCKET_NO_TTY },
    { name: 'run (foreground): console socket with a terminal', terminal: true, args: (b, s) => ['run', '--bundle', b.dir, '--console-socket', s, b.id], says: SOCKET_NO_TTY },
    { name: 'run (foreground): console socket without a terminal', terminal: false, args: (b, s) => ['run', '--bundle', b.dir, '--console-socket', s, b.id], says: SOCKET_NO_TTY },
  ]
  for (const bin of [runtimeBin(), ...(NO_REF ? [] : [REF!])]) {
    for (const c of cases) {
      await t.test(`${path.basename(bin)}: ${c.name}`, async (t) => {
        const r = runtime(t, { bin })
        const b = makeBundle(t, (cfg) => {
          cfg.process.terminal = c.terminal
          cfg.process.args = ['true']
        })
        const sock = path.join(makeTempDir(t, 'console'), 'unused.sock')
        const res = await r.rt(c.args(b, sock))
        t.equal(res.code, 1, 'exit 1', diag(res))
        t.match(firstLine(res), c.says, 'runc\'s message')
        await assertNoTrace(t, traceOf(r.root, b))
      })
    }
  }
})

t.test('a console socket nobody listens on: an error naming it, no trace', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['true']))
  const sock = path.join(makeTempDir(t, 'console'), 'nobody.sock')
  const res = await r.rt(['create', '--bundle', b.dir, '--console-socket', sock, b.id])
  t.equal(res.code, 1, 'exit 1', diag(res))
  if (isOcits()) t.match(res.stderr, sock, 'names the socket')
  await assertNoTrace(t, traceOf(r.root, b))
})

interface PtyRun {
  code: number
  output: string
  restored: boolean
  rawDuring: boolean
}

/** `run` in the foreground with a real terminal (test/fixtures/ptyrun.py). */
async function runOnPty(t: Test, r: Runtime, b: Bundle, o: { rows?: number; cols?: number; input?: string; delayMs?: number; resize?: string; signal?: number; waitFor?: string } = {}): Promise<PtyRun> {
  const id = newId(t)
  const args = ['--root', r.root, 'run', '--bundle', b.dir, id]
  const py = [path.join(FIXTURES, 'ptyrun.py'), String(o.rows ?? 24), String(o.cols ?? 80), String(o.delayMs ?? 800), o.input ?? '', '--', r.bin, ...args]
  const out = await new Promise<string>((res, rej) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    if (o.resize) env.RESIZE = o.resize
    if (o.signal) env.SIGNAL = String(o.signal)
    if (o.waitFor) env.WAIT_FOR = o.waitFor
    const c = spawn('python3', py, { stdio: ['ignore', 'pipe', 'inherit'], env })
    let s = ''
    c.stdout.on('data', (d) => (s += d))
    c.on('exit', () => res(s))
    c.on('error', rej)
  })
  await assertNoTrace(t, traceOf(r.root, b, id), `${path.basename(r.bin)} run`)
  const j = JSON.parse(out)
  return { ...j, output: Buffer.from(j.output, 'base64').toString('latin1').replace(/\r/g, '') }
}

t.test('run in the foreground: the caller\'s terminal, raw while it runs, restored after, exit code', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; stty size; echo ready; read -r l; echo "got:$l"; exit 5']))
  // typed once the container runs (before that the caller's terminal may still be cooked and echo it)
  const res = await runOnPty(t, r, b, { rows: 27, cols: 91, input: 'typed\r', delayMs: 0, waitFor: 'ready' })
  t.equal(res.code, 5, 'the container\'s exit code', { res })
  t.match(res.output, /^\/dev\/pts\/\d+\n27 91\n/, 'a pty of the container, with the caller\'s window size', { res })
  t.match(res.output, /ready\ntyped\ngot:typed\n/, 'input from the caller\'s terminal, echoed once (by the container\'s pty)', { res })
  t.ok(res.rawDuring, 'the caller\'s terminal is in raw mode while the container runs')
  t.ok(res.restored, 'the caller\'s terminal mode is restored')
})

t.test('run in the foreground: SIGWINCH resizes the container\'s pty', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'trap "stty size" WINCH; echo ready; i=0; while [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; stty size']))
  const res = await runOnPty(t, r, b, { rows: 24, cols: 80, resize: '40,120' })
  t.equal(res.code, 0, 'exit 0', { res })
  t.match(res.output, /40 120\n?$/, 'the new size reached the container', { res })
})

t.test('run in the foreground: signals other than SIGWINCH are forwarded to the container', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 1']))
  const res = await runOnPty(t, r, b, { signal: 15 })
  t.equal(res.code, 9, 'the container handled SIGTERM and its exit code came back', { res })
  t.match(res.output, /got-term/, 'the trap ran')
  t.ok(res.restored, 'the terminal mode is restored')
})

t.test('run in the foreground: output of a container that writes a lot is drained in full', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; echo last']))
  const res = await runOnPty(t, r, b, { delayMs: 0 })
  t.equal(res.code, 0, 'exit 0', { res })
  t.match(res.output, /line 1999\nlast\n?$/, 'every line, the last one too')
})

t.test('run in the foreground without a terminal on the caller\'s side (stdin not a tty)', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; echo out; exit 3']))
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 3, 'exit code', diag(res))
  t.match(res.stdout.replace(/\r/g, ''), /^\/dev\/pts\/\d+\nout\n/, 'the output came through the pty')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('run in the foreground on a pty: as runc', { skip: NO_REF }, async (t) => {
  const r = runtime(t, { bin: REF })
  const b = makeBundle(t, terminal(['sh', '-c', 'tty; stty size; echo ready; read -r l; echo "got:$l"; exit 5']))
  // typed once the container runs (before that the caller's terminal may still be cooked and echo it)
  const res = await runOnPty(t, r, b, { rows: 27, cols: 91, input: 'typed\r', delayMs: 0, waitFor: 'ready' })
  t.equal(res.code, 5, 'runc: exit code', { res })
  // runc 1.1.5 copies the window size only after it started the process: under load `stty size` may run first.
  t.match(res.output, /^\/dev\/pts\/\d+\n/, 'runc: a pty', { res })
  t.match(res.output, /got:typed/, 'runc: input')
  t.ok(res.restored, 'runc: restored')
})

const PODMAN = ['/usr/bin/podman'].find((p) => fs.existsSync(p))

t.test('podman run -it (conmon\'s console socket) drives the terminal, as with runc', { skip: !PODMAN && 'podman is not installed' }, async (t) => {
  const bins = [runtimeBin(), ...(NO_REF ? [] : [REF!])]
  for (const bin of bins) {
    await t.test(path.basename(bin), async (t) => {
      const b = makeBundle(t)
      // private storage, tmpdir and cgroup parent, all removed at teardown (test/helpers/clients.ts)
      const pm = await startPodman(t, bin)
      const py = [
        path.join(FIXTURES, 'ptyrun.py'), '28', '96', '0', 'hello\r', '--',
        PODMAN!, ...pm.globals, 'run', '--cgroup-parent', pm.cgroupParent, '--rm', '-it', '--network=none', '--rootfs', b.rootfs,
        // conmon copies its window size to the pty just after the start: give it a moment
        '/bin/sh', '-c', 'tty; sleep 1; stty size; echo ready; read -r l; echo "got:$l"; exit 4',
      ]
      const out = await new Promise<string>((res) => {
        const c = spawn('python3', py, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...pm.env, WAIT_FOR: 'ready' } })
        let s = ''
        c.stdout.on('data', (d) => (s += d))
        c.on('exit', () => res(s))
      })
      const j = JSON.parse(out)
      const output = Buffer.from(j.output, 'base64').toString('latin1').replace(/\r/g, '')
      t.equal(j.code, 4, 'the container\'s exit code', { output })
      t.match(output, /^\/dev\/pts\/\d+\n28 96\n/, 'a pty, with the size of podman\'s terminal', { output })
      t.match(output, /got:hello/, 'input')
      t.ok(j.restored, 'podman\'s terminal restored')
    })
  }
})

/** A running container (sleeping init) for the exec tests. */
async function runningContainer(t: Test, r: Runtime): Promise<Bundle> {
  const b = makeBundle(t)
  const res = await r.rt(['run', '-d', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'run -d', diag(res))
  return b
}

t.test('exec with a terminal through a console socket (--process, --detach, --pid-file: as containerd\'s shim)', async (t) => {
  const r = runtime(t)
  const b = await runningContainer(t, r)
  const recv = new Receiver(t, 'typed line\n', '=== input')
  await recv.listening()
  const dir = makeTempDir(t, 'exec')
  const proc = path.join(dir, 'process.json')
  fs.writeFileSync(proc, JSON.stringify({
    terminal: true,
    consoleSize: { height: 33, width: 101 },
    user: { uid: 0, gid: 0 },
    args: ['sh', '-c', INSIDE],
    env: ['PATH=/bin:/usr/bin'],
    cwd: '/',
  }))
  const pidFile = path.join(dir, 'pid')
  const res = await r.rt(['exec', '--process', proc, '--console-socket', recv.socket, '--detach', '--pid-file', pidFile, b.id])
  t.equal(res.code, 0, 'exec returns before the caller accepts', diag(res))
  t.match(fs.readFileSync(pidFile, 'utf8'), /^\d+$/, 'the pid file')
  const got = await recv.accept()
  t.equal(got.payload, '/dev/ptmx', 'one message: /dev/ptmx')
  t.equal(got.fds, 1, 'exactly one fd')
  t.ok(got.isTty, 'the fd is a terminal (the master)')
  const out = (await recv.output()).replace(/\r/g, '')
  const s = sections(out)
  t.match(s.tty, /^\/dev\/pts\/\d+$/, 'the exec\'d process has a pty', { out })
  t.equal(s.t0, 'yes', 'stdin, stdout and stderr are terminals')
  t.match(s.stat, /^tty_nr=[1-9]\d* sid_is_pid=yes$/, 'its controlling terminal, in a session of its own')
  t.equal(s.size, '33 101', 'consoleSize applied')
  t.equal(s.consolemount, '0', 'no /dev/console bind for an exec (as runc)')
  t.match(s.input, /got:typed line/, 'input flows')
})

t.test('exec -t in the foreground on the caller\'s terminal', async (t) => {
  const r = runtime(t)
  const b = await runningContainer(t, r)
  const py = [path.join(FIXTURES, 'ptyrun.py'), '29', '97', '0', 'typed\r', '--', r.bin, '--root', r.root, 'exec', '-t', b.id, 'sh', '-c', 'tty; stty size; echo ready; read -r l; echo "got:$l"; exit 4']
  const out = await new Promise<string>((res, rej) => {
    const c = spawn('python3', py, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WAIT_FOR: 'ready' } })
    let s = ''
    c.stdout.on('data', (d) => (s += d))
    c.on('exit', () => res(s))
    c.on('error', rej)
  })
  const j = JSON.parse(out)
  const output = Buffer.from(j.output, 'base64').toString('latin1').replace(/\r/g, '')
  t.equal(j.code, 4, 'the process\'s exit code', { output })
  t.match(output, /^\/dev\/pts\/\d+\n29 97\n/, 'a pty in the container with the caller\'s window size', { output })
  t.match(output, /got:typed\n/, 'input from the caller\'s terminal')
  t.ok(j.rawDuring, 'raw while it ran')
  t.ok(j.restored, 'the caller\'s terminal mode restored')
})

t.test('exec: runc\'s terminal rules (exit 255, nothing started)', async (t) => {
  const r = runtime(t)
  const b = await runningContainer(t, r)
  const recv = new Receiver(t)
  await recv.listening()
  const noTty = await r.rt(['exec', '--console-socket', recv.socket, '-d', b.id, 'true'])
  t.equal(noTty.code, 255, 'a console socket without --tty', diag(noTty))
  t.match(noTty.stderr, /cannot use console socket if runc will not detach or allocate tty/)
  const fg = await r.rt(['exec', '-t', '--console-socket', recv.socket, b.id, 'true'])
  t.equal(fg.code, 255, 'a console socket in the foreground', diag(fg))
  t.match(fg.stderr, /cannot use console socket if runc will not detach or allocate tty/)
  const noSock = await r.rt(['exec', '-t', '-d', b.id, 'true'])
  t.equal(noSock.code, 255, 'a detached terminal without a socket', diag(noSock))
  t.match(noSock.stderr, /cannot allocate tty if runc will detach without setting console socket/)
  t.same(cgroupPids(b.cgroupsPath).length, 1, 'only the init in the cgroup')
})
