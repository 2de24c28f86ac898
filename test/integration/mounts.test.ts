// What the container sees: namespaces, /proc, /dev, /sys, mounts from the
// config, the root, cwd, env, user, umask, and mount destinations that are
// symlinks leading out of the rootfs (they must stay inside).
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Test } from 'tap'
import {
  sections,
  assertNoTrace,
  diag,
  isOcits,
  makeBundle,
  makeTempDir,
  mountsUnder,
  parseMountinfo,
  runtime,
  traceOf,
  type Bundle,
  type Mutate,
  withReference,
  type RunResult,
} from '../helpers'

/** Run `sh -c script` in the foreground in a fresh bundle; check exit 0 and no trace. */
async function runScript(
  t: Test,
  script: string,
  mutate?: Mutate,
  extraArgs: string[] = [],
): Promise<RunResult & { bundle: Bundle }> {
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    c.process.args = ['sh', '-c', script]
    mutate?.(c, bb)
  })
  const res = await r.rt(['run', ...extraArgs, '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'container ran and exited 0', diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
  return { ...res, bundle: b }
}


t.test('hostname, pid namespace, /proc', async (t) => {
  const res = await runScript(
    t,
    'echo "=== hostname"; hostname; echo "=== pid"; echo $$; echo "=== cmdline"; tr "\\0" " " < /proc/1/cmdline; echo; ' +
      'echo "=== mountinfo"; cat /proc/self/mountinfo; echo "=== pids"; ls /proc | grep -E "^[0-9]+$" | sort -n',
    (c) => {
      c.hostname = 'ocits-test-host'
    },
  )
  const s = sections(res.stdout)
  t.equal(s.hostname, 'ocits-test-host', 'hostname from the config')
  t.equal(s.pid, '1', 'the process is pid 1 of its own pid namespace')
  t.match(s.cmdline, /^sh -c /, '/proc/1/cmdline is the container process')
  const mi = parseMountinfo(s.mountinfo ?? '')
  const proc = mi.find((m) => m.mountpoint === '/proc')
  t.equal(proc?.fstype, 'proc', '/proc is a proc mount')
  const pids = (s.pids ?? '').split('\n').map(Number)
  t.ok(pids.length <= 5 && pids[0] === 1, 'only the container\'s processes are visible in /proc', { pids })
})

t.test('/dev: devices, symlinks, pts, shm, mqueue; /sys read-only', async (t) => {
  const devs = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
  const links = ['fd', 'stdin', 'stdout', 'stderr', 'ptmx']
  const res = await runScript(
    t,
    `echo "=== devices"; for d in ${devs.join(' ')}; do stat -c '%n %F %t:%T %a' /dev/$d; done; ` +
      `echo "=== links"; for l in ${links.join(' ')}; do echo "/dev/$l -> $(readlink /dev/$l)"; done; ` +
      'echo "=== mountinfo"; cat /proc/self/mountinfo; ' +
      'echo "=== syswrite"; mkdir /sys/ocits-test 2>&1; echo "rc=$?"; ' +
      'echo "=== null"; echo x > /dev/null && echo ok; echo "=== zero"; head -c 4 /dev/zero | od -An -tx1',
  )
  const s = sections(res.stdout)
  const want: Record<string, string> = { null: '1:3', zero: '1:5', full: '1:7', random: '1:8', urandom: '1:9', tty: '5:0' }
  const lines = (s.devices ?? '').split('\n')
  for (const d of devs) {
    const l = lines.find((x) => x.startsWith(`/dev/${d} `)) ?? ''
    t.match(l, new RegExp(`^/dev/${d} character special file ${want[d]} 666$`), `/dev/${d} is char ${want[d]} mode 0666`, { line: l })
  }
  const wantLinks: Record<string, string> = {
    fd: '/proc/self/fd',
    stdin: '/proc/self/fd/0',
    stdout: '/proc/self/fd/1',
    stderr: '/proc/self/fd/2',
    ptmx: 'pts/ptmx',
  }
  for (const l of links) t.match(s.links, `/dev/${l} -> ${wantLinks[l]}\n`.trimEnd(), `/dev/${l} -> ${wantLinks[l]}`)
  const mi = parseMountinfo(s.mountinfo ?? '')
  const at = (mp: string) => mi.filter((m) => m.mountpoint === mp).pop()
  t.equal(at('/dev')?.fstype, 'tmpfs', '/dev is a tmpfs')
  t.equal(at('/dev/pts')?.fstype, 'devpts', '/dev/pts is devpts')
  t.match(at('/dev/pts')?.superOptions ?? '', /ptmxmode=666/, '/dev/pts has ptmxmode=666 (newinstance)')
  t.equal(at('/dev/shm')?.fstype, 'tmpfs', '/dev/shm is a tmpfs')
  t.match(at('/dev/shm')?.superOptions ?? '', /size=65536k/, '/dev/shm size from the config')
  t.equal(at('/dev/mqueue')?.fstype, 'mqueue', '/dev/mqueue is mqueue')
  const sys = at('/sys')
  t.equal(sys?.fstype, 'sysfs', '/sys is sysfs')
  t.ok(sys?.options.split(',').includes('ro'), '/sys is mounted read-only', { options: sys?.options })
  t.match(s.syswrite, /Read-only file system/, 'writing below /sys fails: read-only')
  t.equal(s.null, 'ok', '/dev/null is writable')
  t.equal(s.zero?.trim(), '00 00 00 00', '/dev/zero reads zeros')
})

t.test('bind mounts of host dirs, rw and ro', async (t) => {
  const rw = makeTempDir(t, 'host')
  const ro = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(rw, 'from-host'), 'rw-host\n')
  fs.writeFileSync(path.join(ro, 'from-host'), 'ro-host\n')
  const res = await runScript(
    t,
    'echo "=== rwread"; cat /mnt/rw/from-host; echo "=== rwwrite"; echo written > /mnt/rw/from-container && echo ok; ' +
      'echo "=== roread"; cat /mnt/ro/from-host; echo "=== rowrite"; (echo x > /mnt/ro/from-container) 2>&1; echo "rc=$?"; ' +
      'echo "=== mountinfo"; cat /proc/self/mountinfo',
    (c) => {
      c.mounts.push(
        { destination: '/mnt/rw', type: 'bind', source: rw, options: ['rbind', 'rw'] },
        { destination: '/mnt/ro', type: 'bind', source: ro, options: ['rbind', 'ro'] },
      )
    },
  )
  const s = sections(res.stdout)
  t.equal(s.rwread, 'rw-host', 'host file visible through the rw bind')
  t.equal(s.rwwrite, 'ok', 'write through the rw bind succeeds')
  t.equal(fs.readFileSync(path.join(rw, 'from-container'), 'utf8'), 'written\n', 'and lands in the host dir')
  t.equal(s.roread, 'ro-host', 'host file visible through the ro bind')
  t.match(s.rowrite, /Read-only file system/, 'write through the ro bind fails: read-only')
  t.match(s.rowrite, /rc=[1-9]/, 'with an error status')
  t.notOk(fs.existsSync(path.join(ro, 'from-container')), 'nothing written to the ro host dir')
  const mi = parseMountinfo(s.mountinfo ?? '')
  t.ok(mi.find((m) => m.mountpoint === '/mnt/ro')?.options.split(',').includes('ro'), '/mnt/ro is mounted ro')
  t.ok(mi.find((m) => m.mountpoint === '/mnt/rw')?.options.split(',').includes('rw'), '/mnt/rw is mounted rw')
  t.same(mountsUnder(rw), [], 'no host mount left on the rw dir')
  t.same(mountsUnder(ro), [], 'no host mount left on the ro dir')
})

