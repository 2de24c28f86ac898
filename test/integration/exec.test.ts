// exec: a second process in a real running container, checked from inside
// (namespaces, cgroup, user, capabilities, env, cwd, fds) and outside (exit
// codes, --detach with --pid-file, errors leaving nothing behind). Runs
// against runc too (OCITS_TEST_RUNTIME), where the wording is runc's.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import type { Test } from 'tap'
import {
  cgroupPids,
  diag,
  isOcits,
  makeBundle,
  makeTempDir,
  MARK_VAR,
  procAlive,
  runtime,
  runtimeMark,
  scopeOf,
  stateOf,
  waitFor,
  waitForStatus,
  withReference,
  type Bundle,
  type Mutate,
  type Runtime,
} from '../helpers'

t.jobs = 4

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts', 'user', 'time']

/** run -d a bundle (sleeping init); returns the init's host pid. */
async function startDetached(t: Test, r: Runtime, b: Bundle): Promise<number> {
  const res = await r.rt(['run', '-d', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'run -d', diag(res))
  const st = await stateOf(r, b.id)
  t.equal(st?.status, 'running', 'running')
  return st?.pid ?? 0
}

function nsLinks(pid: number | 'self'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const n of NS) {
    try {
      out[n] = fs.readlinkSync(`/proc/${pid}/ns/${n}`)
    } catch {
      /* kernel without it */
    }
  }
  return out
}

/** "name value" lines of a shell's output. */
function fields(out: string): Record<string, string> {
  const r: Record<string, string> = {}
  for (const l of out.split('\n')) {
    const i = l.indexOf(' ')
    if (i > 0) r[l.slice(0, i)] = l.slice(i + 1)
  }
  return r
}

const EXEC_FAILED = isOcits() ? /^ocits: exec failed: / : /exec failed: /

t.test('the exec\'d process is in every namespace and the cgroup of the init', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const pid = await startDetached(t, r, b)
  const script = NS.map((n) => `echo ${n} $(readlink /proc/self/ns/${n} 2>/dev/null)`).join('; ') + '; echo mypid $$; echo init "$(tr "\\0" " " < /proc/1/cmdline)"'
  const res = await r.rt(['exec', b.id, 'sh', '-c', script])
  t.equal(res.code, 0, 'exec', diag(res))
  const f = fields(res.stdout)
  const init = nsLinks(pid)
  for (const n of NS) if (init[n]) t.equal(f[n], init[n], `${n} namespace is the init's`)
  t.not(f.mypid, '1', 'not the init')
  t.equal(f.init.trim(), 'sleep 1000', 'pid 1 of its pid namespace is the container init')
  const cg = await r.rt(['exec', b.id, 'cat', '/proc/self/cgroup'])
  t.equal(cg.stdout, fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), 'same cgroups on every hierarchy')
  t.same(cgroupPids(b.cgroupsPath), [pid], 'the exec\'d processes left the cgroup when they exited')
})

t.test('exit codes: the process\'s own, and 128+n for a signal', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startDetached(t, r, b)
  t.equal((await r.rt(['exec', b.id, 'sh', '-c', 'exit 7'])).code, 7, 'exit 7')
  t.equal((await r.rt(['exec', b.id, 'true'])).code, 0, 'true')
  t.equal((await r.rt(['exec', b.id, 'sh', '-c', 'kill -9 $$'])).code, 137, 'SIGKILL: 137')
  const out = await r.rt(['exec', b.id, 'echo', 'hello', 'world'])
  t.equal(out.stdout, 'hello world\n', 'stdout is the caller\'s')
  const err = await r.rt(['exec', b.id, 'sh', '-c', 'echo oops >&2'])
  t.equal(err.stderr, 'oops\n', 'stderr is the caller\'s')
  const input = await r.rt(['exec', b.id, 'cat'], { input: 'piped in\n' })
  t.equal(input.stdout, 'piped in\n', 'stdin is the caller\'s')
})

