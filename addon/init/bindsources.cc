// Bind mount sources opened before the user namespace (as runc's
// mountFds): in a new user namespace the container's root is an unprivileged
// host uid, which may not reach a source the host's root can (a directory
// under a 0700 one). A helper forked before any namespace exists stays the
// host's root; once stage 1 has its namespaces, the helper enters stage 1's
// mount namespace (so that the fds name mounts of it, which mount(2) needs),
// opens every bind source there with O_PATH and sends the fds back. The init
// then mounts from /proc/self/fd/N.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"
#include "../common/procfs.h"
#include "../common/protocol.h"
#include "../common/wire.h"

namespace ocits {

// Private to this pair of processes: one message per bind mount, in plan order.
enum : uint32_t { BS_GO = 1, BS_FD = 2, BS_ERROR = 3 };

static bool needs_opener(const Plan& p) {
  bool userns = (p.clone_flags & CLONE_NEWUSER) != 0;
  for (const NsJoin& j : p.joins) userns = userns || j.type == CLONE_NEWUSER;
  if (!userns || (p.flags & PF_EXEC)) return false;
  for (const MountEntry& m : p.mounts)
    if ((m.ext & ME_BIND) && !m.source.empty()) return true;
  return false;
}

[[noreturn]] static void opener(int sock, const Plan& p) {
  MsgHeader h;
  std::vector<uint8_t> buf;
  if (!wire_recv(sock, &h, &buf) || h.type != BS_GO) _exit(0);  // stage 1 failed: nothing to do
  int nsfd = procfs_open_link(procfs_pid_dir(getppid()) + "ns", "mnt", O_RDONLY);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNS) < 0) {
    std::string why = "enter the container's mount namespace to open the bind sources";
    wire_send(sock, BS_ERROR, errno, why.data(), static_cast<uint32_t>(why.size()));
    _exit(1);
  }
  for (const MountEntry& m : p.mounts) {
    if (!(m.ext & ME_BIND) || m.source.empty()) continue;
    int fd = open(m.source.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      std::string why = "mount " + shown(m.dest) + ": bind source " + shown(m.source);
      wire_send(sock, BS_ERROR, e, why.data(), static_cast<uint32_t>(why.size()));
      _exit(1);
    }
    if (wire_send_fd(sock, BS_FD, 0, nullptr, 0, fd) < 0) _exit(1);
    close(fd);
  }
  _exit(0);
}

static pid_t opener_pid = 0;

int start_bind_source_opener(const Plan& p) {
  if (!needs_opener(p)) return -1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) fail_errno("socketpair for the bind sources");
  pid_t pid = fork();
  if (pid < 0) fail_errno("fork the bind source opener");
  if (pid == 0) {
    close(sv[0]);
    opener(sv[1], p);
  }
  close(sv[1]);
  opener_pid = pid;
  return sv[0];
}

void receive_bind_sources(int helper, Plan* p) {
  if (helper < 0) return;
  if (wire_send(helper, BS_GO, 0, nullptr, 0) < 0) fail_errno("start the bind source opener");
  for (MountEntry& m : p->mounts) {
    if (!(m.ext & ME_BIND) || m.source.empty()) continue;
    MsgHeader h;
    std::vector<uint8_t> buf;
    int fd = -1;
    if (!wire_recv_fd(helper, &h, &buf, &fd)) fail(EPROTO, "the bind source opener went away");
    if (h.type == BS_ERROR) fail(h.err, "%.*s", static_cast<int>(buf.size()), reinterpret_cast<const char*>(buf.data()));
    if (h.type != BS_FD || fd < 0) fail(EPROTO, "the bind source opener sent no fd for %s", shown(m.source).c_str());
    m.source_fd = fd;
  }
  close(helper);
  int status;
  while (waitpid(opener_pid, &status, 0) < 0 && errno == EINTR) {}
}

}  // namespace ocits
