// Connecting to a caller's AF_UNIX SOCK_STREAM socket by path (the console
// socket, a seccomp agent): close-on-exec, with a send timeout so that a
// peer that never accepts (a full backlog) cannot hang the runtime.
#pragma once
#include <errno.h>
#include <string.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace ocits_native {

// Returns the connected fd, or -1 with errno set (ENAMETOOLONG for a path
// that does not fit a sockaddr_un). connect() completes on the listener's
// backlog: the peer need not have accepted yet.
inline int connect_unix(const std::string& path) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(addr.sun_path, path.data(), path.size());
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct timeval tv = {30, 0};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int rc;
  do rc = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr); while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

}  // namespace ocits_native