t.test('user, groups, env, cwd, capabilities and no_new_privs from the flags', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => (c.process.noNewPrivileges = false))
  await startDetached(t, r, b)
  const script = 'echo id $(id -u):$(id -g); echo groups $(id -G); echo foo $FOO; echo bar $BAR; echo cwd $(pwd); echo path $PATH; ' +
    'grep -E "^(CapEff|CapBnd|CapPrm|CapAmb|NoNewPrivs):" /proc/self/status | tr -d "\\t" | tr ":" " "'
  const plain = fields((await r.rt(['exec', b.id, 'sh', '-c', script])).stdout)
  t.equal(plain.id, '0:0', 'the config\'s user by default')
  t.equal(plain.cwd, '/', 'the config\'s cwd by default')
  t.match(plain.path, /\/bin/, 'the config\'s env')
  t.equal(plain.CapEff, '0000000020000420', 'the config\'s capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE)')
  t.equal(plain.NoNewPrivs, '0', 'no_new_privs as the config')

  const res = await r.rt(['exec', '-u', '1000:1000', '-g', '10', '-g', '20', '-e', 'FOO=one', '-e', 'BAR=two',
    '--cwd', '/tmp', '--cap', 'CAP_NET_ADMIN', '--no-new-privs', b.id, 'sh', '-c', script])
  t.equal(res.code, 0, 'exec with flags', diag(res))
  const f = fields(res.stdout)
  t.equal(f.id, '1000:1000', '--user uid:gid')
  t.same(f.groups.split(' ').sort(), ['10', '1000', '20'], '--additional-gids (repeated) added')
  t.equal(f.foo, 'one', '-e')
  t.equal(f.bar, 'two', '--env (repeated)')
  t.match(f.path, /\/bin/, 'the config\'s env is kept')
  t.equal(f.cwd, '/tmp', '--cwd')
  t.equal(f.CapBnd, '0000000020001420', '--cap adds CAP_NET_ADMIN to the bounding set')
  t.equal(f.CapEff, '0000000000000000', 'a non-root user keeps no effective capability (no inheritable set, so no ambient one, as runc)')
  t.equal(f.NoNewPrivs, '1', '--no-new-privs')
  const root = fields((await r.rt(['exec', '--cap', 'CAP_NET_ADMIN', '--cap', 'CAP_SYS_TIME', b.id, 'sh', '-c', script])).stdout)
  t.equal(root.CapEff, '0000000022001420', '--cap (repeated): effective for root')
  t.equal(root.CapPrm, '0000000022001420', 'and permitted')
})

t.test('--process FILE: the whole process from the file', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startDetached(t, r, b)
  const dir = makeTempDir(t, 'proc')
  const file = path.join(dir, 'process.json')
  fs.writeFileSync(file, JSON.stringify({
    terminal: false,
    user: { uid: 5, gid: 6, additionalGids: [7] },
    args: ['sh', '-c', 'echo id $(id -u):$(id -g):$(id -G); echo path $PATH; echo mark ${OCITS_TEST_MARK:-none}; echo only $ONLY; echo cwd $(pwd); echo nofile $(ulimit -n); echo caps $(grep CapEff /proc/self/status | cut -f2)'],
    env: ['ONLY=this', 'PATH=/bin:/usr/bin'],
    cwd: '/etc',
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 512, soft: 256 }],
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  }))
  // -e and -u are ignored with --process, as in runc
  const res = await r.rt(['exec', '--process', file, '-e', 'IGNORED=1', b.id])
  t.equal(res.code, 0, 'exec --process', diag(res))
  const f = fields(res.stdout)
  t.equal(f.id, '5:6:6 7', 'user and groups from the file')
  t.equal(f.only, 'this', 'env from the file')
  t.equal(f.path, '/bin:/usr/bin', 'PATH from the file')
  t.equal(f.mark, 'none', 'nothing of the config\'s env')
  t.equal(f.cwd, '/etc', 'cwd from the file')
  t.equal(f.nofile, '256', 'rlimits from the file')
  t.equal(f.caps, '0000000000000000', 'capabilities from the file (a non-root user without ambient ones has none effective)')

  fs.writeFileSync(file, '{"args": ["true"], "cwd": "relative"}')
  const bad = await r.rt(['exec', '--process', file, b.id])
  t.equal(bad.code, 255, 'a relative cwd: exit 255', diag(bad))
  t.match(bad.stderr, /Cwd must be an absolute path/, 'named')
  fs.writeFileSync(file, '{"args": [], "cwd": "/"}')
  const empty = await r.rt(['exec', '--process', file, b.id])
  t.equal(empty.code, 255, 'no args: exit 255', diag(empty))
  t.match(empty.stderr, /args must not be empty/, 'named')
})

