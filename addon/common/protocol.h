// The parent <-> init protocol: small typed messages over one SOCK_SEQPACKET
// socketpair. The TypeScript mirror is lib/native/protocol.ts: keep both in step.
#pragma once
#include <stdint.h>

namespace ocits {

// "OCP1": the init refuses any other plan format.
constexpr uint32_t kPlanMagic = 0x3150434f;

enum MsgType : uint32_t {
  MSG_PLAN = 1,          // parent -> init: the encoded InitPlan (carrying the console socket fd with PF_TERMINAL)
  MSG_PID = 2,           // stage 1 -> parent: u32 host pid of the container init
  MSG_READY = 3,         // init -> parent: fully set up, about to wait on the exec fifo;
                         // payload: its start time (field 22 of /proc/self/stat) as text
  MSG_ERROR = 4,         // init -> parent: errno in header, message "context: cause"
  MSG_HOOKS = 5,         // init -> parent: at a hook point (u32 kind); parent replies MSG_HOOKS_DONE
  MSG_HOOKS_DONE = 6,    // parent -> init
  MSG_MAPS = 7,          // init -> parent: in its new user namespace, write the id maps
  MSG_MAPS_DONE = 8,     // parent -> init
  MSG_CGROUP_JOINED = 9, // parent -> init: the init is in its cgroup on every hierarchy
  MSG_SECCOMP_FD = 10,   // init -> parent: the seccomp notify fd (SCM_RIGHTS); parent replies MSG_SECCOMP_DONE
  MSG_SECCOMP_DONE = 11, // parent -> init: the listener has the fd
  MSG_CHUNK = 12,        // either way: the first part of a message too large for one (wire.h); the
                         // receiver joins the parts, the last of which has the real type
};

struct MsgHeader {
  uint32_t type;
  int32_t err;   // errno for MSG_ERROR, 0 otherwise
  uint32_t len;  // payload bytes following the header
  uint32_t pad;
};

// Plan flag bits (u32 "flags" field of the plan).
enum PlanFlags : uint32_t {
  PF_NO_PIVOT = 1u << 0,
  PF_READONLY_ROOT = 1u << 1,
  PF_NO_NEW_PRIVS = 1u << 2,
  PF_SET_HOSTNAME = 1u << 3,
  PF_SET_DOMAINNAME = 1u << 4,
  PF_SETUP_DEV = 1u << 5,      // create default devices and /dev symlinks
  PF_HAS_CAPS = 1u << 6,
  PF_HAS_OOM = 1u << 7,
  PF_LOOPBACK = 1u << 8,       // bring "lo" up in a new network namespace
  PF_BIND_DEVICES = 1u << 9,   // bind-mount device nodes from the host instead of mknod
  // 1u << 10: free (was a umask flag; the umask is always sent)
  PF_HAS_IOPRIO = 1u << 11,       // ioprio_set(IOPRIO_WHO_PROCESS, 0, ioprio)
  PF_HAS_SCHED = 1u << 12,        // sched_setattr with the plan's scheduler fields
  PF_HAS_PERSONALITY = 1u << 13,  // personality(persona)
  PF_SECCOMP_NOTIFY = 1u << 14,   // the filter has SCMP_ACT_NOTIFY: load it with a listener, hand the fd to the parent
  PF_TERMINAL = 1u << 15,         // process.terminal: make a pty, send its master over the console socket (the fd
                                  // that came with MSG_PLAN), the slave becomes stdio and controlling terminal
  PF_EXEC = 1u << 16,             // exec into a running container: join its namespaces (plan.joins), chroot to
                                  // plan.rootfs (/proc/PID/root), no rootfs setup, no fifo; success is the
                                  // socket closing on execve
  PF_HOST_MOUNT_NS = 1u << 17,    // no mount namespace: the rootfs is prepared in the runtime's (host propagation
                                  // untouched, the rootfs bind made private), the root entered with chroot
};

// Mount entry flag bits ("ext" field of a mount).
enum MountExt : uint32_t {
  ME_BIND = 1u << 0,        // MS_BIND first, then remount for the other flags
  ME_TMPCOPYUP = 1u << 1,   // a tmpfs filled with a copy of the directory it covers
  ME_ORDINARY_DIR = 1u << 2,  // proc/sysfs: no symlink (nor non-directory) on the destination's path
  ME_DEFER_RO = 1u << 3,      // mounted read-write, made read-only in finalize_rootfs
};

// The hook point announced with MSG_HOOKS (after the mounts, before
// pivot_root): the parent runs prestart and createRuntime hooks, then replies
// MSG_HOOKS_DONE with "<creating state JSON>\0<created state JSON>" for the
// init's own createContainer and startContainer hooks.
enum HookPoint : uint32_t { HOOK_CREATE_RUNTIME = 1 };

}  // namespace ocits
