// linux.seccomp in real containers: errno rules, argument conditions (AND,
// OR, MASKED_EQ, full 64-bit values), an allow-list profile that runs a
// shell, runc's -ENOSYS stub, KILL/TRAP, unknown syscall names, filters
// without no_new_privs (also as a non-root user), flags, SCMP_ACT_NOTIFY with
// a seccomp agent written here, and the errors (naming the field, leaving
// nothing). Compared with runc 1.1.5 wherever it supports the same thing.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  isOcits,
  makeBundle,
  makeTempDir,
  referenceRunc,
  runtime,
  sections,
  traceOf,
  waitFor,
  type Bundle,
  type Mutate,
  type RunResult,
} from '../helpers'

const OCITS = isOcits()
const REF = referenceRunc()
const X86_64 = process.arch === 'x64'

// ------------------------------------------------------------------ helpers

/** A static helper for the container: `sys NR [ARGS...]` prints "<return> <errno>". */
const SYS_C = `
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  unsigned long a[6] = {0};
  for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtoul(argv[i], 0, 0);
  errno = 0;
  long r = syscall(strtol(argv[1], 0, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  printf("%ld %d\\n", r, r < 0 ? errno : 0);
  return 0;
}
`
let sysHelper: string | undefined | null = null

/** The compiled helper (once per file), or undefined when there is no static C toolchain. */
function sysBinary(t: Test): string | undefined {
  if (sysHelper !== null) return sysHelper
  const dir = fs.mkdtempSync('/tmp/ocits-sys-')
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'sys.c'), SYS_C)
  const r = spawnSync('cc', ['-static', '-O2', '-o', path.join(dir, 'sys'), path.join(dir, 'sys.c')], { encoding: 'utf8' })
  sysHelper = r.status === 0 ? path.join(dir, 'sys') : undefined
  if (!sysHelper) t.comment(`no static cc: ${r.error?.message ?? r.stderr}`)
  return sysHelper
}

/** Copy the sys helper into the bundle's /bin. */
function withSys(b: Bundle, bin: string): void {
  fs.copyFileSync(bin, path.join(b.rootfs, 'bin/sys'))
  fs.chmodSync(path.join(b.rootfs, 'bin/sys'), 0o755)
}

/** Run `sh -c script` in the foreground with a writable root; the result and no trace. */
async function run(t: Test, script: string, mutate: Mutate, bin?: string): Promise<RunResult> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, (c, bb) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', script]
    mutate(c, bb)
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  await assertNoTrace(t, traceOf(r.root, b))
  return res
}

/** Like run, expecting exit 0; the output's sections. */
async function inside(t: Test, script: string, mutate: Mutate, bin?: string): Promise<Record<string, string>> {
  const res = await run(t, script, mutate, bin)
  t.equal(res.code, 0, `${bin ? path.basename(bin) : 'runtime'}: the container ran`, diag(res))
  return sections(res.stdout + res.stderr)
}

/** The same script under ocits and, when installed, runc: both outputs (runc's undefined without it). */
async function both(t: Test, script: string, mutate: Mutate): Promise<[Record<string, string>, Record<string, string> | undefined]> {
  const ours = await inside(t, script, mutate)
  const ref = REF && OCITS ? await inside(t, script, mutate, REF) : undefined
  return [ours, ref]
}

/** create must fail with exit 1, name the field (ocits) and leave nothing. */
async function refused(t: Test, mutate: Mutate, pointer: string, says?: RegExp, bin?: string): Promise<RunResult> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, mutate)
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'exit code 1', diag(res))
  if (OCITS && !bin) {
    t.match(res.stderr, new RegExp(`^ocits: .*${pointer.replace(/[/[\]]/g, '\\$&')}`), `names ${pointer}`)
    if (says) t.match(res.stderr, says, 'says why')
    t.equal(res.stderr.trim().split('\n').length, 1, 'one line')
  }
  await assertNoTrace(t, traceOf(r.root, b))
  return res
}

