// Sending and receiving one protocol message (header + payload) on the
// SOCK_SEQPACKET socket; shared by the addon and the init.
#pragma once
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

// Receives one whole message (its size is peeked first, so a large plan
// arrives in one piece). Returns false on EOF, error or a short message.
inline bool wire_recv(int fd, MsgHeader* h, std::vector<uint8_t>* payload) {
  ssize_t n;
  do n = recv(fd, h, sizeof *h, MSG_PEEK); while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof *h)) return false;
  std::vector<uint8_t> buf(sizeof *h + h->len);
  do n = recv(fd, buf.data(), buf.size(), 0); while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(buf.size())) return false;
  payload->assign(buf.begin() + sizeof *h, buf.end());
  return true;
}

}  // namespace ocits
