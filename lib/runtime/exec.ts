/**
 * exec: run one more process in a running (or created) container. The init
 * binary in exec mode joins every namespace of the container's init that is
 * not the runtime's own, enters the init's root, is placed in the container's
 * cgroup by the runtime, and becomes the process with its own user,
 * capabilities, rlimits, the container's seccomp filter, env and cwd.
 *
 * In the foreground ocits is the process's parent (a child subreaper),
 * forwards signals, copies its stdio pipes (or its pty) and returns its exit
 * code; with --detach the runtime
 * exits as soon as the process runs, and the process is left to the caller's
 * subreaper (containerd's shim, conmon).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadManager } from '../cgroups';
import { subCgroupDirs } from '../cgroups/paths';
import { OcitsError } from '../errors';
import * as log from '../log';
import { initPath, native } from '../native';
import { Msg } from '../native/protocol';
import { CLONE } from '../plan/build';
import { buildExecPlan, checkExecProcess, overrideProcess, type ExecOverrides } from '../plan/exec';
import { encodePlan } from '../plan/encode';
import { checkRlimits, dropUngrantableCaps } from '../plan/process';
import type { Process, Spec } from '../spec/types';
import { loadConfig } from '../spec/validate';
import { Lock } from '../state/lock';
import { Store, writeFileAtomic, type StoredState } from '../state/store';
import { passedFds } from './fds';
import { sendToAgent } from './seccomp';
import { forwardSignals, NO_FORWARDING } from './signals';
import { statusOf } from './status';
import { pipedStdio, type PipedStdio } from './stdio';
import { attachTerminal, callerWindowSize, checkTerminal, consoleSocketFor, receiveMaster, type AttachedTerminal } from './tty';

export interface ExecOptions extends ExecOverrides {
  root: string;
  id: string;
  /** --process FILE: the whole process (the other process flags are then ignored, as in runc) */
  processFile?: string;
  consoleSocket?: string;
  detach?: boolean;
  pidFile?: string;
  preserveFds?: number;
  ignorePaused?: boolean;
  /** --cgroup: [<controller>:]<path> sub-cgroups (existing) to run the process in */
  cgroups?: string[];
}

/** How long the init may take to report each step. */
const STEP_TIMEOUT_MS = 60_000;


/** /proc/PID/ns file names, in CLONE bit terms. */
const NS_FILES: [string, number][] = [
  ['user', CLONE.user],
  ['ipc', CLONE.ipc],
  ['uts', CLONE.uts],
  ['net', CLONE.network],
  ['pid', CLONE.pid],
  ['mnt', CLONE.mount],
  ['cgroup', CLONE.cgroup],
  ['time', CLONE.time],
];

/**
 * Every namespace of the init that is not the runtime's own: it decides what
 * the process joins, so read through the verified procfs handle.
 */
function namespacesOf(pid: number): { type: number; path: string }[] {
  const n = native();
  const joins: { type: number; path: string }[] = [];
  for (const [file, type] of NS_FILES) {
    let a: { dev: number; ino: number };
    let b: { dev: number; ino: number };
    try {
      a = n.procStatLink(pid, 'ns', file);
      b = n.procStatLink(0, 'ns', file);
    } catch (e) {
      if ((e as { errno?: number }).errno === 2 && fs.existsSync(`/proc/${pid}`)) continue; // a kernel without it
      throw new OcitsError('ESTATE', `cannot exec in a stopped container`, { cause: e });
    }
    if (a.ino !== b.ino || a.dev !== b.dev) joins.push({ type, path: `/proc/${pid}/ns/${file}` });
  }
  return joins;
}