t.test('tmpfs with size=', async (t) => {
  const res = await runScript(
    t,
    'echo "=== mountinfo"; cat /proc/self/mountinfo; echo "=== df"; df -k /mnt/tmp | tail -n 1; ' +
      'echo "=== write"; echo hi > /mnt/tmp/f && cat /mnt/tmp/f',
    (c) => {
      c.mounts.push({ destination: '/mnt/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=750', 'nosuid'] })
    },
  )
  const s = sections(res.stdout)
  const m = parseMountinfo(s.mountinfo ?? '').find((x) => x.mountpoint === '/mnt/tmp')
  t.equal(m?.fstype, 'tmpfs', '/mnt/tmp is a tmpfs')
  t.match(m?.superOptions ?? '', /size=1024k/, 'size=1m honoured')
  t.match(m?.superOptions ?? '', /mode=750/, 'mode honoured')
  t.ok(m?.options.split(',').includes('nosuid'), 'nosuid honoured')
  t.equal((s.df ?? '').split(/\s+/)[1], '1024', 'df shows 1024 KiB')
  t.equal(s.write, 'hi', 'writable')
})

t.test('readonly root', async (t) => {
  const res = await runScript(
    t,
    'echo "=== write"; (touch /should-fail) 2>&1; echo "rc=$?"; echo "=== tmp"; (touch /tmp/should-fail) 2>&1; echo "rc=$?"; ' +
      'echo "=== mountinfo"; cat /proc/self/mountinfo',
    (c) => {
      c.root.readonly = true
    },
  )
  const s = sections(res.stdout)
  t.match(s.write, /Read-only file system/, 'writing to / fails: read-only')
  t.match(s.tmp, /Read-only file system/, 'writing to /tmp (on the root) fails too')
  const root = parseMountinfo(s.mountinfo ?? '').find((m) => m.mountpoint === '/')
  t.ok(root?.options.split(',').includes('ro'), '/ is mounted ro', { options: root?.options })
  t.notOk(fs.existsSync(path.join(res.bundle.rootfs, 'should-fail')), 'nothing written to the rootfs')

  const rw = await runScript(t, 'touch /written && echo ok', (c) => {
    c.root.readonly = false
  })
  t.equal(rw.stdout.trim(), 'ok', 'with readonly false the root is writable')
})