const statusLine = (s: string, key: string) => new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(s)?.[1]

/** containerd's default profile (contrib/seccomp, amd64 part, no CAP_SYS_ADMIN): default ERRNO, an allow list. */
const DEFAULT_ALLOW = `accept accept4 access alarm bind brk capget capset chdir chmod chown chown32 clock_getres
clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close connect copy_file_range creat dup
dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_wait epoll_wait_old eventfd eventfd2 execve
execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown
fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64
fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futimesat getcpu getcwd getdents getdents64 getegid
getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid
getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname
getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
io_submit ipc kill lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr
lstat lstat64 madvise memfd_create mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect
mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap
msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause pipe
pipe2 poll ppoll ppoll_time64 prctl pread64 preadv prlimit64 pselect6 pselect6_time64 pwrite64 pwritev read readahead
readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat
renameat2 restart_syscall rmdir rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32
setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32
setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr
shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socket socketcall socketpair splice
stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo syslog tee tgkill time timer_create
timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat
utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev arch_prctl modify_ldt`
  .split(/\s+/)
  .filter(Boolean)

// CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP
const CLONE_NEW_MASK = 0x7e020000

function defaultProfile(archs = true): any {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    ...(archs ? { architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] } : {}),
    syscalls: [
      { names: DEFAULT_ALLOW, action: 'SCMP_ACT_ALLOW', args: [] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NEW_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  }
}

// ------------------------------------------------------------------- tests

t.test('errno rules: errnoRet, EPERM by default; Seccomp 2 and NoNewPrivs as configured', async (t) => {
  const script = [
    'echo "=== mkdir"; mkdir /tmp/d 2>&1; echo "rc=$?"',
    'echo "=== rmdir"; rmdir /bin 2>&1; echo "rc=$?"',
    'echo "=== touch"; touch /tmp/f && echo ok',
    'echo "=== status"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status',
  ].join('; ')
  const mutate: Mutate = (c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['rmdir', 'unlinkat'], action: 'SCMP_ACT_ERRNO' },
      ],
    }
  }
  const [s, ref] = await both(t, script, mutate)
  t.match(s.mkdir, /Function not implemented/, 'mkdir: errnoRet 38 (ENOSYS)')
  t.match(s.mkdir, /rc=1/)
  t.match(s.rmdir, /Operation not permitted/, 'rmdir: EPERM without errnoRet')
  t.equal(s.touch, 'ok', 'other syscalls are allowed')
  t.equal(statusLine(s.status, 'Seccomp'), '2', 'Seccomp: 2 (filter mode)')
  t.equal(statusLine(s.status, 'NoNewPrivs'), '1', 'NoNewPrivs: 1 (runc spec default)')
  if (ref) t.same(s, ref, 'same as runc')

  const off = await inside(t, script, (c, b) => {
    mutate(c, b)
    c.process.noNewPrivileges = false
  })
  t.equal(statusLine(off.status, 'Seccomp'), '2', 'without no_new_privs too')
  t.equal(statusLine(off.status, 'NoNewPrivs'), '0', 'NoNewPrivs: 0')
  t.match(off.mkdir, /Function not implemented/)
})