function readProcessFile(file: string): Process {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new OcitsError('EUSAGE', `open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new OcitsError('EINVAL_CONFIG', `invalid process ${file}: ${(e as Error).message}`);
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new OcitsError('EINVAL_CONFIG', `invalid process ${file}: not a JSON object`);
  return p as Process;
}

function loadRunning(o: ExecOptions): StoredState {
  const store = new Store(o.root);
  const lock = Lock.acquire(store.dir(o.id));
  if (!lock) throw new OcitsError('ENOTFOUND', `container ${o.id} does not exist`);
  try {
    const s = store.load(o.id);
    const status = statusOf(s, store.dir(o.id));
    if (status === 'stopped') throw new OcitsError('ESTATE', 'cannot exec in a stopped container');
    if (status === 'paused' && !o.ignorePaused) throw new OcitsError('ESTATE', 'cannot exec in a paused container (use --ignore-paused to override)');
    return s;
  } finally {
    lock.release();
  }
}

/** Runs the process; resolves to its exit code (foreground) or 0 once it runs (--detach). */
export async function exec(o: ExecOptions): Promise<number> {
  const s = loadRunning(o);
  const spec: Spec = loadConfig(s.bundle);
  const proc = o.processFile ? readProcessFile(o.processFile) : overrideProcess(spec.process, o);
  checkExecProcess(proc);
  checkTerminal(!!proc.terminal, o.consoleSocket, !!o.detach);
  const warnings: string[] = [];
  const plan = buildExecPlan(spec, proc, { bundle: s.bundle, initPid: s.pid, joins: namespacesOf(s.pid), warnings, callerUmask: process.umask() });
  checkRlimits({ ...spec, process: proc });
  const capWarning = dropUngrantableCaps(plan.caps);
  if (capWarning) warnings.push(capWarning);
  for (const w of warnings) log.warn(w);
  const fds = passedFds(o.preserveFds);
  if (fds.env.length) plan.env = [...plan.env, ...fds.env];
  // In the foreground the process starts before we attach: its pty gets the
  // caller's window size from the init (unless process.consoleSize says otherwise).
  if (proc.terminal && !o.consoleSocket && !plan.consoleRows) {
    const ws = callerWindowSize();
    if (ws?.rows && ws.cols) {
      plan.consoleRows = ws.rows;
      plan.consoleCols = ws.cols;
    }
  }
  const cg = s.cgroup ? loadManager(s.cgroup) : undefined;
  const sub = o.cgroups?.length ? subCgroupDirs(cg?.paths ?? {}, o.cgroups) : undefined;
  log.step(`exec ${o.id}: planned`);

  const n = native();
  // In the foreground, signals are caught from before the process exists and
  // delivered once it runs; with our own terminal attach, SIGWINCH resizes the pty.
  const signals = o.detach ? NO_FORWARDING : forwardSignals({ keepWinch: !(proc.terminal && !o.consoleSocket) });
  // With a terminal: the caller's console socket, or (foreground) a pair of
  // our own whose other end brings us the master.
  const consoleSock = proc.terminal ? consoleSocketFor(o.consoleSocket) : undefined;
  let ours = consoleSock?.ours ?? -1;
  // In the foreground without a terminal: pipes, copied (as runc); --detach passes the caller's fds.
  let stdio: PipedStdio | undefined;
  let spawned: { pid: number; sock: number };
  try {
    if (!o.detach && !proc.terminal) stdio = pipedStdio();
    spawned = n.spawnInit(initPath(), fds.count, stdio?.child);
    stdio?.attach();
  } catch (e) {
    stdio?.abort();
    signals.stop();
    if (consoleSock) n.close(consoleSock.initEnd);
    if (ours >= 0) n.close(ours);
    throw e;
  }
  let stage1 = spawned.pid;
  const sock = spawned.sock;
  let pid = 0;
  let master = -1;
  try {
    try {
      n.send(sock, Msg.PLAN, encodePlan(plan), consoleSock?.initEnd);
    } finally {
      if (consoleSock) n.close(consoleSock.initEnd);
    }
    for (let done = false; !done; ) {
      const m = n.recv(sock, STEP_TIMEOUT_MS);
      if (m === null) throw new OcitsError('EINIT', `exec: the process did not report within ${STEP_TIMEOUT_MS / 1000}s`);
      switch (m.type) {
        case Msg.PID:
          pid = m.payload!.readUInt32LE(0);
          cg?.addPid(pid, sub);
          n.send(sock, Msg.CGROUP_JOINED);
          break;
        case Msg.SECCOMP_FD: {
          const fd = m.fd;
          try {
            if (fd === undefined || !pid || !spec.linux?.seccomp) throw new OcitsError('EINIT', 'exec: seccomp fd sent out of order');
            sendToAgent(spec.linux.seccomp, { id: o.id, bundle: s.bundle, annotations: spec.annotations }, pid, fd);
          } finally {
            if (fd !== undefined) n.close(fd);
          }
          n.send(sock, Msg.SECCOMP_DONE);
          break;
        }
        case Msg.ERROR:
          throw new OcitsError('EINIT', m.payload!.toString('utf8'), { errno: m.err });
        case Msg.EOF:
          // The socket closes on execve: the process runs (or died, which its exit code tells).
          if (!pid) throw new OcitsError('EINIT', 'exec: the init exited before the process existed');
          done = true;
          break;
        default:
          throw new OcitsError('EINIT', `exec: unexpected message ${m.type} from the init`);
      }
    }
    const w = n.waitpid(stage1);
    stage1 = 0;
    if (w.code !== 0) throw new OcitsError('EINIT', `exec: init stage 1 exited with ${w.code}`);
    // The init sent the master before its execve: it waits on our end.
    if (ours >= 0) master = receiveMaster(ours);
  } catch (e) {
    signals.stop();
    for (const p of [pid, stage1]) {
      if (!p) continue;
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (stage1) n.waitpid(stage1);
    if (pid && !o.detach) n.waitpid(pid);
    stdio?.abort();
    throw e;
  } finally {
    n.close(sock);
    if (ours >= 0) n.close(ours);
    ours = -1;
  }
  log.step(`exec ${o.id}: process ${pid} runs`);
  if (o.pidFile) writeFileAtomic(path.resolve(o.pidFile), String(pid));
  if (o.detach) return 0;
  const tty: AttachedTerminal | undefined = master >= 0 ? attachTerminal(master) : undefined;
  signals.deliverTo(pid);
  let r;
  try {
    r = await n.waitAsync(pid);
  } finally {
    signals.stop();
    await tty?.finish();
    await stdio?.finish();
  }
  return r.code ?? 255;
}
