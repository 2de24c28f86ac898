// Terminals on the runtime's side: the console socket (connected by path, or a
// socketpair for `run`'s own), receiving the pty master, window sizes, raw
// mode, and the copy between the caller's stdio and the master (pump.cc).
#include "unixsock.h"
#include "tty.h"
#include "pump.h"
#include "errors.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <string>
#include <vector>

namespace ocits_native {

namespace {

int FdArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

}  // namespace

// connectUnix(path) -> fd (SOCK_STREAM, close-on-exec). connect() completes on
// a listening socket's backlog: the caller need not have accepted yet.
Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int s = ocits_native::connect_unix(path);
  if (s < 0) throw ErrnoError(env, errno, "connect to the console socket " + path);
  return Napi::Number::New(env, s);
}

// streamPair() -> [a, b]: a connected AF_UNIX SOCK_STREAM pair, close-on-exec.
Napi::Value StreamPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) throw ErrnoError(env, errno, "socketpair");
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, sv[0]));
  a.Set(1u, Napi::Number::New(env, sv[1]));
  return a;
}

// recvFd(sock, timeoutMs) -> { fd, payload } | null on timeout. One message
// carrying exactly one fd (close-on-exec); anything else is an error.
Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = FdArg(info, 0);
  int timeout = FdArg(info, 1);
  struct pollfd pfd = {sock, POLLIN, 0};
  int rc;
  do rc = poll(&pfd, 1, timeout); while (rc < 0 && errno == EINTR);
  if (rc < 0) throw ErrnoError(env, errno, "poll the console socket");
  if (rc == 0) return env.Null();
  std::vector<char> buf(4096);
  struct iovec iov = {buf.data(), buf.size()};
  union {
    char b[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr m {};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl.b;
  m.msg_controllen = sizeof ctl.b;
  ssize_t n;
  do n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) throw ErrnoError(env, errno, "receive the pty master");
  std::vector<int> fds;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  if (fds.size() != 1 || (m.msg_flags & MSG_CTRUNC)) {
    for (int fd : fds) close(fd);
    if (n == 0 && fds.empty()) throw ErrnoError(env, EPIPE, "receive the pty master: the container init closed the console socket");
    throw ErrnoError(env, EPROTO, "receive the pty master: expected exactly one fd, got " + std::to_string(fds.size()));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fds[0]));
  out.Set("payload", Napi::String::New(env, std::string(buf.data(), static_cast<size_t>(n))));
  return out;
}

// getWinsize(fd) -> { rows, cols } | null when fd is not a terminal
Napi::Value GetWinsize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct winsize ws {};
  if (ioctl(FdArg(info, 0), TIOCGWINSZ, &ws) < 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("rows", Napi::Number::New(env, ws.ws_row));
  out.Set("cols", Napi::Number::New(env, ws.ws_col));
  return out;
}

// setWinsize(fd, rows, cols): ioctl TIOCSWINSZ (on a master: the container sees SIGWINCH)
Napi::Value SetWinsize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct winsize ws {};
  ws.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(FdArg(info, 0), TIOCSWINSZ, &ws) < 0) throw ErrnoError(env, errno, "set the terminal size");
  return env.Undefined();
}

// ttyMakeRaw(fd) -> Buffer (the saved termios, for ttyRestore) | null when fd is not a terminal
Napi::Value TtyMakeRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  struct termios old;
  if (tcgetattr(fd, &old) < 0) return env.Null();
  struct termios raw = old;
  cfmakeraw(&raw);  // as runc (containerd/console's SetRaw): output processing off too; the container's pty does it
  if (tcsetattr(fd, TCSANOW, &raw) < 0) throw ErrnoError(env, errno, "set the terminal to raw mode");
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&old), sizeof old);
}

// ttyRestore(fd, saved): put back what ttyMakeRaw saved
Napi::Value TtyRestore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto b = info[1].As<Napi::Buffer<uint8_t>>();
  if (b.Length() != sizeof(struct termios)) throw Napi::Error::New(env, "ttyRestore: not a saved terminal state");
  struct termios t;
  memcpy(&t, b.Data(), sizeof t);
  if (tcsetattr(FdArg(info, 0), TCSANOW, &t) < 0) throw ErrnoError(env, errno, "restore the terminal mode");
  return env.Undefined();
}

// ttyPump(master, inFd, outFd) -> { done: Promise<void>, stop(): void }
// inFd -1: no input. The fds stay open (the caller closes them after done).
// Until the master has nothing more to say (EIO/EOF: every slave fd closed)
// or stop() is called; input is buffered and never sent an EOF (as runc).
Napi::Value TtyPump(const Napi::CallbackInfo& info) {
  std::vector<PumpChannel> ch(2);
  ch[0].src = FdArg(info, 0);
  ch[0].dst = FdArg(info, 2);
  ch[0].output = true;
  ch[0].write_error_ends = true;
  ch[1].src = FdArg(info, 1);
  ch[1].dst = FdArg(info, 0);
  return StartPump(info.Env(), std::move(ch), {});
}

}  // namespace ocits_native
