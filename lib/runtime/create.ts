/**
 * create: validate, plan, claim the id, place the init in its cgroup, drive
 * it through the setup protocol, record the state. Returns only once the
 * init is blocked on the exec fifo. Any failure undoes every step taken, in
 * reverse order: no state dir, no cgroup, no process, no mount is left.
 */
import * as path from 'node:path';
import { DEFAULT_ROOT as CGROUP_ROOT, newManager, primeMigration, type CgroupManager } from '../cgroups';
import { applyDevices } from '../cgroups/devices';
import { OcitsError, wrapError } from '../errors';
import * as log from '../log';
import { initPath, native } from '../native';
import { Msg, PlanFlag } from '../native/protocol';
import { buildPlan, CLONE, resolveRootfs, type CgroupMountSource } from '../plan/build';
import { encodePlan } from '../plan/encode';
import { checkRlimits, dropUngrantableCaps } from '../plan/process';
import { planUserNamespace, type UserNamespacePlan } from '../plan/idmap';
import { loadConfig } from '../spec/validate';
import type { Spec } from '../spec/types';
import { Lock } from '../state/lock';
import { procInfo } from '../state/proc';
import { Store, writeFileAtomic, type StoredState } from '../state/store';
import { recordHostMounts, removeHostMounts } from './hostmounts';
import { runHooks, runHooksWarn, stateForHook } from './hooks';
import { writeIdMaps } from './idmap';
import { passedFds } from './fds';
import { checkNamespacePaths } from './namespaces';
import { sendToAgent } from './seccomp';
import { pipedStdio, type PipedStdio } from './stdio';
import { checkTerminal, consoleSocketFor } from './tty';
import { rfc3339Nano } from './status';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  systemdCgroup?: boolean;
  /**
   * `run` without -d: a terminal is the caller's (no console socket;
   * Created.console receives its master); without a terminal the process gets
   * pipes, copied to and from the caller's stdio (Created.stdio)
   */
  foreground?: boolean;
}

export interface Created {
  pid: number;
  state: StoredState;
  spec: Spec;
  /** foreground with process.terminal: the socket the pty master waits on (the caller receives and closes it) */
  console?: number;
  /** foreground without a terminal: the copy of the process's pipes, running (the caller finishes it) */
  stdio?: PipedStdio;
}

/** How long the init may take to report each step (mounts on a slow disk, a big rootfs bind). */
const INIT_STEP_TIMEOUT_MS = 60_000;

function hierarchiesOf(cg: CgroupManager): CgroupMountSource[] | undefined {
  if (cg.mode === 'v2') return undefined;
  const out = new Map<string, string>();
  for (const dir of Object.values(cg.paths)) {
    // "<cgroup root>/<hierarchy>/<container path>": the hierarchy is the first component.
    const rel = path.relative(CGROUP_ROOT, dir).split(path.sep);
    if (rel[0] && rel[0] !== '..') out.set(rel[0], dir);
  }
  return [...out].map(([name, source]) => ({ name, source }));
}

/** An error the init reported, if one is waiting on the socket. */
function initError(sock: number): OcitsError | undefined {
  const m = native().recv(sock, 1000);
  return m?.type === Msg.ERROR ? new OcitsError('EINIT', m.payload!.toString('utf8'), { errno: m.err }) : undefined;
}

/**
 * Talk the init through its setup: place it in its cgroup as soon as its pid
 * is known (it builds the rootfs meanwhile), wait until it is ready. Returns
 * the init's host pid and start time.
 */