t.test('process.cwd honoured and created when missing', async (t) => {
  const res = await runScript(t, 'pwd', (c) => {
    c.process.cwd = '/work/some/dir'
  })
  t.equal(res.stdout.trim(), '/work/some/dir', 'pwd is process.cwd (created, as runc does)')
  const res2 = await runScript(t, 'pwd', (c) => {
    c.process.cwd = '/tmp'
  })
  t.equal(res2.stdout.trim(), '/tmp', 'existing cwd')
})

t.test('process.env honoured', async (t) => {
  const res = await runScript(t, 'echo "=== env"; env | sort; echo "=== path"; echo "$PATH"', (c) => {
    c.process.env = [
      'PATH=/bin:/sbin',
      'FOO=bar baz',
      'EMPTY=',
      'WITH_EQUALS=a=b=c',
      ...c.process.env.filter((e: string) => e.startsWith('OCITS_TEST_MARK=')),
    ]
  })
  const s = sections(res.stdout)
  const env = (s.env ?? '').split('\n')
  for (const e of ['FOO=bar baz', 'EMPTY=', 'WITH_EQUALS=a=b=c', 'PATH=/bin:/sbin']) t.ok(env.includes(e), `env has ${e}`, { env })
  t.equal(s.path, '/bin:/sbin', 'PATH from the config')
  t.notOk(env.some((e) => e.startsWith('TERM=')), 'nothing from the default config leaks in')
})

