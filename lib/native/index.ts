/**
 * The typed face of the C++ addon (addon/native/addon.cc). Loaded lazily so
 * that commands which never touch the kernel's special calls do not pay for it.
 */
import * as path from 'node:path';

export interface WaitResult {
  pid: number; // 0 when WNOHANG found it still running
  code?: number; // exit code, or 128+signal
  signal?: number;
}
export interface RecvResult {
  type: number;
  err: number;
  payload?: Buffer;
  /** the fd the message carried (SCM_RIGHTS, close-on-exec): the caller owns it */
  fd?: number;
}
/** seccompCompile's input, built by lib/plan/seccomp.ts (actions and operators as libseccomp's numbers). */
export interface SeccompCompileInput {
  defaultAction: number;
  /** runtime-spec names (SCMP_ARCH_X86_64, ...); the native one is always in the filter */
  architectures: string[];
  rules: { name: string; action: number; args: { index: number; op: number; value: bigint; valueTwo: bigint }[] }[];
  /** every syscall name of the profile, for runc's -ENOSYS stub */
  stubNames: string[];
  enosysStub: boolean;
  optimize: boolean;
}
/** What libseccomp and the kernel support here. */
export interface SeccompInfo {
  version: string;
  apiLevel: number;
  /** runtime-spec architecture names libseccomp knows */
  archs: string[];
  /** SECCOMP_FILTER_FLAG_* names the kernel accepts */
  flags: string[];
  /** SCMP_ACT_* names libseccomp and the kernel support */
  actions: string[];
}
interface Addon {
  /** stdio: what the init gets as fds 0, 1, 2 instead of the runtime's own (the caller keeps and closes them) */
  spawnInit(initPath: string, preserveFds: number, stdio?: [number, number, number]): { pid: number; sock: number };
  /** fd, when given, travels with the message (SCM_RIGHTS) */
  send(sock: number, type: number, payload?: Buffer, fd?: number): void;
  recv(sock: number, timeoutMs: number): RecvResult | null;
  waitpid(pid: number, nohang?: boolean): WaitResult;
  waitAsync(pid: number): Promise<WaitResult>;
  mkfifo(path: string, mode: number): void;
  /** umount2(path, detach ? MNT_DETACH : 0); errors carry errno */
  umount(path: string, detach: boolean): void;
  flock(fd: number, exclusive: boolean, nonblock?: boolean): boolean;
  /** release the init blocked on the exec fifo; `error`: its startContainer hooks failed (their error text) */
  releaseFifo(path: string, pid: number, timeoutMs: number): 'started' | 'dead' | 'timeout' | { error: string };
  awaitExit(pid: number, timeoutMs: number): boolean;
  setSubreaper(on: boolean): void;
  close(fd: number): void;
  seccompVersion(): string;
  /** the filter as BPF (struct sock_filter[]); errors carry `rule` or `arch`, the index of the failing entry */
  seccompCompile(input: SeccompCompileInput): { bpf: Buffer; ignored: string[] };
  seccompInfo(): SeccompInfo;
  /** connect to a seccomp agent's socket and send payload with fd in SCM_RIGHTS */
  sendSeccompListener(path: string, payload: Buffer, fd: number): void;
  /** CLONE_NEW* type of a namespace file (ioctl NS_GET_NSTYPE); 0: not a namespace; throws with errno when it cannot be opened */
  nsType(path: string): number;
  /**
   * /proc/<pid>/<name> (pid 0: the runtime itself) through the verified procfs
   * handle (addon/common/procfs.h): never through a mount or a symlink.
   * Errors carry errno; the message is "write /proc/PID/NAME: <reason>".
   */
  procWrite(pid: number, name: string, text: string): void;
  procRead(pid: number, name: string): string;
  /** dev and ino of a magic link's target (e.g. dir "ns", name "net"); errno 2 (ENOENT) when there is none */
  procStatLink(pid: number, dir: string, name: string): { dev: number; ino: number };
  /** the cgroup v2 device program (struct bpf_insn[]) for lib/cgroups/devices.ts bpfInput(); the first matching rule decides */
  devicesProgram(input: { defaultAllow: boolean; rules: { type: 'b' | 'c'; major: number; minor: number; access: string; allow: boolean }[] }): Buffer;
  /** load the program and attach it to a cgroup2 dir (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI); returns the program fd (close-on-exec) */
  devicesAttach(cgroupDir: string, insns: Buffer): number;
  /** detach a program attached by devicesAttach (by its fd) */
  devicesDetach(cgroupDir: string, progFd: number): void;

  // Terminals (addon/native/tty.cc)
  /** connect an AF_UNIX SOCK_STREAM socket (close-on-exec) to path; completes on the listener's backlog, without its accept; errors name the path */
  connectUnix(path: string): number;
  /** a connected AF_UNIX SOCK_STREAM pair, both close-on-exec (run's own console socket) */
  streamPair(): [number, number];
  /** one message carrying exactly one fd (close-on-exec, the caller owns it) and its payload; null on timeout; throws otherwise (EPIPE: closed without one) */
  recvFd(sock: number, timeoutMs: number): { fd: number; payload: string } | null;
  /** ioctl TIOCGWINSZ; null when fd is not a terminal */
  getWinsize(fd: number): { rows: number; cols: number } | null;
  /** ioctl TIOCSWINSZ (on a pty master: the container gets SIGWINCH) */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** put a terminal in raw mode (cfmakeraw); returns the saved mode for ttyRestore, null when fd is not a terminal */
  ttyMakeRaw(fd: number): Buffer | null;
  /** restore the mode ttyMakeRaw saved */
  ttyRestore(fd: number, saved: Buffer): void;
  /**
   * Copy inFd (-1: none) to the pty master and the master to outFd, in a
   * thread-pool thread, until the master is drained (every slave closed:
   * EIO) or stop() is called. Input is never sent an EOF (as runc). The fds
   * are left open: close the master once done settles.
   */
  ttyPump(master: number, inFd: number, outFd: number): { done: Promise<void>; stop(): void };
  /** [read end, write end], both close-on-exec */
  pipe(): [number, number];
  /**
   * Copy, in a thread-pool thread, the caller's callerIn (-1: none) to
   * toContainer (closed at callerIn's EOF: the container reads EOF) and
   * fromOut/fromErr to callerOut/callerErr (-1: dropped), until both outputs
   * are at EOF or stop() is called. Takes toContainer, fromOut and fromErr
   * (closed once done); the caller's fds are never closed or made non-blocking.
   */
  stdioPump(callerIn: number, toContainer: number, fromOut: number, callerOut: number, fromErr: number, callerErr: number): { done: Promise<void>; stop(): void };
}

/** build/Release, relative to both lib/native (sources under tap) and dist/lib/native. */
export function buildDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    if (require('node:fs').existsSync(path.join(dir, 'binding.gyp'))) return path.join(dir, 'build', 'Release');
  }
  throw new Error('ocits: cannot find the build directory (run npm install)');
}

let addon: Addon | undefined;
let dir: string | undefined;

export function native(): Addon {
  if (!addon) {
    dir ??= buildDir();
    // process.dlopen, not require: works from the bundle and from sources alike.
    const m = { exports: {} as Addon };
    process.dlopen(m, path.join(dir, 'ocits_native.node'));
    addon = m.exports;
  }
  return addon;
}

/** Absolute path of the ocits-init executable built next to the addon. */
export function initPath(): string {
  dir ??= buildDir();
  return path.join(dir, 'ocits-init');
}
