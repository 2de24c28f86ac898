// Joining namespaces by path (user first, as the kernel requires) and the
// loopback interface of a new network namespace.
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "init.h"

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

void join_namespaces(const Plan& p) {
  // Open every path first (the mount namespace join changes what paths mean),
  // then join the user namespace before any other.
  std::vector<int> fds(p.joins.size(), -1);
  for (size_t i = 0; i < p.joins.size(); i++) {
    fds[i] = open(p.joins[i].path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) fail_errno("join %s namespace: open %s", ns_name(p.joins[i].type), p.joins[i].path.c_str());
  }
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < p.joins.size(); i++) {
      bool user = p.joins[i].type == CLONE_NEWUSER;
      if ((pass == 0) != user) continue;
      if (setns(fds[i], static_cast<int>(p.joins[i].type)) < 0) {
        if (errno == EINVAL)
          fail(EINVAL, "join %s namespace: %s is not a %s namespace", ns_name(p.joins[i].type), p.joins[i].path.c_str(),
               ns_name(p.joins[i].type));
        fail_errno("join %s namespace: setns %s", ns_name(p.joins[i].type), p.joins[i].path.c_str());
      }
      close(fds[i]);
    }
  }
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
