// ocits-init entry. Stage 1 (the process the runtime spawned) joins and
// creates namespaces and forks; stage 2 (pid 1 of a new pid namespace) builds
// the container and waits on the exec fifo for `start`. See ARCHITECTURE.md,
// "The process model".
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include "init.h"
#include "../common/procfs.h"
#include "../common/protocol.h"
#include "../common/wire.h"

using namespace ocits;

// The states the init's own hooks get on stdin, from the parent at the hook point.
struct HookStates { std::string creating, created; };

// After the mounts: the parent runs prestart and createRuntime hooks and
// replies with the states for createContainer and startContainer.
static HookStates hook_point(int sock, const Plan& p) {
  HookStates s;
  if (!p.hook_points) return s;
  uint32_t point = HOOK_CREATE_RUNTIME;
  if (!send_msg(sock, MSG_HOOKS, 0, &point, sizeof point)) fail_errno("tell the runtime to run hooks");
  uint32_t type;
  std::vector<uint8_t> payload;
  if (!recv_msg(sock, &type, &payload) || type != MSG_HOOKS_DONE) _exit(1);  // the runtime reports the hook failure
  std::string all(payload.begin(), payload.end());
  size_t nul = all.find('\0');
  s.creating = all.substr(0, nul);
  if (nul != std::string::npos) s.created = all.substr(nul + 1);
  // runtime.md State: for hooks in the container's namespaces, the pid as
  // the container sees it (ours: 1 in a new pid namespace).
  const std::string marker = "\"pid\":\"@PID@\"";
  const std::string mine = "\"pid\":" + std::to_string(getpid());
  for (std::string* st : {&s.creating, &s.created}) {
    size_t at = st->find(marker);
    if (at != std::string::npos) st->replace(at, marker.size(), mine);
  }
  return s;
}