function driveInit(
  sock: number,
  stage1: number,
  cg: CgroupManager,
  onPid: (pid: number) => void,
  userns?: UserNamespacePlan,
  onSeccompFd?: (fd: number, pid: number) => void,
  onHooks?: (pid: number) => Buffer,
): { pid: number; startTime: string } {
  const n = native();
  let pid = 0;
  let mapsWritten = false;
  for (;;) {
    const m = n.recv(sock, INIT_STEP_TIMEOUT_MS);
    if (m === null) throw new OcitsError('EINIT', `container init did not report within ${INIT_STEP_TIMEOUT_MS / 1000}s`);
    switch (m.type) {
      case Msg.MAPS:
        // Stage 1 is in its new user namespace, waiting for its id maps.
        if (!userns?.create || mapsWritten || pid) throw new OcitsError('EINIT', 'container init asked for id maps out of order');
        writeIdMaps(stage1, userns);
        mapsWritten = true;
        log.step('create: id maps written');
        n.send(sock, Msg.MAPS_DONE);
        break;
      case Msg.PID:
        if (userns?.create && !mapsWritten) throw new OcitsError('EINIT', 'container init forked before its id maps were written');
        pid = m.payload!.readUInt32LE(0);
        log.step(`create: init ${pid} forked`);
        onPid(pid);
        try {
          cg.addPid(pid);
          log.step(`create: init ${pid} placed in its cgroup`);
          n.send(sock, Msg.CGROUP_JOINED);
        } catch (e) {
          // The init may have failed meanwhile (it builds the rootfs in parallel): its cause comes first.
          throw initError(sock) ?? e;
        }
        break;
      case Msg.SECCOMP_FD: {
        // The init loaded a filter with SCMP_ACT_NOTIFY: its listener goes to the seccomp agent.
        const fd = m.fd;
        try {
          if (fd === undefined || !pid || !onSeccompFd) throw new OcitsError('EINIT', 'container init sent a seccomp fd out of order');
          onSeccompFd(fd, pid);
        } finally {
          if (fd !== undefined) n.close(fd);
        }
        log.step('create: seccomp notify fd handed to the agent');
        n.send(sock, Msg.SECCOMP_DONE);
        break;
      }
      case Msg.HOOKS: {
        // After the mounts, before pivot_root: prestart and createRuntime run
        // here (a failure throws and create undoes everything); the init gets
        // the states for its own createContainer and startContainer hooks.
        if (!pid || !onHooks) throw new OcitsError('EINIT', 'container init reached its hook point out of order');
        const states = onHooks(pid);
        log.step('create: prestart and createRuntime hooks done');
        n.send(sock, Msg.HOOKS_DONE, states);
        break;
      }
      case Msg.READY:
        if (!pid) throw new OcitsError('EINIT', 'container init is ready but its pid is unknown');
        return { pid, startTime: m.payload!.toString('utf8') };
      case Msg.ERROR:
        throw new OcitsError('EINIT', m.payload!.toString('utf8'), { errno: m.err });
      case Msg.EOF: {
        const w = n.waitpid(stage1, true);
        const how = w.pid && w.signal ? ` (killed by signal ${w.signal})` : w.pid ? ` (exit code ${w.code})` : '';
        throw new OcitsError('EINIT', `container init exited before it was ready${how}`);
      }
      default:
        throw new OcitsError('EINIT', `unexpected message ${m.type} from the container init`);
    }
  }
}