t.test('--detach with --pid-file: the runtime returns, the process is left to the caller', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const init = await startDetached(t, r, b)
  const dir = makeTempDir(t, 'pid')
  const pidFile = path.join(dir, 'exec.pid')
  const res = await r.rt(['exec', '--detach', '--pid-file', pidFile, b.id, 'sleep', '300'])
  t.equal(res.code, 0, 'exec -d', diag(res))
  const text = fs.readFileSync(pidFile, 'utf8')
  t.match(text, /^\d+$/, 'the pid file holds the host pid with no newline')
  const pid = Number(text)
  t.ok(procAlive(pid), 'the process runs after the runtime exited')
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync(`/proc/${init}/ns/pid`), 'in the container\'s pid namespace')
  t.ok(cgroupPids(b.cgroupsPath).includes(pid), 'in the container\'s cgroup')
  t.equal(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\u0000300\u0000', 'the process itself, not a wrapper')
  process.kill(pid, 'SIGKILL')
  t.ok(await waitFor(() => !cgroupPids(b.cgroupsPath).includes(pid), { timeout: 5000 }), 'killed')
})

t.test('the foreground exec forwards signals to the process', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startDetached(t, r, b)
  const child = r.spawnPiped(['exec', b.id, 'sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done'])
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  t.ok(await waitFor(() => out.includes('ready'), { timeout: 10000 }), 'the process runs')
  child.kill('SIGTERM')
  t.equal(await code, 42, 'SIGTERM reached the process, whose exit code the runtime returns')
})

t.test('exec into a paused, a stopped and a missing container', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const init = await startDetached(t, r, b)
  t.equal((await r.rt(['pause', b.id])).code, 0, 'paused')
  const paused = await r.rt(['exec', b.id, 'true'])
  t.equal(paused.code, 255, 'refused', diag(paused))
  t.match(paused.stderr, /cannot exec in a paused container \(use --ignore-paused to override\)/)
  t.same(cgroupPids(b.cgroupsPath), [init], 'nothing was added to the cgroup')
  // --ignore-paused: the process joins the frozen cgroup and runs once it is
  // thawed; until then the exec waits (as runc's does)
  const child = r.spawnPiped(['exec', '--ignore-paused', b.id, 'echo', 'ran after resume'])
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  const done = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  t.ok(await waitFor(() => cgroupPids(b.cgroupsPath).length > 1, { timeout: 10000 }), 'the process is in the (frozen) cgroup')
  t.equal(out, '', 'and does not run while paused')
  t.equal((await r.rt(['resume', b.id])).code, 0, 'resumed')
  t.equal(await done, 0, '--ignore-paused: the exec completes')
  t.equal(out, 'ran after resume\n', 'the process ran')

  t.equal((await r.rt(['kill', b.id, 'KILL'])).code, 0, 'killed')
  await waitForStatus(r, b.id, 'stopped')
  const stopped = await r.rt(['exec', b.id, 'true'])
  t.equal(stopped.code, 255, 'stopped: exit 255', diag(stopped))
  t.match(stopped.stderr, /cannot exec in a stopped container/)
  const missing = await r.rt(['exec', `${b.id}-nope`, 'true'])
  t.equal(missing.code, 255, 'missing: exit 255')
  t.match(missing.stderr, /does not exist/)
})

t.test('a program that cannot run: the real cause, exit 255, nothing left', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const init = await startDetached(t, r, b)
  const cases: [string, string[], RegExp][] = [
    ['missing program', ['nonexistent-program'], /executable file not found in \$PATH/],
    ['missing path', ['/no/such/file'], /no such file or directory/],
    ['not executable', ['/etc/passwd'], /permission denied/],
    ['no command', [], /process args cannot be empty/],
    ['bad uid', ['-u', 'abc', '--', 'true'], /parsing abc as int for uid failed/],
    ['relative cwd', ['--cwd', 'rel', '--', 'true'], /Cwd must be an absolute path/],
  ]
  for (const [what, args, msg] of cases) {
    const flags = args[0]?.startsWith('-') ? args.slice(0, args.indexOf('--')) : []
    const cmd = flags.length ? args.slice(args.indexOf('--') + 1) : args
    const res = await r.rt(['exec', ...flags, b.id, ...cmd])
    t.equal(res.code, 255, `${what}: exit 255`, diag(res))
    t.match(res.stderr, EXEC_FAILED, `${what}: exec failed`)
    t.match(res.stderr, msg, `${what}: the cause`)
  }
  t.same(cgroupPids(b.cgroupsPath), [init], 'only the init is left in the cgroup')
  t.equal((await stateOf(r, b.id))?.status, 'running', 'the container is unharmed')
})