// The parent places us in the container's cgroup while we build the rootfs;
// nothing that depends on the cgroup may happen before it says so.
static void await_cgroup(int sock, const Plan& p) {
  uint32_t type;
  std::vector<uint8_t> payload;
  if (!recv_msg(sock, &type, &payload)) _exit(1);  // the runtime went away (and reports why)
  if (type != MSG_CGROUP_JOINED) fail(EPROTO, "init: expected the cgroup to be joined, got message %u", type);
  if ((p.clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) fail_errno("create cgroup namespace");
}

// Field 22 of our own stat: the parent records it so that a reused pid is
// never taken for this container.
static std::string own_start_time() {
  std::string stat;
  if (int err = procfs_read(procfs_pid_dir(0) + "stat", &stat, 4096)) fail(err, "read /proc/self/stat");
  const char* buf = stat.c_str();
  const char* q = strrchr(buf, ')');
  int field = 2;
  for (q = q ? q + 1 : buf; *q && field < 22; q++)
    if (*q == ' ') field++;
  const char* end = q;
  while (*end && *end != ' ') end++;
  return std::string(q, end);
}

// The process itself, in the container's root (new or joined): everything
// from rlimits to the seccomp notify hand-over. Returns the resolved program.
static std::string prepare_process(int sock, const Plan& p, std::string* home_out) {
  apply_rlimits(p);
  apply_process_extras(p);
  apply_lsm_exec_labels(p);
  *home_out = home_of(p.uid);
  if ((p.flags & PF_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail_errno("set no_new_privs");
  Plan held;  // the same plan, with CAP_SYS_ADMIN kept until the seccomp filter is loaded (seccomp.cc)
  const Plan& caps = seccomp_caps_plan(p, &held);
  // As runc: the cwd is entered before the ids change (a directory only root
  // can enter, /root with uid 42), and again after them when root was refused
  // (a directory only the container's user can enter: a volume it owns).
  bool cwd_later = !enter_cwd(p, true);
  drop_bounding_caps(caps);
  set_user(caps);
  if (cwd_later) enter_cwd(p, false);
  apply_caps(caps);
  {
    // The cwd must be inside the container: a magic link such as
    // /proc/self/fd/N to one of our own (host) fds would lead out of it (the
    // CVE-2024-21626 class). getcwd fails, or is not absolute, for a directory
    // that is not reachable from our root.
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/') fail(EPERM, "cwd %s (process.cwd) is outside the container", shown(p.cwd).c_str());
  }
  // As runc: the program is looked up (PATH, a relative name against the
  // cwd) as the container's user, and must be executable by it, so that
  // create fails rather than start.
  std::string exe = look_path(p);
  check_executable(exe);
  refuse_own_image(exe);
  umask(p.umask);
  seccomp_before_ready(sock, p);
  return exe;
}

// exec into a running container: stage 1 joined its namespaces; the root is
// the init's (opened before the mount namespace was joined, so a container
// made with --no-pivot cannot leave us on the namespace's original root).
[[noreturn]] static void stage2_exec(int sock, const Plan& p, int rootfd, int console_sock) {
  await_cgroup(sock, p);
  if (fchdir(rootfd) < 0 || chroot(".") < 0) fail_errno("enter the container's root");
  close(rootfd);
  if (p.flags & PF_TERMINAL) setup_console(p, console_sock, false);
  std::string home;
  std::string exe = prepare_process(sock, p, &home);
  // The socket stays open (close-on-exec) until execve: its closing tells
  // the runtime the process runs; a failure before is reported on it.
  exec_process(p, exe, home);
}

[[noreturn]] static void stage2(int sock, const Plan& p, int fifo, int console_sock) {
  umask(0);
  std::string start_time = own_start_time();
  // A cgroup namespace must be rooted in the container's cgroup, and so must
  // a cgroup2 mount made inside it: then nothing may overlap with the join.
  // Without a mount namespace the mounts are the host's: none is made before
  // the init is in its cgroup, so that a delete --force of a create cut off
  // half way finds (and kills) whatever could still be mounting.
  bool overlap = !(p.clone_flags & CLONE_NEWCGROUP) && !(p.flags & PF_HOST_MOUNT_NS);
  if (!overlap) await_cgroup(sock, p);
  if ((p.flags & PF_SET_HOSTNAME) && sethostname(p.hostname.data(), p.hostname.size()) < 0)
    fail_errno("set hostname %s", shown(p.hostname).c_str());
  if ((p.flags & PF_SET_DOMAINNAME) && setdomainname(p.domainname.data(), p.domainname.size()) < 0)
    fail_errno("set domainname %s", shown(p.domainname).c_str());
  if (p.flags & PF_LOOPBACK) bring_loopback_up();
  join_session_keyring(p);

  // Handles to what must outlive pivot_root: the exec fifo (opened by stage
  // 1), and our own fd directory through which it is reopened for writing
  // (the container may have no /proc of its own). Both are close-on-exec.
  int fddir = procfs_open(procfs_pid_dir(0) + "fd", O_PATH | O_DIRECTORY);
  if (fddir < 0) fail_errno("open /proc/self/fd");

  prepare_rootfs(p);
  if (overlap) await_cgroup(sock, p);
  HookStates states = hook_point(sock, p);
  std::string why;
  // As runc: createContainer hooks run with the container's root as their
  // working directory (a hook writing ./lib/x writes into the rootfs).
  if (!p.create_container_hooks.empty() && chdir(p.rootfs.c_str()) < 0) fail_errno("chdir %s", shown(p.rootfs).c_str());
  if (!run_hooks(p.create_container_hooks, states.creating, "createContainer", &why)) fail(0, "%s", why.c_str());
  pivot_into_rootfs(p);
  if (p.flags & PF_TERMINAL) setup_console(p, console_sock, true);
  finalize_rootfs(p);
  std::string home;
  std::string exe = prepare_process(sock, p, &home);

  if (!send_msg(sock, MSG_READY, 0, start_time.data(), static_cast<uint32_t>(start_time.size()))) _exit(1);
  close(sock);
  set_report_fd(-1);

  // Blocks until `start` opens the fifo for reading.
  int w;
  do w = openat(fddir, std::to_string(fifo).c_str(), O_WRONLY | O_CLOEXEC); while (w < 0 && errno == EINTR);
  if (w < 0) fail_errno("open exec fifo");
  // `start` is reading: startContainer hooks run now, and `start` learns
  // their outcome from the fifo ("0", or the failure's text).
  if (!run_hooks(p.start_container_hooks, states.created, "startContainer", &why)) {
    if (write(w, why.data(), why.size()) < 0) {}
    fail(0, "%s", why.c_str());
  }
  if (write(w, "0", 1) != 1) fail_errno("write exec fifo");
  close(w);
  close(fifo);
  close(fddir);
  exec_process(p, exe, home);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    static const char msg[] = "ocits-init: this program is started by ocits, not by hand\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}
    return 1;
  }
  int sock = atoi(argv[1]);
  // Every signal to its default disposition, none blocked: the container
  // must not inherit what the runtime had. glibc's posix_spawn leaves its own
  // internal signals (32, 33) ignored, which glibc's sigaction cannot undo,
  // so the raw syscall (an all-zero kernel sigaction is SIG_DFL).
  {
    char dfl[64] = {};
    for (int sig = 1; sig <= 64; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, dfl, nullptr, 8);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
  }
  // Nothing above the socket is ours to keep: our own image (a sealed memfd)
  // and anything the runtime's caller left open without close-on-exec.
  syscall(SYS_close_range, sock + 1, ~0U, 0);
  if (fcntl(sock, F_SETFD, FD_CLOEXEC) < 0) return 1;
  set_report_fd(sock);

  MsgHeader h;
  std::vector<uint8_t> buf;
  int console_sock = -1;  // with PF_TERMINAL: the caller's console socket, connected by the runtime
  if (!wire_recv_fd(sock, &h, &buf, &console_sock)) _exit(1);  // the runtime went away
  if (h.type != MSG_PLAN) fail(EPROTO, "init: expected the plan, got message %u", h.type);
  Plan p;
  std::string why;
  if (!decode_plan(buf, &p, &why)) fail(EPROTO, "init: %s", why.c_str());
  buf.clear();
  buf.shrink_to_fit();

  // Before any namespace, as runc: the exec fifo in the state dir (which the
  // root of a user namespace may not reach), and the oom score (a process in
  // a user namespace cannot write its own oom_score_adj once it changed ids).
  bool exec_mode = p.flags & PF_EXEC;
  // Not dumpable while we hold host resources (the socket to the runtime,
  // the exec fifo, the root of an exec): a process of the container we join
  // or create (its root, or an exec'd process in the same user namespace)
  // must not ptrace us or open our /proc/PID/fd (the CVE-2016-9962 class).
  // execve makes the container's process dumpable again, as usual.
  if ((p.clone_flags || !p.joins.empty()) && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail_errno("set the init non-dumpable");
  if ((p.flags & PF_TERMINAL) && console_sock < 0) fail(EINVAL, "init: a terminal without a console socket");
  // The verified procfs handle every /proc access goes through (procfs.h):
  // opened now, while we are still the runtime's own (a private procfs of the
  // host's pid namespace, whatever the container's /proc will be), and kept
  // by both stages until execve.
  if (procfs_root() < 0) fail_errno("open a private procfs");
  int fifo = -1, rootfd = -1;
  if (exec_mode) {
    rootfd = open(p.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) fail_errno("open the container's root %s", shown(p.rootfs).c_str());
  } else {
    fifo = open(p.fifo_path.c_str(), O_PATH | O_CLOEXEC);
    if (fifo < 0) fail_errno("open exec fifo %s", shown(p.fifo_path).c_str());
  }
  apply_oom_score(p);

  int opener = start_bind_source_opener(p);
  join_namespaces(p);
  create_user_namespace(sock, p);
  // The cgroup namespace is the init's, once in its cgroup.
  uint32_t now = p.clone_flags & ~static_cast<uint32_t>(CLONE_NEWCGROUP | CLONE_NEWUSER);
  if (now && unshare(static_cast<int>(now)) < 0) fail_errno("create namespaces (linux.namespaces)");
  set_time_offsets(p);
  receive_bind_sources(opener, &p);
  become_root(p);

  // As runc's stage-1: CLONE_PARENT makes the container's init (or exec'd
  // process) a child of the runtime itself, which can then wait for it
  // without being a subreaper (run --no-subreaper), and which leaves it to
  // the caller's subreaper when it exits (create, run -d, exec -d).
  pid_t child = static_cast<pid_t>(syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0));
  if (child < 0) fail_errno("fork the container init");
  if (child == 0) {
    if (exec_mode) stage2_exec(sock, p, rootfd, console_sock);
    stage2(sock, p, fifo, console_sock);
  }
  uint32_t pid = static_cast<uint32_t>(child);
  if (!send_msg(sock, MSG_PID, 0, &pid, sizeof pid)) {
    kill(child, SIGKILL);
    _exit(1);
  }
  _exit(0);
}