t.test('process.user: uid, gid, additionalGids, umask', async (t) => {
  const script =
    'echo "=== status"; grep -E "^(Uid|Gid|Groups|Umask):" /proc/self/status; echo "=== id"; id; echo "=== umask"; umask; ' +
    'echo "=== file"; touch /tmp/f && stat -c "%u %g %a" /tmp/f'
  const res = await runScript(t, script, (c) => {
    c.root.readonly = false
    c.process.user = { uid: 1000, gid: 1000, additionalGids: [1002, 65534], umask: 0o027 }
  })
  const s = sections(res.stdout)
  const st = Object.fromEntries((s.status ?? '').split('\n').map((l) => [l.split(':')[0], l.split(':')[1]?.trim().split(/\s+/)]))
  t.same(st.Uid, ['1000', '1000', '1000', '1000'], 'all uids 1000')
  t.same(st.Gid, ['1000', '1000', '1000', '1000'], 'all gids 1000')
  t.same(st.Groups, ['1002', '65534'], 'supplementary groups are exactly additionalGids')
  t.same(st.Umask, ['0027'], 'umask 0027')
  t.equal(s.id, 'uid=1000(test) gid=1000(test) groups=1002(extra2),65534(nogroup)', 'id output')
  t.equal(s.umask, '0027', 'umask builtin agrees')
  t.equal(s.file, '1000 1000 640', 'files are created with the uid, gid and umask')

  const nobody = await runScript(t, 'id -u; id -g', (c) => {
    c.process.user = { uid: 65534, gid: 65534 }
  })
  t.equal(nobody.stdout, '65534\n65534\n', 'nobody')

  // numeric uid without additionalGids: no supplementary groups, even though
  // /etc/group lists `test` as a member of `extra` (runc does not look it up)
  const plain = await runScript(t, 'grep "^Groups:" /proc/self/status', (c) => {
    c.process.user = { uid: 1000, gid: 1000 }
  })
  t.equal(plain.stdout.trim(), 'Groups:', 'no supplementary groups without additionalGids')
})