t.test('a json log holds the exec error as its last error line', { skip: !isOcits() && 'ocits log format' }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startDetached(t, r, b)
  const log = path.join(makeTempDir(t, 'log'), 'log.json')
  const res = await r.rt(['exec', b.id, 'nonexistent-program'], { log, logFormat: 'json' })
  t.equal(res.code, 255)
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  const last = lines.filter((l) => l.level === 'error').pop()
  t.match(last?.msg, /^exec failed: .*executable file not found in \$PATH/, 'the cause, for the shim to show')
  t.ok(!Number.isNaN(Date.parse(last?.time)), 'an RFC3339 time')
})

t.test('the container\'s seccomp filter applies to the exec\'d process', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    }
  })
  await startDetached(t, r, b)
  const res = await r.rt(['exec', b.id, 'mkdir', '/tmp/x'])
  t.not(res.code, 0, 'mkdir is refused')
  t.match(res.stderr, /not permitted/, 'by the filter (EPERM)')
})

t.test('only stdio (and --preserve-fds) reach the exec\'d process', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  await startDetached(t, r, b)
  const dir = makeTempDir(t, 'fd')
  const file = path.join(dir, 'fd3')
  fs.writeFileSync(file, 'from fd 3\n')
  const runWith3 = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const fd = fs.openSync(file, 'r')
      const child = spawn(r.bin, ['--root', r.root, ...args], {
        stdio: ['ignore', 'pipe', 'inherit', fd],
        env: { ...process.env, [MARK_VAR]: runtimeMark(scopeOf(t)) },
      })
      fs.closeSync(fd)
      let out = ''
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      child.on('close', (code) => resolve({ code, out }))
    })
  const plain = await runWith3(['exec', b.id, 'sh', '-c', 'ls /proc/self/fd | tr "\\n" " "'])
  t.equal(plain.code, 0)
  t.equal(plain.out.trim(), '0 1 2 3', 'stdio and ls\'s own directory fd only', { out: plain.out })
  const noLeak = await runWith3(['exec', b.id, 'sh', '-c', 'cat <&3'])
  t.not(noLeak.code, 0, 'fd 3 of the runtime is not there')
  const kept = await runWith3(['exec', '--preserve-fds', '1', b.id, 'sh', '-c', 'cat <&3'])
  t.equal(kept.out, 'from fd 3\n', '--preserve-fds 1 passes fd 3')
})

t.test('LISTEN_FDS: socket-activation fds pass on, with LISTEN_FDS and LISTEN_PID=1', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, ['sh', '-c', 'echo fds $LISTEN_FDS pid $LISTEN_PID; cat <&3'])
  const dir = makeTempDir(t, 'fd')
  const file = path.join(dir, 'fd3')
  fs.writeFileSync(file, 'activated\n')
  // LISTEN_PID must be the runtime's own pid: exec keeps the shell's.
  const res = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn('/bin/sh', ['-c', `export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" --root "$1" run --bundle "$2" "$3" 3<"$4"`, r.bin, r.root, b.dir, b.id, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [MARK_VAR]: runtimeMark(scopeOf(t)) },
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolve({ code, out, err }))
  })
  t.equal(res.code, 0, 'run', res)
  t.equal(res.out, 'fds 1 pid 1\nactivated\n', 'the container got fd 3 and the variables')
})

const UIDS = [{ containerID: 0, hostID: 100000, size: 65536 }]
const userns: Mutate = (c, b) => {
  c.linux.namespaces.push({ type: 'user' })
  c.linux.uidMappings = UIDS
  c.linux.gidMappings = UIDS
  fs.chmodSync(b.dir, 0o755)
}

t.test('exec into a container with its own user namespace', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, userns)
  const init = await startDetached(t, r, b)
  const dir = makeTempDir(t, 'pid')
  fs.chmodSync(dir, 0o755)
  const pidFile = path.join(dir, 'p')
  const res = await r.rt(['exec', '-d', '--pid-file', pidFile, '-u', '1000', b.id, 'sleep', '300'])
  t.equal(res.code, 0, 'exec', diag(res))
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync(`/proc/${init}/ns/user`), 'the container\'s user namespace')
  t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Uid:\s+101000\s/m, 'uid 1000 inside is host uid 101000')
  const id = await r.rt(['exec', b.id, 'cat', '/proc/self/uid_map'])
  t.match(id.stdout, /^\s*0\s+100000\s+65536\s*$/, 'the container\'s id map')
})

