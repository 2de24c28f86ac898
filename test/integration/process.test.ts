// The process attributes of config.json, seen from inside real containers:
// capabilities, no_new_privs, rlimits, oom score, io priority, scheduler,
// personality, sysctls; and the errors (naming the field, leaving nothing)
// for values the host or runc's rules refuse. Compared with runc where runc
// 1.1.5 supports the field.
import t from 'tap'
import * as fs from 'node:fs'
import type { Test } from 'tap'
import { assertNoTrace, diag, isOcits, makeBundle, runtime, sections, traceOf, withReference, type Mutate } from '../helpers'

const OCITS = isOcits()
const RUNC = '/usr/sbin/runc'

/** Run `sh -c script` in the foreground; exit 0 and no trace; its sections. */
async function inside(t: Test, script: string, mutate: Mutate, bin?: string): Promise<Record<string, string>> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, (c, bb) => {
    c.process.args = ['sh', '-c', script]
    mutate(c, bb)
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, `${bin ?? 'runtime'}: the container ran`, diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
  return sections(res.stdout)
}

/** create must fail with exit 1, name the field (ocits) and leave nothing. */
async function refused(t: Test, mutate: Mutate, pointer: string, says?: RegExp): Promise<void> {
  const r = runtime(t)
  const b = makeBundle(t, mutate)
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'exit code 1', diag(res))
  if (OCITS) {
    t.match(res.stderr, new RegExp(`^ocits: .*${pointer.replace(/[/[\]]/g, '\\$&')}`), `names ${pointer}`)
    if (says) t.match(res.stderr, says, 'says why')
  }
  await assertNoTrace(t, traceOf(r.root, b))
}

const statusLine = (s: string, key: string) => new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(s)?.[1]

t.test('capabilities: every set exactly as given, kept across the change of user', async (t) => {
  const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID']
  const mutate: Mutate = (c) => {
    c.process.user = { uid: 1000, gid: 1000 }
    c.process.capabilities = {
      bounding: [...caps, 'CAP_SYS_ADMIN'],
      effective: caps,
      permitted: caps,
      inheritable: caps,
      ambient: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
    }
  }
  const s = await inside(t, 'echo "=== status"; cat /proc/self/status', mutate)
  // CAP_CHOWN 0, CAP_KILL 5, CAP_SETUID 7, CAP_NET_BIND_SERVICE 10, CAP_SYS_ADMIN 21
  t.equal(statusLine(s.status, 'CapBnd'), '00000000002004a1', 'bounding')
  t.equal(statusLine(s.status, 'CapInh'), '00000000000004a1', 'inheritable')
  // after execve as uid 1000 the effective/permitted sets are the ambient ones
  t.equal(statusLine(s.status, 'CapPrm'), '0000000000000420', 'permitted = ambient after exec as non-root')
  t.equal(statusLine(s.status, 'CapEff'), '0000000000000420', 'effective = ambient after exec as non-root')
  t.equal(statusLine(s.status, 'CapAmb'), '0000000000000420', 'ambient')
  t.equal(statusLine(s.status, 'Uid'), '1000', 'uid 1000')
  if (fs.existsSync(RUNC) && OCITS) {
    const r = await inside(t, 'echo "=== status"; cat /proc/self/status', mutate, RUNC)
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) t.equal(statusLine(s.status, k), statusLine(r.status, k), `${k} as runc`)
  }
})

t.test('noNewPrivileges and oomScoreAdj', async (t) => {
  const mutate: Mutate = (c) => {
    c.process.noNewPrivileges = true
    c.process.oomScoreAdj = 123
  }
  const s = await inside(t, 'echo "=== status"; cat /proc/self/status; echo "=== oom"; cat /proc/self/oom_score_adj', mutate)
  t.equal(statusLine(s.status, 'NoNewPrivs'), '1', 'NoNewPrivs: 1')
  t.equal(s.oom, '123', 'oom_score_adj')
  const off = await inside(t, 'echo "=== status"; cat /proc/self/status', (c) => (c.process.noNewPrivileges = false))
  t.equal(statusLine(off.status, 'NoNewPrivs'), '0', 'NoNewPrivs: 0 when false')
})

t.test('rlimits at or below the hard limit', async (t) => {
  const mutate: Mutate = (c) => {
    c.process.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 2048 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 1024 },
      { type: 'RLIMIT_NPROC', soft: 100, hard: 200 },
    ]
  }
  const s = await inside(t, 'echo "=== limits"; cat /proc/self/limits', mutate)
  t.match(s.limits, /Max open files\s+512\s+2048\s+files/, 'RLIMIT_NOFILE')
  t.match(s.limits, /Max core file size\s+0\s+1024\s+bytes/, 'RLIMIT_CORE')
  t.match(s.limits, /Max processes\s+100\s+200\s+processes/, 'RLIMIT_NPROC')
})

t.test('an rlimit above the runtime\'s hard limit is refused before anything runs', async (t) => {
  const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1])
  await refused(t, (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: hard + 1 }]), '/process/rlimits/0/hard', /CAP_SYS_RESOURCE/)
})

