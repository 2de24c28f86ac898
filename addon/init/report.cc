// Messages to the parent. A failure is reported as MSG_ERROR (errno + one line
// "context: cause") before the init exits, so the CLI prints the real cause.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "init.h"
#include "../common/protocol.h"
#include "../common/wire.h"

namespace ocits {

static int g_report_fd = -1;

void set_report_fd(int fd) { g_report_fd = fd; }

bool send_msg(int fd, uint32_t type, int32_t err, const void* data, uint32_t len) {
  return wire_send(fd, type, err, data, len) == static_cast<ssize_t>(sizeof(MsgHeader) + len);
}

bool recv_msg(int fd, uint32_t* type, std::vector<uint8_t>* payload) {
  MsgHeader h;
  if (!wire_recv(fd, &h, payload)) return false;
  *type = h.type;
  return true;
}

std::string errstr(int err) {
  // Go-style lower-case errno text: callers (conmon) match "no such file or directory".
  std::string s = strerror(err);
  if (s.size() > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z')) s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

static void vreport(int err, const char* fmt, va_list ap) {
  char msg[4096];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  if (n < 0) n = 0;
  if (n >= static_cast<int>(sizeof msg)) n = sizeof msg - 1;
  if (err) {
    int m = snprintf(msg + n, sizeof msg - n, ": %s", errstr(err).c_str());
    if (m > 0) n += m;
    if (n >= static_cast<int>(sizeof msg)) n = sizeof msg - 1;
  }
  if (g_report_fd < 0 || !send_msg(g_report_fd, MSG_ERROR, err, msg, n)) {
    // No parent to tell (after the fifo was released): stderr is all we have.
    dprintf(2, "ocits: %.*s\n", n, msg);
  }
}

void fail(int err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(err, fmt, ap);
  va_end(ap);
  _exit(err == ENOENT ? 127 : (err == EACCES ? 126 : 1));
}

void fail_errno(const char* fmt, ...) {
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  vreport(err, fmt, ap);
  va_end(ap);
  _exit(1);
}

}  // namespace ocits
