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
#include "../common/errtext.h"
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

std::string errstr(int err) { return go_strerror(err); }

std::string shown(const std::string& s) {
  // Twin of inputText in lib/errors.ts: one line, at most kEchoMax bytes (not
  // half a UTF-8 character), then its length. errno is kept: callers pass
  // this as an argument of fail_errno.
  constexpr size_t kEchoMax = 128;
  int saved = errno;
  size_t end = s.size() > kEchoMax ? kEchoMax : s.size();
  while (end < s.size() && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) end--;
  std::string out;
  for (size_t i = 0; i < end; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      snprintf(hex, sizeof hex, "\\u%04x", c);
      out += hex;
    } else out += static_cast<char>(c);
  }
  if (end < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
  errno = saved;
  return out;
}

// The whole report, however long its context; past kReportMax the middle is
// left out, never its end: the cause (the errno text, the kernel's reason)
// comes last. Echoed input is bounded by shown() already.
static void vreport(int err, const char* fmt, va_list ap) {
  constexpr size_t kReportMax = 16384;
  std::string msg;
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(nullptr, 0, fmt, ap);
  if (n > 0) {
    msg.resize(static_cast<size_t>(n) + 1);
    vsnprintf(&msg[0], msg.size(), fmt, again);
    msg.resize(static_cast<size_t>(n));
  }
  va_end(again);
  if (err) msg += ": " + errstr(err);
  if (msg.size() > kReportMax) {
    size_t keep = (kReportMax - 64) / 2;
    std::string cut = " ... (" + std::to_string(msg.size() - 2 * keep) + " bytes left out) ... ";
    msg = msg.substr(0, keep) + cut + msg.substr(msg.size() - keep);
  }
  if (g_report_fd < 0 || !send_msg(g_report_fd, MSG_ERROR, err, msg.data(), static_cast<uint32_t>(msg.size()))) {
    // No parent to tell (after the fifo was released): stderr is all we have.
    dprintf(2, "ocits: %s\n", msg.c_str());
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