t.test('ioPriority, scheduler and personality (runc 1.2 fields)', async (t) => {
  const s = await inside(
    t,
    'echo "=== stat"; cat /proc/self/stat; echo "=== ionice"; ionice; echo "=== arch"; uname -m',
    (c) => {
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }
      c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 }
      c.linux.personality = { domain: 'LINUX32' }
    },
  )
  const f = s.stat.slice(s.stat.lastIndexOf(')') + 2).split(' ')
  t.equal(f[16], '5', 'nice 5 (stat field 19)')
  t.equal(f[38], '3', 'policy SCHED_BATCH (stat field 41)')
  t.equal(s.ionice, 'best-effort: prio 6', 'io priority')
  t.equal(s.arch, 'i686', 'LINUX32 personality')
  // (SCHED_FIFO/RR need cpu.rt_runtime_us in the container's cgroup: linux.resources, a later issue)
  const idle = await inside(t, 'echo "=== stat"; cat /proc/self/stat', (c) => (c.process.scheduler = { policy: 'SCHED_IDLE' }))
  const g = idle.stat.slice(idle.stat.lastIndexOf(')') + 2).split(' ')
  t.equal(g[38], '5', 'policy SCHED_IDLE')
})

t.test('bad ioPriority, scheduler and personality values name the field', async (t) => {
  await refused(t, (c) => (c.process.scheduler = { policy: 'SCHED_FIFO', priority: 0 }), '/process/scheduler/priority')
  await refused(t, (c) => (c.process.scheduler = { policy: 'SCHED_OTHER', nice: 5, flags: ['SCHED_FLAG_NOPE'] as never }), '/process/scheduler/flags/0')
  await refused(t, (c) => (c.process.scheduler = { policy: 'SCHED_DEADLINE' }), '/process/scheduler')
  await refused(t, (c) => (c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }), '/linux/personality/flags')
})

t.test('sysctls: namespaced ones are set inside; others are refused', async (t) => {
  const s = await inside(t, 'echo "=== shm"; cat /proc/sys/kernel/shmmni; echo "=== fwd"; cat /proc/sys/net/ipv4/ip_forward; echo "=== dom"; cat /proc/sys/kernel/domainname', (c) => {
    c.linux.sysctl = { 'kernel.shmmni': '1234', 'net.ipv4.ip_forward': '1', 'kernel.domainname': 'example.org' }
    c.linux.readonlyPaths = (c.linux.readonlyPaths ?? []).filter((p: string) => p !== '/proc/sys')
  })
  t.equal(s.shm, '1234', 'kernel.shmmni in the ipc namespace')
  t.equal(s.fwd, '1', 'net.ipv4.ip_forward in the network namespace')
  t.equal(s.dom, 'example.org', 'kernel.domainname in the uts namespace')
  t.not(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'the host keeps its value')

  await refused(t, (c) => (c.linux.sysctl = { 'vm.swappiness': '10' }), '/linux/sysctl/vm.swappiness', /not in a separate kernel namespace/)
  await refused(t, (c) => (c.linux.sysctl = { 'kernel.hostname': 'x' }), '/linux/sysctl/kernel.hostname')
  await refused(
    t,
    (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'network')
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' }
    },
    '/linux/sysctl/net.ipv4.ip_forward',
    /host's network namespace/,
  )
  await refused(
    t,
    (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'ipc')
      c.linux.sysctl = { 'kernel.shmmni': '1' }
    },
    '/linux/sysctl/kernel.shmmni',
  )
})

t.test('masked and read-only paths cannot be undone from inside', async (t) => {
  const s = await inside(
    t,
    [
      'echo "=== keys"; cat /proc/keys 2>&1 | head -c 20; echo',
      'echo "=== umount"; umount /proc/keys 2>/dev/null && echo unmounted || echo refused',
      'echo "=== umount-ro"; umount /proc/sys 2>/dev/null && echo unmounted || echo refused',
      'echo "=== write-ro"; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo written || echo refused',
      'echo "=== remount"; mount -o remount,rw /proc/sys 2>/dev/null && echo remounted || echo refused',
    ].join('; '),
    (c) => {
      c.linux.maskedPaths = ['/proc/keys', '/proc/timer_list', '/sys/firmware']
      c.linux.readonlyPaths = ['/proc/sys']
    },
  )
  t.equal(s.keys, '', '/proc/keys reads as /dev/null')
  t.equal(s.umount, 'refused', 'a masked path cannot be unmounted')
  t.equal(s['umount-ro'], 'refused', 'a read-only path cannot be unmounted')
  t.equal(s['write-ro'], 'refused', 'a read-only path cannot be written')
  t.equal(s.remount, 'refused', 'a read-only path cannot be remounted read-write')
})