t.test('argument conditions: AND across arguments, OR on the same argument, MASKED_EQ', async (t) => {
  const script = [
    // kill is denied for (pid 1 AND SIGUSR1) or SIGUSR2 (OR on argument 1 with SIGHUP)
    'trap "" USR1 USR2 HUP',
    'echo "=== usr1-1"; kill -USR1 1 2>&1; echo "rc=$?"',
    'echo "=== zero-1"; kill -0 1 2>&1; echo "rc=$?"',
    'sleep 100 & p=$!',
    'echo "=== usr1-other"; kill -USR1 $p 2>&1; echo "rc=$?"',
    'echo "=== hup-1"; kill -HUP 1 2>&1; echo "rc=$?"',
    'echo "=== usr2-1"; kill -USR2 1 2>&1; echo "rc=$?"',
    'echo "=== term-1"; kill -TERM 1 2>&1; echo "rc=$?"',
    // chmod is denied when the new mode has the setuid bit
    'touch /tmp/f',
    'echo "=== chmod-755"; chmod 755 /tmp/f 2>&1; echo "rc=$?"',
    'echo "=== chmod-4755"; chmod 4755 /tmp/f 2>&1; echo "rc=$?"',
    // personality(PER_LINUX32) is denied, personality(PER_LINUX) is not
    'echo "=== linux32"; linux32 true 2>&1; echo "rc=$?"',
    'echo "=== linux64"; linux64 true 2>&1; echo "rc=$?"',
  ].join('; ')
  const mutate: Mutate = (c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['kill'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
            { index: 1, value: 10, op: 'SCMP_CMP_EQ' },
          ],
        },
        {
          names: ['kill'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 1, value: 12, op: 'SCMP_CMP_EQ' },
            { index: 1, value: 1, op: 'SCMP_CMP_EQ' },
          ],
        },
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0o4000, valueTwo: 0o4000, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['fchmodat'], action: 'SCMP_ACT_ERRNO', args: [{ index: 2, value: 0o4000, valueTwo: 0o4000, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      ],
    }
  }
  const [s, ref] = await both(t, script, mutate)
  t.match(s['usr1-1'], /rc=1/, 'kill(1, SIGUSR1): both conditions hold: denied')
  t.match(s['zero-1'], /rc=0/, 'kill(1, 0): only the pid matches: allowed')
  t.match(s['usr1-other'], /rc=0/, 'kill(other, SIGUSR1): only the signal matches: allowed')
  t.match(s['hup-1'], /rc=1/, 'SIGHUP: one of two conditions on argument 1: denied')
  t.match(s['usr2-1'], /rc=1/, 'SIGUSR2: the other one: denied')
  t.match(s['term-1'], /rc=0/, 'SIGTERM: allowed (and ignored by pid 1)')
  t.match(s['chmod-755'], /rc=0/, 'chmod 755: allowed')
  t.match(s['chmod-4755'], /Operation not permitted/, 'chmod 4755: the setuid bit is masked in: denied')
  t.match(s.linux32, /rc=1/, 'personality(PER_LINUX32): denied')
  t.match(s.linux64, /rc=0/, 'personality(PER_LINUX): allowed')
  if (ref) t.same(s, ref, 'same as runc')
})

t.test("an allow-list profile (containerd's default) runs a shell; clone of namespaces is denied", async (t) => {
  const script = [
    'echo "=== pipe"; echo hello | cat',
    'echo "=== ls"; ls / | grep -c .',
    'echo "=== id"; id',
    'echo "=== unshare"; unshare -n true 2>&1; echo "rc=$?"',
    'echo "=== status"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status',
  ].join('; ')
  for (const archs of [true, false]) {
    const [s, ref] = await both(t, script, (c) => {
      c.linux.seccomp = defaultProfile(archs)
    })
    const what = archs ? 'with architectures' : 'native architecture only'
    t.equal(s.pipe, 'hello', `${what}: a pipeline runs`)
    t.match(s.id, /uid=0/, `${what}: id`)
    t.match(s.unshare, /rc=1/, `${what}: unshare is not in the list: fails`)
    t.equal(statusLine(s.status, 'Seccomp'), '2')
    if (ref) t.same(s, ref, `${what}: same as runc`)
  }
})