t.test('exec into a --no-pivot container sees the container\'s root', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  const res = await r.rt(['run', '-d', '--no-pivot', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'run -d --no-pivot', diag(res))
  fs.writeFileSync(path.join(b.rootfs, 'marker'), 'inside\n')
  const cat = await r.rt(['exec', b.id, 'cat', '/marker'])
  t.equal(cat.stdout, 'inside\n', 'the rootfs is /')
  const host = await r.rt(['exec', b.id, 'ls', b.dir])
  t.not(host.code, 0, 'the host\'s filesystem is not reachable', diag(host))
})

t.test('exec into a created (not yet started) container', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t)
  t.equal((await r.rt(['create', '--bundle', b.dir, b.id])).code, 0, 'create')
  const res = await r.rt(['exec', b.id, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'])
  t.equal(res.code, 0, 'exec', diag(res))
  t.notMatch(res.stdout, /sleep/, 'the init has not exec\'d its process yet')
  t.equal((await stateOf(r, b.id))?.status, 'created', 'still created')
})

// runc 1.1: exec --cgroup [<controller>:]<path> runs the process in an existing sub-cgroup.
t.test('exec --cgroup PATH and CONTROLLER:PATH: the process runs in the sub-cgroups (as runc)', async (t) => {
  const { existingCgroupDirs } = await import('../helpers')
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t)
    await startDetached(t, r, b)
    const dirs = existingCgroupDirs(b.cgroupsPath)
    for (const d of dirs) {
      for (const s of ['all', 'msub', 'psub']) {
        fs.mkdirSync(path.join(d, s))
        // a v1 cpuset cgroup takes no process before it has cpus and mems
        for (const f of ['cpuset.cpus', 'cpuset.mems']) if (fs.existsSync(path.join(d, f))) fs.writeFileSync(path.join(d, s, f), fs.readFileSync(path.join(d, f)))
      }
    }
    const lines = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => { const f = l.split(':'); return [f[1] || 'unified', f.slice(2).join(':')] }))
    const all = await r.rt(['exec', '--cgroup', 'all', b.id, 'cat', '/proc/self/cgroup'])
    t.equal(all.code, 0, `${name}: --cgroup all`, diag(all))
    const a = lines(all.stdout)
    for (const k of ['memory', 'pids', 'freezer']) t.match(a[k], new RegExp(`${b.cgroupsPath}/all$`), `${name}: ${k} is the sub-cgroup`, { a })
    const per = await r.rt(['exec', '--cgroup', 'memory:msub', '--cgroup', 'pids:psub', b.id, 'cat', '/proc/self/cgroup'])
    t.equal(per.code, 0, `${name}: --cgroup memory:msub --cgroup pids:psub`, diag(per))
    const p = lines(per.stdout)
    t.match(p.memory, new RegExp(`${b.cgroupsPath}/msub$`), `${name}: memory`)
    t.match(p.pids, new RegExp(`${b.cgroupsPath}/psub$`), `${name}: pids`)
    t.match(p.freezer, new RegExp(`${b.cgroupsPath}$`), `${name}: the others are the container's own`)
    for (const [args, says] of [
      [['--cgroup', 'a:b:c'], /invalid --cgroup argument: a:b:c/],
      [['--cgroup', 'x', '--cgroup', 'y'], /invalid --cgroup argument: x \(missing <controller>: prefix\)/],
      [['--cgroup', '../../escape'], /is not a sub cgroup path/],
      [['--cgroup', 'nosuch:x'], /unknown controller nosuch/],
    ] as [string[], RegExp][]) {
      const res = await r.rt(['exec', ...args, b.id, 'true'])
      t.not(res.code, 0, `${name} ${args.join(' ')}: fails`, diag(res))
      if (isOcits(r.bin)) t.equal(res.code, 255, `${name}: exit code 255, as every exec failure`)
      t.match(res.stderr, says, `${name} ${args.join(' ')}: runc's words`)
    }
    const missing = await r.rt(['exec', '--cgroup', 'nonexistent', b.id, 'true'])
    t.not(missing.code, 0, `${name}: a sub-cgroup that does not exist fails`, diag(missing))
    t.equal((await r.rt(['delete', '--force', b.id])).code, 0, `${name}: delete --force`)
  }
})