t.test('a mount destination that is a symlink out of the rootfs stays inside', async (t) => {
  // host dirs the links point at; a runtime that follows the links on the host
  // would mkdir in them or mount over them
  const host = makeTempDir(t, 'host')
  const host2 = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(host, 'host-file'), 'host\n')
  fs.writeFileSync(path.join(host2, 'host-file2'), 'host2\n')
  const marker = makeTempDir(t, 'host')
  fs.writeFileSync(path.join(marker, 'marker'), '')
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.root.readonly = false
    c.process.args = [
      'sh',
      '-c',
      'echo "=== write"; echo inside > /evil/sub/f && echo ok; echo "=== bind"; ls /evil2; echo "=== mountinfo"; cat /proc/self/mountinfo',
    ]
    c.mounts.push(
      // tmpfs at /evil/sub, /evil -> host: following the link would mkdir host/sub
      { destination: '/evil/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
      // bind at /evil2 -> host2: following the link would cover host2
      { destination: '/evil2', type: 'bind', source: marker, options: ['rbind'] },
    )
  })
  fs.symlinkSync(host, path.join(b.rootfs, 'evil'))
  fs.symlinkSync(host2, path.join(b.rootfs, 'evil2'))
  const before = fs.readdirSync(host).sort()
  const before2 = fs.readdirSync(host2).sort()
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'container ran', diag(res))
  const s = sections(res.stdout)
  t.equal(s.write, 'ok', 'the container can write through its /evil/sub mount', diag(res))
  t.same(fs.readdirSync(host).sort(), before, 'the host dir behind /evil is untouched (no sub/, no f)')
  t.same(fs.readdirSync(host2).sort(), before2, 'the host dir behind /evil2 is untouched')
  t.equal(fs.readFileSync(path.join(host, 'host-file'), 'utf8'), 'host\n', 'host file intact')
  t.equal(s.bind, 'marker', '/evil2 shows the bind source')
  const mi = parseMountinfo(s.mountinfo ?? '')
  const tmpfs = mi.find((m) => m.fstype === 'tmpfs' && /size=1024k/.test(m.superOptions))
  t.equal(tmpfs?.mountpoint, path.join(host, 'sub'), 'the tmpfs sits at the link target resolved inside the rootfs')
  t.ok(mi.some((m) => m.mountpoint === host2), 'the bind sits at the link target resolved inside the rootfs')
  t.ok(fs.existsSync(path.join(b.rootfs, host.slice(1), 'sub')), 'the destination was created inside the rootfs')
  t.notOk(fs.existsSync(path.join(b.rootfs, host.slice(1), 'sub', 'f')), 'the file went to the tmpfs, not the rootfs')
  t.same(mountsUnder(host), [], 'nothing mounted on the host dir')
  t.same(mountsUnder(host2), [], 'nothing mounted on the second host dir')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('--no-pivot', async (t) => {
  const res = await runScript(
    t,
    'echo "=== pid"; echo $$; echo "=== ls"; ls /; echo "=== mountinfo"; cat /proc/self/mountinfo; echo "=== write"; (touch /x) 2>&1; true',
    undefined,
    ['--no-pivot'],
  )
  const s = sections(res.stdout)
  t.equal(s.pid, '1', 'pid 1')
  t.same((s.ls ?? '').split('\n').sort(), ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sys', 'tmp'], '/ is the rootfs')
  const mi = parseMountinfo(s.mountinfo ?? '')
  t.ok(mi.some((m) => m.mountpoint === '/'), 'a mount at /')
  t.ok(mi.some((m) => m.mountpoint === '/proc' && m.fstype === 'proc'), '/proc mounted')
  t.match(s.write, /Read-only file system/, 'readonly root still applies')
})

// As runc: the host's procfs and sysfs outside the rootfs are detached before
// the chroot, so that the kernel refuses a fresh procfs mount (which would
// bypass maskedPaths) to a process that unshares a user and pid namespace.
t.test('--no-pivot: no fresh procfs from a new user and pid namespace (maskedPaths hold)', async (t) => {
  const caps = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE']
  const script = 'unshare -mrpf sh -c "mount -t proc none /proc 2>/dev/null && echo mounted || echo refused; wc -c < /proc/timer_list"'
  for (const [name, bin] of withReference()) {
    for (const extra of [[], ['--no-pivot']]) {
      const r = runtime(t, bin ? { bin } : {})
      const b = makeBundle(t, (c) => {
        c.root.readonly = false
        c.process.args = ['sh', '-c', script]
        for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k] = caps
        c.process.capabilities.ambient = []
      })
      const res = await r.rt(['run', ...extra, '--bundle', b.dir, b.id])
      const how = `${name}${extra.length ? ' --no-pivot' : ''}`
      t.equal(res.code, 0, `${how}: the container ran`, diag(res))
      t.equal(res.stdout.replace(/\s+/g, ' ').trim(), 'refused 0', `${how}: the fresh procfs is refused; /proc/timer_list stays masked`)
      await assertNoTrace(t, traceOf(r.root, b), how)
    }
  }
})