t.test('the -ENOSYS stub, 64-bit argument values and the x32 ABI (sys helper)', { skip: X86_64 ? false : 'x86_64 syscall numbers' }, async (t) => {
  const bin = sysBinary(t)
  if (!bin) return t.skip('no static C compiler')
  // 300: fanotify_init (older than faccessat2, not listed): the default action.
  // 435: clone3 (not listed): EPERM. 440, 1000: newer than any listed syscall: ENOSYS.
  const script = ['300', '435', '440', '1000'].map((nr) => `echo "=== ${nr}"; sys ${nr}`).join('; ')
  const stubbed = (archs: boolean): Mutate => (c, b) => {
    withSys(b, bin)
    c.linux.seccomp = defaultProfile(archs)
  }
  const [s, ref] = await both(t, script, stubbed(true))
  t.equal(s['300'], '-1 1', 'an older unlisted syscall: EPERM')
  t.equal(s['435'], '-1 1', 'clone3 is older than faccessat2: EPERM')
  t.equal(s['440'], '-1 38', 'newer than every listed syscall: ENOSYS')
  t.equal(s['1000'], '-1 38', 'far beyond: ENOSYS')
  if (ref) t.same(s, ref, 'same as runc')
  const [n, nref] = await both(t, script, stubbed(false))
  t.equal(n['440'], '-1 1', 'no architectures listed: no stub (as runc): EPERM')
  if (nref) t.same(n, nref, 'same as runc')

  // personality(0xffffffff) is a query; the value compares on all 64 bits.
  const values = ['0xffffffff', '0xffffffffffffffff', '0x8'].map((v) => `echo "=== ${v}"; sys 135 ${v}`).join('; ')
  const exact = (value: string): Mutate => (c, b) => {
    withSys(b, bin)
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 123454321, op: 'SCMP_CMP_EQ' }] }],
    }
    // JSON.stringify cannot write 2^64-1 exactly: put the digits in the text.
    b.writeConfig()
    fs.writeFileSync(b.configPath, fs.readFileSync(b.configPath, 'utf8').replace('123454321', value))
    b.writeConfig = () => {}
  }
  const [lo, loRef] = await both(t, values, exact('4294967295'))
  t.equal(lo['0xffffffff'], '-1 22', 'value 0xffffffff matches 0xffffffff')
  t.match(lo['0xffffffffffffffff'], /^\d+ 0$/, 'but not 0xffffffffffffffff')
  if (loRef) t.same(lo, loRef, 'same as runc')
  const [hi, hiRef] = await both(t, values, exact('18446744073709551615'))
  t.equal(hi['0xffffffffffffffff'], '-1 22', 'value 18446744073709551615 (above 2^53) matches exactly')
  t.match(hi['0xffffffff'], /^\d+ 0$/, 'and not 0xffffffff')
  if (hiRef) t.same(hi, hiRef, 'same as runc')
})

t.test('SCMP_ACT_KILL, KILL_PROCESS and TRAP end the process with SIGSYS (exit 159)', async (t) => {
  for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP']) {
    const mutate: Mutate = (c) => {
      c.process.args = ['mkdir', '/tmp/d']
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action }] }
    }
    const r = runtime(t)
    const b = makeBundle(t, (c, bb) => {
      c.root.readonly = false
      mutate(c, bb)
    })
    const res = await r.rt(['run', '--bundle', b.dir, b.id])
    t.equal(res.code, 159, `${action}: exit 159 (128 + SIGSYS)`, diag(res))
    t.notOk(fs.existsSync(path.join(b.rootfs, 'tmp/d')), `${action}: nothing was made`)
    await assertNoTrace(t, traceOf(r.root, b))
    if (REF && OCITS) {
      const rr = runtime(t, { bin: REF })
      const rb = makeBundle(t, (c, bb) => {
        c.root.readonly = false
        mutate(c, bb)
      })
      const rres = await rr.rt(['run', '--bundle', rb.dir, rb.id])
      t.equal(res.code, rres.code, `${action}: same exit code as runc`)
    }
  }
  // in a shell: the child dies of SIGSYS, the shell sees 128+31
  const s = await inside(t, 'echo "=== sh"; mkdir /tmp/d; echo "rc=$?"', (c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] }
  })
  t.match(s.sh, /rc=159/, 'a child killed by SIGSYS')
})

