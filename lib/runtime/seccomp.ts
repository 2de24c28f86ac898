/**
 * The parent's part of SCMP_ACT_NOTIFY (config-linux.md, "seccomp" and "The
 * Container Process State"): the init loaded its filter with a listener and
 * sent the listener fd; it goes to the seccomp agent at linux.seccomp.
 * listenerPath (AF_UNIX, SOCK_STREAM, one connection per state) with the
 * container process state as JSON and the fd in SCM_RIGHTS, as runc sends it:
 *
 *   {"ociVersion":..., "fds":["seccompFd"], "pid":..., "metadata":...,
 *    "state":{"ociVersion":..., "id":..., "status":"creating", "pid":..., "bundle":..., "annotations":{...}}}
 *
 * And what `features` says about seccomp: what libseccomp and this kernel
 * really support.
 */
import { wrapError } from '../errors';
import { native } from '../native';
import { KNOWN_FLAGS, SCMP_CMP } from '../plan/seccomp';
import type { SeccompFeatures } from '../spec/features';
import type { LinuxSeccomp } from '../spec/types';
import { SPEC_VERSION } from '../spec/version';

export interface ContainerRef {
  id: string;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The container process state, key order as runc's (Go struct order; metadata and annotations omitted when empty). */
export function containerProcessState(seccomp: LinuxSeccomp, c: ContainerRef, pid: number): string {
  const state: Record<string, unknown> = { ociVersion: SPEC_VERSION, id: c.id, status: 'creating', pid, bundle: c.bundle };
  if (c.annotations && Object.keys(c.annotations).length) state.annotations = c.annotations;
  const msg: Record<string, unknown> = { ociVersion: SPEC_VERSION, fds: ['seccompFd'], pid };
  if (seccomp.listenerMetadata) msg.metadata = seccomp.listenerMetadata;
  msg.state = state;
  return JSON.stringify(msg);
}

/** Hand the init's notify fd to the seccomp agent. The fd stays the caller's to close. */
export function sendToAgent(seccomp: LinuxSeccomp, c: ContainerRef, pid: number, fd: number): void {
  const path = seccomp.listenerPath ?? '';
  try {
    native().sendSeccompListener(path, Buffer.from(containerProcessState(seccomp, c, pid)), fd);
  } catch (e) {
    throw wrapError(e, 'seccomp: /linux/seccomp/listenerPath', 'EINIT');
  }
}

/** `features`: seccomp as libseccomp and this kernel support it, and libseccomp's version (runc's annotation). */
export function seccompFeatures(): { seccomp: SeccompFeatures; annotations: Record<string, string> } {
  const info = native().seccompInfo();
  return {
    seccomp: {
      enabled: true,
      actions: info.actions,
      operators: Object.keys(SCMP_CMP),
      archs: info.archs,
      knownFlags: KNOWN_FLAGS.map(([name]) => name),
      supportedFlags: KNOWN_FLAGS.map(([name]) => name).filter((f) => info.flags.includes(f)),
    },
    annotations: { 'io.github.seccomp.libseccomp.version': info.version },
  };
}