t.test('tmpcopyup: a tmpfs that starts with a copy of the directory it covers (Podman --read-only)', async (t) => {
  const listing = 'cd /data && find . | sort | while read f; do echo "$f $(stat -c "%a %u:%g %Y" "$f") $(readlink "$f")"; done; echo ---; cat /data/sub/file; echo new > /data/added && echo writable; echo ---; grep " /data " /proc/self/mounts | cut -d" " -f3,4 | cut -d, -f1'
  const res = await runScript(t, listing, (c, b) => {
    c.root.readonly = true
    c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'tmpcopyup'] })
    const data = path.join(b.rootfs, 'data')
    fs.mkdirSync(path.join(data, 'sub/deeper'), { recursive: true })
    fs.writeFileSync(path.join(data, 'sub/file'), 'copied content\n', { mode: 0o604 })
    fs.chownSync(path.join(data, 'sub/file'), 1000, 1000)
    fs.chmodSync(path.join(data, 'sub/deeper'), 0o711)
    fs.symlinkSync('sub/file', path.join(data, 'link'))
    fs.symlinkSync('/etc/passwd', path.join(data, 'abs-link'))
    fs.utimesSync(path.join(data, 'sub/file'), 1000000000, 1000000000)
  })
  const s = res.stdout.split('---\n')
  // runc does not keep the times; ocits does
  t.match(s[0], isOcits() ? /^\.\/sub\/file 604 1000:1000 1000000000 $/m : /^\.\/sub\/file 604 1000:1000 \d+ $/m, 'a file: content, mode, owner (and mtime) copied')
  t.match(s[0], /^\.\/sub\/deeper 711 0:0 \d+ $/m, 'a directory, with its mode')
  t.match(s[0], /^\.\/link 777 0:0 \d+ sub\/file$/m, 'a relative symlink, as it was')
  t.match(s[0], /^\.\/abs-link 777 0:0 \d+ \/etc\/passwd$/m, 'an absolute symlink, as it was (not followed)')
  t.equal(s[1], 'copied content\nwritable\n', 'the tmpfs holds the copy and is writable on a read-only root')
  t.equal(s[2], 'tmpfs rw\n', 'a tmpfs')
  const b = res.bundle
  t.notOk(fs.existsSync(path.join(b.rootfs, 'data/added')), 'the rootfs directory itself is untouched')

  const ro = await runScript(t, 'cat /data/f; touch /data/x 2>/dev/null && echo wrote || echo read-only', (c, bb) => {
    c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'tmpcopyup'] })
    fs.mkdirSync(path.join(bb.rootfs, 'data'))
    fs.writeFileSync(path.join(bb.rootfs, 'data/f'), 'filled first\n')
  })
  t.equal(ro.stdout, 'filled first\nread-only\n', '"ro" with tmpcopyup: filled, then read-only')
})

// As runc: proc and sysfs are mounted on an ordinary directory only.
t.test('proc or sysfs on a symlink (even one inside the rootfs), at any depth, is refused', async (t) => {
  const cases: [string, Mutate][] = [
    ['/proc a symlink to /proc2', (_c, b) => {
      fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true })
      fs.mkdirSync(path.join(b.rootfs, 'proc2'))
      fs.symlinkSync('/proc2', path.join(b.rootfs, 'proc'))
    }],
    ['/sys a relative symlink', (_c, b) => {
      fs.rmSync(path.join(b.rootfs, 'sys'), { recursive: true })
      fs.mkdirSync(path.join(b.rootfs, 'sys2'))
      fs.symlinkSync('sys2', path.join(b.rootfs, 'sys'))
    }],
    ['/proc a regular file', (_c, b) => {
      fs.rmSync(path.join(b.rootfs, 'proc'), { recursive: true })
      fs.writeFileSync(path.join(b.rootfs, 'proc'), '')
    }],
  ]
  for (const [name, bin] of withReference()) {
    for (const [what, mutate] of cases) {
      const r = runtime(t, bin ? { bin } : {})
      const b = makeBundle(t, mutate)
      const res = await r.rt(['create', '--bundle', b.dir, b.id])
      t.equal(res.code, 1, `${name}, ${what}: create fails`, diag(res))
      t.match(res.stderr, /must be mounted on ordinary directory/, `${name}, ${what}: runc's words`)
      await assertNoTrace(t, traceOf(r.root, b), `${name}, ${what}`)
    }
  }
  // deeper in the path: runc checks only the last component (ocits: every one)
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    fs.mkdirSync(path.join(bb.rootfs, 'real/proc'), { recursive: true })
    fs.symlinkSync('/real', path.join(bb.rootfs, 'link'))
    c.mounts.push({ destination: '/link/proc', type: 'proc', source: 'proc' })
  })
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'a symlink higher up the path: create fails', diag(res))
  t.match(res.stderr, /mount proc on \/link\/proc: filesystem "proc" must be mounted on ordinary directory \(a symlink on its path\)/, 'says where')
  await assertNoTrace(t, traceOf(r.root, b))
})

