// ocits-init entry. Stage 1 (the process the runtime spawned) joins and
// creates namespaces and forks; stage 2 (pid 1 of a new pid namespace) builds
// the container and waits on the exec fifo for `start`. See ARCHITECTURE.md,
// "The process model".
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include "init.h"
#include "../common/protocol.h"

using namespace ocits;

static void hook_point(int sock, const Plan& p, uint32_t point) {
  if (!(p.hook_points & (1u << point))) return;
  if (!send_msg(sock, MSG_HOOKS, 0, &point, sizeof point)) fail_errno("tell the runtime to run hooks");
  uint32_t type;
  std::vector<uint8_t> payload;
  if (!recv_msg(sock, &type, &payload) || type != MSG_HOOKS_DONE) _exit(1);  // the runtime reports the hook failure
}

[[noreturn]] static void stage2(int sock, const Plan& p) {
  umask(0);
  if ((p.flags & PF_SET_HOSTNAME) && sethostname(p.hostname.data(), p.hostname.size()) < 0)
    fail_errno("set hostname %s", p.hostname.c_str());
  if ((p.flags & PF_SET_DOMAINNAME) && setdomainname(p.domainname.data(), p.domainname.size()) < 0)
    fail_errno("set domainname %s", p.domainname.c_str());
  if (p.flags & PF_LOOPBACK) bring_loopback_up();

  // Handles to what must outlive pivot_root: the exec fifo, and our own fd
  // directory through which it is reopened for writing (the container may
  // have no /proc of its own). Both are close-on-exec.
  int fifo = open(p.fifo_path.c_str(), O_PATH | O_CLOEXEC);
  if (fifo < 0) fail_errno("open exec fifo %s", p.fifo_path.c_str());
  int fddir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fddir < 0) fail_errno("open /proc/self/fd");

  prepare_rootfs(p);
  hook_point(sock, p, HOOK_CREATE_RUNTIME);
  hook_point(sock, p, HOOK_CREATE_CONTAINER);
  pivot_into_rootfs(p);
  finalize_rootfs(p);
  apply_rlimits(p);
  apply_oom_score(p);
  std::string exe = look_path(p);
  if ((p.flags & PF_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail_errno("set no_new_privs");
  drop_bounding_caps(p);
  set_user(p);
  apply_caps(p);
  if (!p.cwd.empty() && chdir(p.cwd.c_str()) < 0) fail_errno("chdir to cwd %s (process.cwd)", p.cwd.c_str());
  umask(p.umask);

  if (!send_msg(sock, MSG_READY, 0, nullptr, 0)) _exit(1);
  close(sock);
  set_report_fd(-1);

  // Blocks until `start` opens the fifo for reading.
  int w;
  do w = openat(fddir, std::to_string(fifo).c_str(), O_WRONLY | O_CLOEXEC); while (w < 0 && errno == EINTR);
  if (w < 0) fail_errno("open exec fifo");
  if (write(w, "0", 1) != 1) fail_errno("write exec fifo");
  close(w);
  close(fifo);
  close(fddir);
  exec_process(p, exe);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    static const char msg[] = "ocits-init: this program is started by ocits, not by hand\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}
    return 1;
  }
  int sock = atoi(argv[1]);
  // Nothing above the socket is ours to keep: our own image (a sealed memfd)
  // and anything the runtime's caller left open without close-on-exec.
  syscall(SYS_close_range, sock + 1, ~0U, 0);
  if (fcntl(sock, F_SETFD, FD_CLOEXEC) < 0) return 1;
  set_report_fd(sock);

  uint32_t type;
  std::vector<uint8_t> buf;
  if (!recv_msg(sock, &type, &buf)) _exit(1);  // the runtime went away
  if (type != MSG_PLAN) fail(EPROTO, "init: expected the plan, got message %u", type);
  Plan p;
  std::string why;
  if (!decode_plan(buf, &p, &why)) fail(EPROTO, "init: %s", why.c_str());
  buf.clear();
  buf.shrink_to_fit();

  join_namespaces(p);
  if (p.clone_flags && unshare(static_cast<int>(p.clone_flags)) < 0) fail_errno("create namespaces (linux.namespaces)");

  pid_t child = fork();
  if (child < 0) fail_errno("fork the container init");
  if (child == 0) {
    stage2(sock, p);
  }
  uint32_t pid = static_cast<uint32_t>(child);
  if (!send_msg(sock, MSG_PID, 0, &pid, sizeof pid)) {
    kill(child, SIGKILL);
    _exit(1);
  }
  _exit(0);
}