t.test('syscall names unknown to libseccomp are ignored, as runc', async (t) => {
  const [s, ref] = await both(t, 'echo "=== mkdir"; mkdir /tmp/d 2>&1; echo "rc=$?"', (c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['no_such_syscall_ocits', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
        { names: ['another_unknown_one'], action: 'SCMP_ACT_KILL' },
      ],
    }
  })
  t.match(s.mkdir, /Operation not permitted/, 'the known names still apply')
  if (ref) t.same(s, ref, 'same as runc')
})

t.test('without no_new_privs: the filter is loaded with CAP_SYS_ADMIN held, which is then dropped', async (t) => {
  const script = 'echo "=== status"; grep -E "^(Cap|Seccomp:|NoNewPrivs|Uid)" /proc/self/status; echo "=== mkdir"; mkdir /tmp/d 2>&1; true'
  const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] }
  const cases: [string, Mutate][] = [
    ['root, runc default capabilities', (c) => ((c.process.noNewPrivileges = false), (c.linux.seccomp = seccomp))],
    [
      'uid 1000 with ambient capabilities',
      (c) => {
        c.process.noNewPrivileges = false
        c.process.user = { uid: 1000, gid: 1000 }
        c.process.capabilities = {
          bounding: ['CAP_KILL', 'CAP_CHOWN'],
          effective: ['CAP_KILL', 'CAP_CHOWN'],
          permitted: ['CAP_KILL', 'CAP_CHOWN'],
          inheritable: ['CAP_KILL'],
          ambient: ['CAP_KILL'],
        }
        c.linux.seccomp = seccomp
      },
    ],
    [
      'CAP_SYS_ADMIN in the process capabilities',
      (c) => {
        c.process.noNewPrivileges = false
        c.process.capabilities.bounding.push('CAP_SYS_ADMIN')
        c.process.capabilities.effective.push('CAP_SYS_ADMIN')
        c.process.capabilities.permitted.push('CAP_SYS_ADMIN')
        c.linux.seccomp = seccomp
      },
    ],
  ]
  for (const [what, mutate] of cases) {
    const [s, ref] = await both(t, script, mutate)
    t.equal(statusLine(s.status, 'Seccomp'), '2', `${what}: filtered`)
    t.equal(statusLine(s.status, 'NoNewPrivs'), '0', `${what}: no_new_privs off`)
    t.match(s.mkdir, /Input\/output error/, `${what}: the rule applies`)
    if (ref) t.same(s, ref, `${what}: capabilities and ids as runc`)
  }
  // The profile must allow capset to drop the held capability (runc needs it too).
  const res = await run(t, 'echo unreachable', (c) => {
    c.process.noNewPrivileges = false
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['capset'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] }
  })
  t.not(res.code, 0, 'capset denied: the process never runs')
  t.notMatch(res.stdout, /unreachable/)
  if (OCITS) t.match(res.stderr, /capset/, 'and says why')
})

t.test('flags: TSYNC, LOG and SPEC_ALLOW are accepted (runc 1.1.5 refuses every flag)', { skip: OCITS ? false : 'ocits only' }, async (t) => {
  const s = await inside(t, 'echo "=== status"; grep -E "^Seccomp:" /proc/self/status; echo "=== mkdir"; mkdir /tmp/d 2>&1; true', (c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
    }
  })
  t.equal(statusLine(s.status, 'Seccomp'), '2')
  t.match(s.mkdir, /Operation not permitted/)
  if (REF && OCITS) {
    const r = await refused(t, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] }), '', undefined, REF)
    t.match(r.stderr, /seccomp flags are not yet supported by runc/, 'runc 1.1.5 refuses flags')
  }
})

// ----------------------------------------------------------------- errors

