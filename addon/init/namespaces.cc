// Stage 1's namespace work: joining namespaces by path (user first, as the
// kernel requires), a new user namespace (its maps written by the parent),
// becoming root in it, time namespace offsets; and the loopback interface of
// a new network namespace.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "init.h"
#include "../common/procfs.h"
#include "../common/protocol.h"

namespace ocits {

static const char* ns_name(uint32_t type) {
  switch (type) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWCGROUP: return "cgroup";
    case CLONE_NEWTIME: return "time";
    default: return "unknown";
  }
}

// The order runc joins in: user first (it grants the capabilities the other
// joins need), then ipc, uts, network, pid (children only), mount, cgroup and
// time (children only; both take effect with the fork that follows).
static const uint32_t kJoinOrder[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS,    CLONE_NEWNET,
                                      CLONE_NEWPID,  CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWTIME};

void join_namespaces(const Plan& p) {
  // Open every path first (the mount namespace join changes what paths mean).
  std::vector<int> fds(p.joins.size(), -1);
  for (size_t i = 0; i < p.joins.size(); i++) {
    fds[i] = open(p.joins[i].path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) fail_errno("join %s namespace: open %s", ns_name(p.joins[i].type), shown(p.joins[i].path).c_str());
  }
  for (uint32_t type : kJoinOrder) {
    for (size_t i = 0; i < p.joins.size(); i++) {
      const NsJoin& j = p.joins[i];
      if (j.type != type) continue;
      if (setns(fds[i], static_cast<int>(j.type)) < 0) {
        if (errno == EINVAL) {
          int actual = ioctl(fds[i], NS_GET_NSTYPE);
          if (actual < 0) fail(EINVAL, "join %s namespace: %s is not a namespace", ns_name(j.type), shown(j.path).c_str());
          if (static_cast<uint32_t>(actual) != j.type)
            fail(EINVAL, "join %s namespace: %s is of another type (%s)", ns_name(j.type), shown(j.path).c_str(), ns_name(actual));
        }
        fail_errno("join %s namespace: setns %s", ns_name(j.type), shown(j.path).c_str());
      }
      close(fds[i]);
    }
  }
}

static bool joins_user_namespace(const Plan& p) {
  for (const NsJoin& j : p.joins)
    if (j.type == CLONE_NEWUSER) return true;
  return false;
}

void create_user_namespace(int sock, const Plan& p) {
  if (!(p.clone_flags & CLONE_NEWUSER)) return;
  if (unshare(CLONE_NEWUSER) < 0) fail_errno("create user namespace (linux.namespaces)");
  // Only a process of the parent user namespace may write our maps: the
  // runtime does. Dumpable meanwhile (as runc), so that our /proc/PID files
  // belong to us and a runtime without root may write them.
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) fail_errno("set the init dumpable for its id maps");
  if (!send_msg(sock, MSG_MAPS, 0, nullptr, 0)) _exit(1);
  uint32_t type;
  std::vector<uint8_t> payload;
  if (!recv_msg(sock, &type, &payload)) _exit(1);  // the runtime could not write them, and says why
  if (type != MSG_MAPS_DONE) fail(EPROTO, "init: expected the id maps to be written, got message %u", type);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail_errno("set the init non-dumpable");
}

void set_time_offsets(const Plan& p) {
  if (!(p.clone_flags & CLONE_NEWTIME) || p.time_offsets.empty()) return;
  // Only possible before any process is in the new namespace: our children
  // enter it when we fork.
  std::string text;
  for (const TimeOffset& o : p.time_offsets) {
    char line[64];
    snprintf(line, sizeof line, "%u %lld %u\n", o.clock, static_cast<long long>(o.secs), o.nanos);
    text += line;
  }
  if (int err = procfs_write(procfs_pid_dir(0) + "timens_offsets", text))
    fail(err, "set time offsets (linux.timeOffsets): write /proc/self/timens_offsets");
}

void become_root(const Plan& p) {
  if (!(p.clone_flags & CLONE_NEWUSER) && !joins_user_namespace(p)) return;
  // As runc: the rest of the setup runs as the container's root, so that what
  // it creates (mount points, /dev nodes, the keyring) belongs to it. The
  // process's own user is set at the very end.
  if (setresgid(0, 0, 0) < 0) fail_errno("become root in the user namespace: set gid 0 (is gid 0 mapped? linux.gidMappings)");
  if (setresuid(0, 0, 0) < 0) fail_errno("become root in the user namespace: set uid 0 (is uid 0 mapped? linux.uidMappings)");
  // Drop the host's supplementary groups; a joined namespace may deny setgroups.
  if (setgroups(0, nullptr) < 0 && errno != EPERM) fail_errno("become root in the user namespace: setgroups");
}

void bring_loopback_up() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail_errno("loopback: socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail_errno("loopback: get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail_errno("loopback: set lo up");
  close(s);
}

}  // namespace ocits
