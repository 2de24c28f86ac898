/** Mirror of addon/common/protocol.h: keep both in step. */
export const PLAN_MAGIC = 0x3150434f;
export const PLAN_VERSION = 3;

export const enum Msg {
  EOF = 0,
  PLAN = 1,
  PID = 2,
  READY = 3,
  ERROR = 4,
  HOOKS = 5,
  HOOKS_DONE = 6,
  MAPS = 7,
  MAPS_DONE = 8,
  CGROUP_JOINED = 9,
  SECCOMP_FD = 10,
  SECCOMP_DONE = 11,
  /** a first part of a large message: joined by the addon (addon/common/wire.h), never seen here */
  CHUNK = 12,
}

export const enum PlanFlag {
  NO_PIVOT = 1 << 0,
  READONLY_ROOT = 1 << 1,
  NO_NEW_PRIVS = 1 << 2,
  SET_HOSTNAME = 1 << 3,
  SET_DOMAINNAME = 1 << 4,
  SETUP_DEV = 1 << 5,
  HAS_CAPS = 1 << 6,
  HAS_OOM = 1 << 7,
  LOOPBACK = 1 << 8,
  BIND_DEVICES = 1 << 9,
  HAS_IOPRIO = 1 << 11,
  HAS_SCHED = 1 << 12,
  HAS_PERSONALITY = 1 << 13,
  SECCOMP_NOTIFY = 1 << 14,
  TERMINAL = 1 << 15,
  EXEC = 1 << 16,
  /** no mount namespace: the rootfs is prepared in the runtime's, the root entered with chroot */
  HOST_MOUNT_NS = 1 << 17,
}

export const enum MountExt {
  BIND = 1 << 0,
  TMPCOPYUP = 1 << 1,
  /** proc or sysfs: every component of the destination must be an ordinary directory (no symlink), as runc */
  ORDINARY_DIR = 1 << 2,
  /** read-only once the rootfs is complete (later mounts, devices or the cwd need it writable first) */
  DEFER_RO = 1 << 3,
}

/**
 * The one hook point the init announces (MSG_HOOKS, after the mounts, before
 * pivot_root): the runtime runs prestart and createRuntime, then replies
 * MSG_HOOKS_DONE with the states the init hands to its own hooks:
 * "<creating state JSON>\0<created state JSON>".
 */
export const enum HookPoint {
  CREATE_RUNTIME = 1,
}