t.test('bad profiles: a clear error naming the field, nothing left behind', async (t) => {
  const seccomp = (s: any): Mutate => (c) => (c.linux.seccomp = s)
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_BOGUS' }), '/linux/seccomp/defaultAction', /SCMP_ACT_ALLOW/)
  await refused(
    t,
    seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['rmdir'], action: 'SCMP_ACT_BOGUS' }] }),
    '/linux/seccomp/syscalls/1/action',
  )
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_BOGUS'] }), '/linux/seccomp/architectures/1')
  // in the spec's list, not in libseccomp 2.5.4 (runc: "not a valid arch" too)
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_LOONGARCH64'] }), '/linux/seccomp/architectures/0', /libseccomp/)
  await refused(
    t,
    seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }),
    '/linux/seccomp/syscalls/0/args/0/index',
  )
  await refused(
    t,
    seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_BOGUS' }] }] }),
    '/linux/seccomp/syscalls/0/args/0/op',
  )
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', ''], action: 'SCMP_ACT_ERRNO' }] }), '/linux/seccomp/syscalls/0/names/1')
  // config-linux.md: an errno for an action without one MUST be an error (runc 1.1.5 ignores it)
  if (OCITS) {
    await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }), '/linux/seccomp/syscalls/0/errnoRet')
  }
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_BOGUS'] }), '/linux/seccomp/flags/0')
  // notify: as the default action, on write, without a listener path
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/x' }), '/linux/seccomp/defaultAction', /default action/)
  await refused(
    t,
    seccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }),
    '/linux/seccomp/syscalls/0/names/0',
    /write/,
  )
  await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }), '/linux/seccomp/listenerPath')
})

t.test('the same bad profiles under runc fail too', { skip: REF && OCITS ? false : 'needs ocits and runc' }, async (t) => {
  const seccomp = (s: any): Mutate => (c) => (c.linux.seccomp = s)
  const r1 = await refused(t, seccomp({ defaultAction: 'SCMP_ACT_BOGUS' }), '', undefined, REF)
  t.match(r1.stderr, /not a valid action/)
  const r2 = await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_BOGUS'] }), '', undefined, REF)
  t.match(r2.stderr, /not a valid arch/)
  const r3 = await refused(t, seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }), '', undefined, REF)
  t.match(r3.stderr, /listenerPath is not set/)
})

// Callers match runc's words for an agent that is not there.
t.test('an unreachable seccomp agent: "failed to connect with seccomp agent", nothing left (as runc)', async (t) => {
  const dir = makeTempDir(t, 'agent')
  const profile: Mutate = (c) =>
    (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(dir, 'nobody-listens.sock'), syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] })
  const res = await refused(t, profile, '/linux/seccomp/listenerPath', /failed to connect with seccomp agent at .*nobody-listens\.sock: no such file or directory/)
  if (!OCITS) t.match(res.stderr, /failed to connect with seccomp agent/, "runc's words")
  if (REF && OCITS) {
    const rr = await refused(t, profile, '', undefined, REF)
    t.match(rr.stderr, /failed to connect with seccomp agent/, 'runc says the same')
  }
})

// ----------------------------------------------------------------- notify

/**
 * A seccomp agent: python3 accepts one connection on `sock`, receives the
 * state and the fd (socket.recv_fds), answers the first notification with
 * ENAMETOOLONG, and writes what it saw to `out` as JSON.
 */
const AGENT_PY = String.raw`
import json, os, socket, struct, sys, fcntl, errno
sock, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock)
s.listen(1)
open(out + '.ready', 'w').close()
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 65536, 4)
res = {'msg': msg.decode(), 'nfds': len(fds)}
if fds:
    fd = fds[0]
    res['link'] = os.readlink('/proc/self/fd/%d' % fd)
    RECV, SEND = 0xC0502100, 0xC0182101  # SECCOMP_IOCTL_NOTIF_RECV / _SEND
    buf = bytearray(80)                  # struct seccomp_notif
    fcntl.ioctl(fd, RECV, buf, True)
    nid, pid, fl, nr, arch = struct.unpack_from('<QIIiI', buf, 0)
    res['notif'] = {'pid': pid, 'nr': nr, 'arch': arch}
    fcntl.ioctl(fd, SEND, bytearray(struct.pack('<QqiI', nid, 0, -errno.ENAMETOOLONG, 0)), True)
# The runtime must have closed the connection (runc 1.1.5 keeps it open until it exits).
c.settimeout(2)
try:
    res['eof'] = c.recv(65536) == b''
except socket.timeout:
    res['eof'] = False
c.close()
with open(out + '.tmp', 'w') as f:
    json.dump(res, f)
os.rename(out + '.tmp', out)
`

