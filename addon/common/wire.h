// Sending and receiving one protocol message (header + payload) on the
// SOCK_SEQPACKET socket; shared by the addon and the init.
#pragma once
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>
#include "protocol.h"

namespace ocits {

// A datagram of the socket holds at most its send buffer (about 208 KiB by
// default): a larger message (a plan of a 2 MB config) goes as MSG_CHUNK
// parts of this size, then its last part with its own type; receivers join them.
constexpr uint32_t kWirePiece = 64 * 1024;
constexpr size_t kWireMax = 256u << 20;  // what a receiver joins at most

namespace wire_detail {

inline ssize_t send_one(int fd, uint32_t type, int32_t err, const void* data, uint32_t len, struct msghdr* m) {
  MsgHeader h{type, err, len, 0};
  struct iovec iov[2] = {{&h, sizeof h}, {const_cast<void*>(data), len}};
  m->msg_iov = iov;
  m->msg_iovlen = len ? 2 : 1;
  ssize_t n;
  do n = sendmsg(fd, m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n;
}

// The MSG_CHUNK parts before the last kWirePiece (or fewer) bytes; the offset of what is left.
inline bool send_chunks(int fd, const void* data, uint32_t len, uint32_t* rest_at) {
  const char* p = static_cast<const char*>(data);
  uint32_t off = 0;
  while (len - off > kWirePiece) {
    struct msghdr m {};
    if (send_one(fd, MSG_CHUNK, 0, p + off, kWirePiece, &m) < 0) return false;
    off += kWirePiece;
  }
  *rest_at = off;
  return true;
}

}  // namespace wire_detail

// Returns the bytes sent (of the last part), or -1 with errno set.
inline ssize_t wire_send(int fd, uint32_t type, int32_t err, const void* data, uint32_t len) {
  uint32_t at = 0;
  if (!wire_detail::send_chunks(fd, data, len, &at)) return -1;
  struct msghdr m {};
  ssize_t n = wire_detail::send_one(fd, type, err, static_cast<const char*>(data) + at, len - at, &m);
  return n < 0 ? n : n + at;
}

// Peeks at the next message's header. A peer that closes with one of our
// messages unread in its queue (an init that failed while we were sending it
// the next step) sets ECONNRESET on our socket once: what it sent before
// (its error report) is still queued, so look again.
inline ssize_t peek_header(int fd, MsgHeader* h) {
  ssize_t n;
  bool reset = false;
  for (;;) {
    n = recv(fd, h, sizeof *h, MSG_PEEK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET && !reset) {
      reset = true;
      continue;
    }
    return n;
  }
}

// The MSG_CHUNK parts of a large message, joined into *joined, until the
// header of its last part is peeked into *h. False on EOF, error or a short part.
inline bool recv_chunks(int fd, MsgHeader* h, std::vector<uint8_t>* joined) {
  joined->clear();
  for (;;) {
    ssize_t n = peek_header(fd, h);
    if (n != static_cast<ssize_t>(sizeof *h)) return false;
    if (h->type != MSG_CHUNK) return true;
    if (joined->size() + h->len > kWireMax) { errno = EMSGSIZE; return false; }
    std::vector<uint8_t> buf(sizeof *h + h->len);
    do n = recv(fd, buf.data(), buf.size(), 0); while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(buf.size())) return false;
    joined->insert(joined->end(), buf.begin() + sizeof *h, buf.end());
  }
}

// Receives one whole message (each part's size is peeked first, so that it
// arrives in one piece; parts are joined). Returns false on EOF, error or a
// short message.
inline bool wire_recv(int fd, MsgHeader* h, std::vector<uint8_t>* payload) {
  std::vector<uint8_t> joined;
  if (!recv_chunks(fd, h, &joined)) return false;
  std::vector<uint8_t> buf(sizeof *h + h->len);
  ssize_t n;
  do n = recv(fd, buf.data(), buf.size(), 0); while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(buf.size())) return false;
  joined.insert(joined.end(), buf.begin() + sizeof *h, buf.end());
  h->len = static_cast<uint32_t>(joined.size());
  payload->swap(joined);
  return true;
}

// Room for one SCM_RIGHTS fd; must outlive the sendmsg it is attached to.
union FdControl {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
};

// Attach one file descriptor (exactly one, cmsg_len == CMSG_LEN(4)) to a message.
inline void attach_fd(struct msghdr* m, FdControl* ctl, int pass_fd) {
  memset(ctl, 0, sizeof *ctl);
  m->msg_control = ctl->buf;
  m->msg_controllen = sizeof ctl->buf;
  struct cmsghdr* c = CMSG_FIRSTHDR(m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
}

// Like wire_send, with one file descriptor attached (SCM_RIGHTS) to the last part.
inline ssize_t wire_send_fd(int fd, uint32_t type, int32_t err, const void* data, uint32_t len, int pass_fd) {
  uint32_t at = 0;
  if (!wire_detail::send_chunks(fd, data, len, &at)) return -1;
  FdControl ctl;
  struct msghdr m {};
  attach_fd(&m, &ctl, pass_fd);
  ssize_t n = wire_detail::send_one(fd, type, err, static_cast<const char*>(data) + at, len - at, &m);
  return n < 0 ? n : n + at;
}

// Like wire_recv, also taking the file descriptor a message may carry
// (close-on-exec) into *got_fd; -1 when it carries none. Any extra fds are closed.
inline bool wire_recv_fd(int fd, MsgHeader* h, std::vector<uint8_t>* payload, int* got_fd) {
  *got_fd = -1;
  std::vector<uint8_t> joined;
  if (!recv_chunks(fd, h, &joined)) return false;
  ssize_t n;
  std::vector<uint8_t> buf(sizeof *h + h->len);
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {buf.data(), buf.size()};
  struct msghdr m {};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl.buf;
  m.msg_controllen = sizeof ctl.buf;
  do n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n >= 0) {
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; i++) {
        int got;
        memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
        if (*got_fd < 0) *got_fd = got;
        else close(got);
      }
    }
  }
  if (n != static_cast<ssize_t>(buf.size()) || (m.msg_flags & MSG_CTRUNC)) {
    if (*got_fd >= 0) close(*got_fd);
    *got_fd = -1;
    if (n >= 0) errno = EPROTO;
    return false;
  }
  joined.insert(joined.end(), buf.begin() + sizeof *h, buf.end());
  h->len = static_cast<uint32_t>(joined.size());
  payload->swap(joined);
  return true;
}

}  // namespace ocits