// As runc: a read-only /dev is mounted writable, filled, and made read-only at the end.
t.test('a read-only tmpfs /dev: devices, /dev/pts and symlinks made, then read-only', async (t) => {
  const script = [
    'echo "=== null"; echo hi > /dev/null && echo ok',
    'echo "=== pts"; grep -c " /dev/pts " /proc/self/mountinfo',
    'echo "=== ptmx"; readlink /dev/ptmx',
    'echo "=== ro"; grep " /dev " /proc/self/mountinfo | grep -c " ro,"',
    'echo "=== write"; touch /dev/new 2>/dev/null && echo writable || echo refused',
  ].join('; ')
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t, (c) => {
      c.process.args = ['sh', '-c', script]
      c.mounts.find((m: { destination: string }) => m.destination === '/dev').options.push('ro')
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, `${name}: the container runs`, diag(res))
    const s = sections(res.stdout)
    t.same(s, { null: 'ok', pts: '1', ptmx: 'pts/ptmx', ro: '1', write: 'refused' }, `${name}: /dev complete and read-only`)
    await assertNoTrace(t, traceOf(r.root, b), name)
  }
})

t.test('the general rule: a read-only tmpfs holding a later mount point, or the cwd, is read-only once those are made', async (t) => {
  const res = await runScript(
    t,
    'pwd; grep -E " /data(/sub)? " /proc/self/mountinfo | awk \'{print $5, substr($6,1,2)}\'; touch /data/x 2>/dev/null || echo refused',
    (c) => {
      c.process.cwd = '/data/work'
      c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'size=1m'] })
      c.mounts.push({ destination: '/data/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] })
    },
  )
  t.equal(res.stdout, '/data/work\n/data ro\n/data/sub rw\nrefused\n', 'cwd and mount point made; /data read-only, /data/sub not')
})

// runtime-spec 1.1 (SHOULD): rro, rnosuid, ... with mount_setattr(AT_RECURSIVE).
t.test('recursive mount options: rro, rnosuid, rnodev, rnoexec, rnoatime on a bind with a submount', async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const share = makeTempDir(t, 'tmp')
    fs.mkdirSync(path.join(share, 'sub'))
    const { spawnSync } = await import('node:child_process')
    t.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(share, 'sub')]).status, 0, 'a submount in the host dir')
    const b = makeBundle(t, (c) => {
      c.process.args = ['sh', '-c', 'grep -E " /mnt/r(/sub)? " /proc/self/mountinfo | awk \'{print $5, $6}\'']
      c.mounts.push({ destination: '/mnt/r', type: 'bind', source: share, options: ['rbind', 'rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnoatime'] })
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 0, `${name}: the container runs`, diag(res))
    const lines = res.stdout.trim().split('\n')
    t.equal(lines.length, 2, `${name}: the mount and its submount`, { stdout: res.stdout })
    for (const l of lines) {
      const opts = l.split(' ')[1]?.split(',') ?? []
      for (const o of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime']) t.ok(opts.includes(o), `${name}: ${l.split(' ')[0]} is ${o}`, { line: l })
    }
    await assertNoTrace(t, traceOf(r.root, b), name)
    spawnSync('umount', [path.join(share, 'sub')])
  }
})

t.test('recursive options undo: rrw after ro, rexec after noexec (attr_clr)', async (t) => {
  const share = makeTempDir(t, 'tmp')
  const res = await runScript(t, 'grep " /mnt/w " /proc/self/mountinfo | awk \'{print $6}\'', (c) => {
    c.mounts.push({ destination: '/mnt/w', type: 'bind', source: share, options: ['rbind', 'ro', 'noexec', 'rrw', 'rexec'] })
  })
  const opts = res.stdout.trim().split(',')
  t.ok(opts.includes('rw'), 'rw again', { stdout: res.stdout })
  t.notOk(opts.includes('noexec'), 'exec again')
})