/** The hooks `start` and `delete` run, as the container keeps them. */
function storedHooks(spec: Spec): StoredState['hooks'] {
  const out: NonNullable<StoredState['hooks']> = {};
  for (const k of ['startContainer', 'poststart', 'poststop'] as const) {
    const list = spec.hooks?.[k];
    if (list?.length) out[k] = list;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Stands for the pid in the states the init's own hooks get (addon/init/main.cc replaces it). */
const PID_MARKER = '"@PID@"';

/**
 * At the init's hook point: prestart then createRuntime (status "creating",
 * the init's host pid); the reply carries the states the init hands to its
 * createContainer and startContainer hooks (none when it has none to run).
 */
function createHooks(spec: Spec, state: StoredState, pid: number): Buffer {
  const creating = stateForHook(state, 'creating', pid);
  runHooks('prestart', spec.hooks?.prestart, creating);
  runHooks('createRuntime', spec.hooks?.createRuntime, creating);
  if (!spec.hooks?.createContainer?.length && !spec.hooks?.startContainer?.length) return Buffer.from([0]);
  const created = stateForHook(state, 'created', pid);
  // runtime.md State: hooks run in the container's namespaces see the pid as
  // the container sees it; the init puts its own in place of this marker.
  const forInit = (s: object) => JSON.stringify(s).replace(`"pid":${pid},`, `"pid":${PID_MARKER},`);
  return Buffer.concat([Buffer.from(forInit(creating)), Buffer.from([0]), Buffer.from(forInit(created))]);
}

function frozenCgroup(cg: CgroupManager): OcitsError {
  const dir = cg.paths.freezer ?? cg.paths.unified ?? Object.values(cg.paths)[0];
  return new OcitsError('ECGROUP', `container's cgroup unexpectedly frozen (${dir} is frozen or freezing: thaw it, or use another linux.cgroupsPath)`);
}

export function create(o: CreateOptions): Created {
  const store = new Store(o.root);
  if (!o.systemdCgroup) primeMigration();
  const bundle = path.resolve(o.bundle);
  // Everything that can be checked without touching the host comes first.
  const spec = loadConfig(bundle);
  // As runc: create (and run) works in the bundle directory, so that the
  // hooks it runs (prestart, createRuntime; poststart and poststop in `run`)
  // have it as their working directory. Paths of the command line are
  // absolute already (lib/cli/create.ts).
  process.chdir(bundle);
  log.step(`create ${o.id}: config valid`);
  const rootfs = resolveRootfs(spec, bundle);
  const terminal = !!spec.process?.terminal;
  checkTerminal(terminal, o.consoleSocket, !o.foreground);
  const cg = newManager({ id: o.id, cgroupsPath: spec.linux?.cgroupsPath, systemd: o.systemdCgroup });
  const fifoPath = store.fifo(o.id);
  const warnings: string[] = [];
  const plan = buildPlan(spec, rootfs, {
    bundle,
    fifoPath,
    noPivot: o.noPivot,
    keyring: o.noNewKeyring ? undefined : o.id,
    cgroupHierarchies: hierarchiesOf(cg),
    warnings,
    callerUmask: process.umask(),
  });
  // A host fact, not a config one, so checked here rather than in the (pure) planner.
  checkRlimits(spec);
  const capWarning = dropUngrantableCaps(plan.caps);
  if (capWarning) warnings.push(capWarning);
  const fds = passedFds(o.preserveFds);
  if (fds.env.length) plan.env = [...plan.env, ...fds.env];
  for (const w of warnings) log.warn(w);
  checkNamespacePaths(spec);
  const userns = planUserNamespace(spec);
  const planBytes = encodePlan(plan);
  log.step(`create ${o.id}: planned`);
  // As runc: an init placed in a frozen cgroup would never report; refuse at
  // once (and leave a cgroup that was there, frozen, alone).
  if (cg.freezing()) throw frozenCgroup(cg);

  store.claim(o.id);
  const undo: (() => void)[] = [() => store.remove(o.id)];
  // runtime.md, lifecycle steps 12-13: once the init exists, a failed create
  // is destroyed and then its poststop hooks run (warnings only), as delete
  // runs them: after everything else is undone, before the state goes.
  let initSpawned = false;
  undo.push(() => {
    if (initSpawned && spec.hooks?.poststop?.length) {
      runHooksWarn('poststop', spec.hooks.poststop, stateForHook({ id: o.id, bundle, annotations: spec.annotations }, 'stopped', 0));
    }
  });
  let lock: Lock | undefined;
  const n = native();
  let sock = -1;
  let stage1 = 0;
  let pid = 0;
  // process.terminal: the end the init sends the pty master over (the
  // caller's socket, connected here on the host side, or one end of our own
  // pair in the foreground), closed here once it went with the plan.
  let consoleFd = -1;
  let consoleOurs = -1;
  let stdio: PipedStdio | undefined;
  try {
    lock = Lock.acquire(store.dir(o.id));
    const state: StoredState = {
      ociVersion: spec.ociVersion,
      id: o.id,
      pid: 0,
      initStartTime: '',
      bundle,
      rootfs,
      created: rfc3339Nano(),
      owner: '',
      creating: true,
      systemdCgroup: !!o.systemdCgroup,
      newPidNs: (plan.cloneFlags & CLONE.pid) !== 0,
    };
    if (spec.annotations && Object.keys(spec.annotations).length) state.annotations = spec.annotations;
    // As runc keeps its config: later edits to config.json do not change the hooks start and delete run.
    const laterHooks = storedHooks(spec);
    if (laterHooks) state.hooks = laterHooks;
    n.mkfifo(fifoPath, 0o622);
    // No mount namespace: the init mounts in ours. Recorded before it runs,
    // so that delete --force of a create killed half way removes them.
    if (plan.flags & PlanFlag.HOST_MOUNT_NS) state.hostMounts = recordHostMounts(rootfs);
    // Recorded before the cgroup exists, so that `delete --force` of a create
    // killed half way knows what to remove.
    state.cgroup = cg.toJSON();
    store.write(state);
    // As runc 1.1: a cgroup that already holds processes (another
    // container's) is used with a warning, and an undo must never kill them.
    const inUse = cg.pids().length;
    if (inUse) log.warn(`container's cgroup is not empty: ${inUse} process(es) found`);
    else undo.push(() => cg.destroy());
    cg.create();
    // a new cgroup below a frozen one is frozen too
    if (cg.freezing()) throw frozenCgroup(cg);
    // device rules: v1 devices.allow/deny where the controller is v1, else the v2 eBPF program
    applyDevices(cg, spec, native);
    // linux.resources before the init joins (runc's order); an error names the field
    if (spec.linux?.resources) cg.set(spec.linux.resources, (m) => log.warn(m));

    log.step(`create ${o.id}: cgroup created`);
    if (terminal) {
      const c = consoleSocketFor(o.consoleSocket);
      consoleFd = c.initEnd;
      consoleOurs = c.ours ?? -1;
    }
    if (o.foreground && !terminal) {
      stdio = pipedStdio();
      undo.push(() => stdio?.abort());
    }
    const spawned = n.spawnInit(initPath(), fds.count, stdio?.child);
    stdio?.attach();
    sock = spawned.sock;
    stage1 = spawned.pid;
    initSpawned = true;
    log.step(`create ${o.id}: init spawned`);
    // (undone after the init is killed below: once it is gone, nothing mounts any more)
    if (state.hostMounts) {
      const hm = state.hostMounts;
      undo.push(() => {
        if (pid) n.awaitExit(pid, 5000);
        removeHostMounts(hm);
      });
    }
    undo.push(() => {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (stage1) {
        try {
          process.kill(stage1, 'SIGKILL');
        } catch {
          /* gone */
        }
        try {
          n.waitpid(stage1);
        } catch {
          /* already reaped */
        }
      }
    });
    n.send(sock, Msg.PLAN, planBytes, consoleFd >= 0 ? consoleFd : undefined);
    if (consoleFd >= 0) n.close(consoleFd);
    consoleFd = -1;
    const toAgent = (fd: number, p: number) => sendToAgent(spec.linux!.seccomp!, { id: o.id, bundle, annotations: spec.annotations }, p, fd);
    const ready = driveInit(sock, stage1, cg, (p) => (pid = p), userns, toAgent, (p) => createHooks(spec, state, p));
    log.step(`create ${o.id}: init ${pid} ready`);
    const w = n.waitpid(stage1);
    stage1 = 0;
    if (w.code !== 0) throw new OcitsError('EINIT', `container init stage 1 exited with ${w.code}`);
    state.pid = pid;
    // In a time namespace the init sees its own start time shifted by the
    // boottime offset: record the host's view, which every later check reads.
    const timens = (plan.cloneFlags & CLONE.time) !== 0 || plan.joins.some((j) => j.type === CLONE.time);
    state.initStartTime = (timens && procInfo(pid)?.startTime) || ready.startTime;
    delete state.creating;
    if (o.pidFile) writeFileAtomic(path.resolve(o.pidFile), String(pid));
    store.write(state);
    const consoleEnd = consoleOurs >= 0 ? consoleOurs : undefined;
    consoleOurs = -1;
    return { pid, state, spec, console: consoleEnd, stdio };
  } catch (e) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (u) {
        log.warn(`undo create: ${(u as Error).message}`);
      }
    }
    throw e instanceof OcitsError ? e : wrapError(e, 'create');
  } finally {
    if (sock >= 0) n.close(sock);
    if (consoleFd >= 0) n.close(consoleFd);
    if (consoleOurs >= 0) n.close(consoleOurs);
    lock?.release();
  }
}
