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

// Returns the bytes sent, or -1 with errno set.
inline ssize_t wire_send(int fd, uint32_t type, int32_t err, const void* data, uint32_t len) {
  MsgHeader h{type, err, len, 0};
  struct iovec iov[2] = {{&h, sizeof h}, {const_cast<void*>(data), len}};
  struct msghdr m {};
  m.msg_iov = iov;
  m.msg_iovlen = len ? 2 : 1;
  ssize_t n;
  do n = sendmsg(fd, &m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n;
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

// Receives one whole message (its size is peeked first, so a large plan
// arrives in one piece). Returns false on EOF, error or a short message.
inline bool wire_recv(int fd, MsgHeader* h, std::vector<uint8_t>* payload) {
  ssize_t n = peek_header(fd, h);
  if (n != static_cast<ssize_t>(sizeof *h)) return false;
  std::vector<uint8_t> buf(sizeof *h + h->len);
  do n = recv(fd, buf.data(), buf.size(), 0); while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(buf.size())) return false;
  payload->assign(buf.begin() + sizeof *h, buf.end());
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

// Like wire_send, with one file descriptor attached (SCM_RIGHTS).
inline ssize_t wire_send_fd(int fd, uint32_t type, int32_t err, const void* data, uint32_t len, int pass_fd) {
  MsgHeader h{type, err, len, 0};
  struct iovec iov[2] = {{&h, sizeof h}, {const_cast<void*>(data), len}};
  FdControl ctl;
  struct msghdr m {};
  m.msg_iov = iov;
  m.msg_iovlen = len ? 2 : 1;
  attach_fd(&m, &ctl, pass_fd);
  ssize_t n;
  do n = sendmsg(fd, &m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n;
}

// Like wire_recv, also taking the file descriptor a message may carry
// (close-on-exec) into *got_fd; -1 when it carries none. Any extra fds are closed.
inline bool wire_recv_fd(int fd, MsgHeader* h, std::vector<uint8_t>* payload, int* got_fd) {
  *got_fd = -1;
  ssize_t n = peek_header(fd, h);
  if (n != static_cast<ssize_t>(sizeof *h)) return false;
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
  payload->assign(buf.begin() + sizeof *h, buf.end());
  return true;
}

}  // namespace ocits