function hasPythonFds(): boolean {
  const r = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { encoding: 'utf8' })
  return r.status === 0
}

async function withAgent(t: Test, bin: string | undefined, metadata?: string): Promise<{ res: RunResult; seen: any; b: Bundle }> {
  const dir = makeTempDir(t, 'agent')
  const sock = path.join(dir, 'agent.sock')
  const out = path.join(dir, 'seen.json')
  fs.writeFileSync(path.join(dir, 'agent.py'), AGENT_PY)
  const agent = spawn('python3', [path.join(dir, 'agent.py'), sock, out], { stdio: ['ignore', 'ignore', 'inherit'] })
  t.teardown(() => {
    if (agent.exitCode === null) agent.kill('SIGKILL')
  })
  t.ok(await waitFor(() => fs.existsSync(out + '.ready'), { timeout: 10000 }), 'the agent listens')
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, (c) => {
    c.root.readonly = false
    c.process.args = ['sh', '-c', 'echo "=== mkdir"; mkdir /tmp/d 2>&1; echo "rc=$?"; echo "=== rmdir"; rmdir /bin 2>&1; echo "rc=$?"']
    c.annotations = { 'org.example.key': 'value' }
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: sock,
      ...(metadata !== undefined ? { listenerMetadata: metadata } : {}),
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    }
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  await assertNoTrace(t, traceOf(r.root, b))
  await waitFor(() => fs.existsSync(out), { timeout: 10000 })
  const seen = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined
  return { res, seen, b }
}

t.test('SCMP_ACT_NOTIFY: the agent gets the container process state and the fd, and answers', { skip: hasPythonFds() ? false : 'needs python3 >= 3.9' }, async (t) => {
  const { res, seen, b } = await withAgent(t, undefined, 'MKNOD=/dev/null;x')
  t.equal(res.code, 0, 'the container ran', diag(res))
  const s = sections(res.stdout + res.stderr)
  t.match(s.mkdir, /File name too long/, "mkdir got the agent's answer (ENAMETOOLONG)")
  t.match(s.mkdir, /rc=1/)
  t.match(s.rmdir, /rc=1/, 'other syscalls are untouched (rmdir of a non-empty dir fails by itself)')
  t.ok(seen, 'the agent saw the state', { seen })
  if (!seen) return
  t.equal(seen.nfds, 1, 'one fd in SCM_RIGHTS')
  t.equal(seen.link, 'anon_inode:seccomp notify', 'a seccomp notify fd')
  if (OCITS) t.ok(seen.eof, 'one state per connection, then closed (runc 1.1.5 keeps it open)')
  const msg = JSON.parse(seen.msg)
  t.same(Object.keys(msg), ['ociVersion', 'fds', 'pid', 'metadata', 'state'], 'container process state fields, in runc order')
  t.same(msg.fds, ['seccompFd'])
  t.equal(msg.metadata, 'MKNOD=/dev/null;x', 'listenerMetadata')
  t.match(msg.ociVersion, /^\d+\.\d+\.\d+/)
  t.type(msg.pid, 'number')
  t.ok(msg.pid > 1, 'the container process as seen by the runtime (host pid)')
  t.same(Object.keys(msg.state), ['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations'])
  t.equal(msg.state.id, b.id)
  t.equal(msg.state.status, 'creating')
  t.equal(msg.state.pid, msg.pid)
  t.equal(msg.state.bundle, b.dir)
  t.same(msg.state.annotations, { 'org.example.key': 'value' })
  if (X86_64) t.ok(seen.notif.nr === 83 || seen.notif.nr === 258, `the notification is for mkdir or mkdirat (${seen.notif.nr})`)

  if (REF && OCITS) {
    const ref = await withAgent(t, REF, 'MKNOD=/dev/null;x')
    t.equal(ref.res.code, 0, 'runc ran it too', diag(ref.res))
    t.same(sections(ref.res.stdout + ref.res.stderr), s, 'the container sees the same as under runc')
    const rmsg = JSON.parse(ref.seen.msg)
    t.same(Object.keys(rmsg), Object.keys(msg), 'same fields as runc')
    t.same(Object.keys(rmsg.state), Object.keys(msg.state), 'same state fields as runc')
    t.same({ ...rmsg, ociVersion: 0, pid: 0, state: 0 }, { ...msg, ociVersion: 0, pid: 0, state: 0 })
    t.same(ref.seen.link, seen.link)
  }
})