t.test('process.cwd can never lead out of the container through a magic link', async (t) => {
  for (const fd of [3, 4, 5, 6, 7, 8]) {
    const r = runtime(t)
    const b = makeBundle(t, (c) => {
      c.process.args = ['sh', '-c', 'pwd; ls /']
      c.process.cwd = `/proc/self/fd/${fd}`
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    // Either refused, or (had it run) inside: never a host directory.
    if (res.code === 0) t.notMatch(res.stdout, /^\/proc|^\(unreachable\)/m, `fd ${fd}: cwd stays inside`)
    else t.pass(`fd ${fd}: refused`)
    await assertNoTrace(t, traceOf(r.root, b))
  }
})


// As runc (Go's LookPath: mode & 0111; then an access check as the user):
// create fails, so that a client sees it at create (Docker: exit code 126).
t.test('a process that is not executable fails create, not start (as runc)', async (t) => {
  const cases: [string, Mutate, RegExp][] = [
    ['/etc/passwd', (c) => (c.process.args = ['/etc/passwd']), /exec: \\?"\/etc\/passwd\\?": permission denied/],
    [
      'a mode-0644 binary',
      (c, b) => {
        fs.copyFileSync(`${b.rootfs}/bin/busybox`, `${b.rootfs}/bin/noexec`)
        fs.chmodSync(`${b.rootfs}/bin/noexec`, 0o644)
        c.process.args = ['/bin/noexec', 'true']
      },
      /exec: \\?"\/bin\/noexec\\?": permission denied/,
    ],
    [
      'an owner-only binary for another user',
      (c, b) => {
        fs.copyFileSync(`${b.rootfs}/bin/busybox`, `${b.rootfs}/bin/rootonly`)
        fs.chmodSync(`${b.rootfs}/bin/rootonly`, 0o700)
        c.process.user = { uid: 1000, gid: 1000 }
        c.process.args = ['/bin/rootonly', 'true']
      },
      /exec \/bin\/rootonly: permission denied/,
    ],
    [
      'a binary on a noexec mount',
      (c, b) => {
        fs.mkdirSync(`${b.dir}/vol`)
        fs.copyFileSync(`${b.rootfs}/bin/busybox`, `${b.dir}/vol/bb`)
        fs.chmodSync(`${b.dir}/vol/bb`, 0o755)
        c.mounts.push({ destination: '/vol', type: 'bind', source: `${b.dir}/vol`, options: ['bind', 'noexec'] })
        c.process.args = ['/vol/bb', 'true']
      },
      /exec \/vol\/bb: permission denied/,
    ],
  ]
  for (const [name, bin] of withReference()) {
    for (const [what, mutate, says] of cases) {
      const r = runtime(t, bin ? { bin } : {})
      const b = makeBundle(t, mutate)
      const res = await r.rt(['create', '--bundle', b.dir, b.id])
      t.equal(res.code, 1, `${name}, ${what}: create fails`, diag(res))
      t.match(res.stderr, says, `${name}, ${what}: runc's words (runc's log line escapes the quotes)`)
      await assertNoTrace(t, traceOf(r.root, b), `${name}, ${what}`)
    }
  }
})

// As runc: chdir before the ids change, and again after them if root was refused.
t.test('process.cwd that only root can enter, with a non-root user (run and exec)', async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t, (c) => {
      c.process.user = { uid: 42, gid: 42 }
      c.process.cwd = '/root'
      c.process.args = ['sh', '-c', 'pwd; ls . >/dev/null 2>&1 && echo readable || echo unreadable']
    })
    t.equal(fs.statSync(`${b.rootfs}/root`).mode & 0o777, 0o700, '/root is 0700 in the rootfs')
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, `${name}: run succeeds`, diag(res))
    t.equal(res.stdout, '/root\nunreadable\n', `${name}: the process is in /root (and, as uid 42, cannot read it)`)
    await assertNoTrace(t, traceOf(r.root, b), name)

    const e = makeBundle(t, ['sleep', '1000'])
    t.equal((await r.rt(['run', '-d', '--bundle', e.dir, e.id])).code, 0, `${name}: a container to exec into`)
    const ex = await r.rt(['exec', '--user', '42:42', '--cwd', '/root', e.id, 'pwd'])
    t.equal(ex.code, 0, `${name}: exec --user 42 --cwd /root succeeds`, diag(ex))
    t.equal(ex.stdout, '/root\n', `${name}: exec'd in /root`)
    t.equal((await r.rt(['delete', '--force', e.id])).code, 0, `${name}: delete`)
  }
  // A directory only the container's user can enter (root is refused by
  // neither here, since root has CAP_DAC_OVERRIDE; the second chdir is the
  // one that matters for a root without it): still entered.
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    fs.mkdirSync(`${bb.rootfs}/home/u42`, { mode: 0o700 })
    fs.chownSync(`${bb.rootfs}/home/u42`, 42, 42)
    c.process.user = { uid: 42, gid: 42 }
    c.process.cwd = '/home/u42'
    c.process.args = ['sh', '-c', 'pwd; touch ok && echo writable']
    c.root.readonly = false
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'a cwd of the user itself', diag(res))
  t.equal(res.stdout, '/home/u42\nwritable\n', 'entered and usable')
})