t.test('SCMP_ACT_NOTIFY without no_new_privs, without metadata', { skip: hasPythonFds() ? false : 'needs python3 >= 3.9' }, async (t) => {
  const dir = makeTempDir(t, 'agent')
  const sock = path.join(dir, 'agent.sock')
  const out = path.join(dir, 'seen.json')
  fs.writeFileSync(path.join(dir, 'agent.py'), AGENT_PY)
  const agent = spawn('python3', [path.join(dir, 'agent.py'), sock, out], { stdio: ['ignore', 'ignore', 'inherit'] })
  t.teardown(() => {
    if (agent.exitCode === null) agent.kill('SIGKILL')
  })
  t.ok(await waitFor(() => fs.existsSync(out + '.ready'), { timeout: 10000 }))
  const s = await inside(t, 'echo "=== mkdir"; mkdir /tmp/d 2>&1; echo "=== status"; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status', (c) => {
    c.process.noNewPrivileges = false
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: sock,
      ...(OCITS ? { flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] } : {}), // runc 1.1.5 takes no flags
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    }
  })
  t.match(s.mkdir, /File name too long/)
  t.equal(statusLine(s.status, 'NoNewPrivs'), '0')
  t.equal(statusLine(s.status, 'CapEff'), '0000000020000420', 'runc spec capabilities: CAP_SYS_ADMIN was dropped again')
  await waitFor(() => fs.existsSync(out), { timeout: 10000 })
  const msg = JSON.parse(JSON.parse(fs.readFileSync(out, 'utf8')).msg)
  t.same(Object.keys(msg), ['ociVersion', 'fds', 'pid', 'state'], 'no metadata field without listenerMetadata')
})

t.test('SCMP_ACT_NOTIFY with no agent listening: create fails and leaves nothing', async (t) => {
  const dir = makeTempDir(t, 'agent')
  const res = await refused(
    t,
    (c) =>
      (c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: path.join(dir, 'nobody.sock'),
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      }),
    '/linux/seccomp/listenerPath',
    /no such file or directory/,
  )
  void res
})

// ----------------------------------------------------------------- features

t.test('features: seccomp enabled, with what really works here', { skip: OCITS ? false : 'ocits only' }, async (t) => {
  const r = runtime(t)
  const res = await r.rt(['features'], { noRoot: true })
  t.equal(res.code, 0, diag(res))
  const f = JSON.parse(res.stdout)
  const s = f.linux.seccomp
  t.equal(s.enabled, true)
  for (const a of ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP']) {
    t.ok(s.actions.includes(a), a)
  }
  t.same(s.operators, ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'])
  if (X86_64) for (const a of ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']) t.ok(s.archs.includes(a), a)
  t.notOk(s.archs.includes('SCMP_ARCH_LOONGARCH64') && f.annotations['io.github.seccomp.libseccomp.version'] === '2.5.4', 'only what libseccomp knows')
  t.same(s.knownFlags, ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'])
  for (const fl of s.supportedFlags) t.ok(s.knownFlags.includes(fl), `${fl} known`)
  t.match(f.annotations['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/)
})
