// The foreground copy loop (pump.h): one poll loop over every channel, in a
// thread-pool thread, until the outputs are drained or stop() is called.
#include "pump.h"
#include "errors.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <atomic>
#include <memory>
#include <string>

namespace ocits_native {

namespace {

struct PumpState {
  std::vector<PumpChannel> ch;
  std::vector<int> owned;
  int wake[2] = {-1, -1};
  std::atomic<bool> finished{false};
  int err = 0;
  std::string what;
};

// Write everything, waiting (poll) when the fd is non-blocking and full.
bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd q = {fd, POLLOUT, 0};
      poll(&q, 1, 1000);
      continue;
    }
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

constexpr size_t kMaxPending = 1 << 20;  // input read ahead of a container that does not read

class PumpWorker : public Napi::AsyncWorker {
 public:
  PumpWorker(Napi::Env env, std::shared_ptr<PumpState> s)
      : Napi::AsyncWorker(env), s_(std::move(s)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    PumpState& s = *s_;
    const size_t n = s.ch.size();
    std::vector<std::string> pending(n);
    std::vector<bool> src_open(n, true);
    // Our own ends non-blocking while we copy: a spurious wakeup never blocks the loop.
    std::vector<std::pair<int, int>> saved;
    auto nonblock = [&](int fd) {
      for (auto& f : saved)
        if (f.first == fd) return;
      int fl = fcntl(fd, F_GETFL);
      if (fl < 0) return;
      saved.emplace_back(fd, fl);
      fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    };
    for (size_t i = 0; i < n; i++) {
      PumpChannel& c = s.ch[i];
      if (c.output && c.src >= 0) nonblock(c.src);
      if (!c.output && c.dst >= 0) nonblock(c.dst);
      if (c.src < 0) src_open[i] = false;
    }
    // Close one of our own fds now (its flags are not restored: the number may be reused).
    auto drop = [&](int fd) {
      for (auto it = saved.begin(); it != saved.end(); ++it)
        if (it->first == fd) { saved.erase(it); break; }
      for (int& o : s.owned)
        if (o == fd) o = -1;
      close(fd);
    };
    auto close_input = [&](size_t i) {  // an input at its end: the container reads EOF
      PumpChannel& c = s.ch[i];
      if (c.eof_closes_dst && c.dst >= 0) {
        drop(c.dst);
        c.dst = -1;
      }
    };
    for (size_t i = 0; i < n; i++)
      if (!s.ch[i].output && !src_open[i]) close_input(i);
    char buf[65536];
    std::vector<struct pollfd> p(1 + 2 * n);
    for (;;) {
      bool outputs_left = false;
      for (size_t i = 0; i < n; i++)
        if (s.ch[i].output && src_open[i]) outputs_left = true;
      if (!outputs_left) break;
      p[0] = {s.wake[0], POLLIN, 0};
      for (size_t i = 0; i < n; i++) {
        const PumpChannel& c = s.ch[i];
        bool read = src_open[i] && (c.output || pending[i].size() < kMaxPending);
        p[1 + 2 * i] = {read ? c.src : -1, POLLIN, 0};
        p[2 + 2 * i] = {!c.output && !pending[i].empty() && c.dst >= 0 ? c.dst : -1, POLLOUT, 0};
      }
      int rc = poll(p.data(), p.size(), -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) { s.err = errno; s.what = "poll"; break; }
      if (p[0].revents) break;
      bool failed = false;
      for (size_t i = 0; i < n && !failed; i++) {
        PumpChannel& c = s.ch[i];
        short rev = p[1 + 2 * i].revents;
        if (rev & POLLNVAL) {
          src_open[i] = false;
          if (c.output) { s.err = EBADF; s.what = "read the container's output"; failed = true; }
          else if (pending[i].empty()) close_input(i);
          continue;
        }
        if (rev & (POLLIN | POLLHUP | POLLERR)) {
          ssize_t r = read(c.src, buf, sizeof buf);
          if (r > 0 && c.output) {
            if (c.dst >= 0 && !WriteAll(c.dst, buf, static_cast<size_t>(r))) {
              if (c.write_error_ends) { s.err = errno; s.what = "write the container's output"; failed = true; continue; }
              // the caller's end is gone: so is ours, as if the container wrote to it directly
              drop(c.src);
              src_open[i] = false;
            }
          } else if (r > 0) {
            pending[i].append(buf, static_cast<size_t>(r));
          } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            // EOF; EIO from a pty master: every slave is closed, it is drained
            if (c.output && r < 0 && errno != EIO) { s.err = errno; s.what = "read the container's output"; failed = true; continue; }
            src_open[i] = false;
            if (!c.output && pending[i].empty()) close_input(i);
          }
        }
        if (!c.output && (p[2 + 2 * i].revents & (POLLOUT | POLLERR | POLLHUP)) && !pending[i].empty() && c.dst >= 0) {
          ssize_t w = write(c.dst, pending[i].data(), pending[i].size());
          if (w > 0) pending[i].erase(0, static_cast<size_t>(w));
          else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            pending[i].clear();  // the container closed its input: no more of it
            src_open[i] = false;
          }
          if (!src_open[i] && pending[i].empty()) close_input(i);
        }
      }
      if (failed) break;
    }
    for (auto& f : saved) fcntl(f.first, F_SETFL, f.second);
    s.finished = true;
  }
  void OnOK() override {
    for (int& fd : s_->wake) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
    for (int& fd : s_->owned) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
    if (s_->err) deferred_.Reject(ErrnoError(Env(), s_->err, s_->what).Value());
    else deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::shared_ptr<PumpState> s_;
  Napi::Promise::Deferred deferred_;
};

int FdArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

}  // namespace

Napi::Object StartPump(Napi::Env env, std::vector<PumpChannel> channels, std::vector<int> owned) {
  auto s = std::make_shared<PumpState>();
  s->ch = std::move(channels);
  s->owned = std::move(owned);
  if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
    for (int fd : s->owned) close(fd);
    throw ErrnoError(env, errno, "pipe");
  }
  auto* w = new PumpWorker(env, s);
  Napi::Object out = Napi::Object::New(env);
  out.Set("done", w->Promise());
  out.Set("stop", Napi::Function::New(env, [s](const Napi::CallbackInfo& i) {
    if (s->wake[1] >= 0) {
      if (!s->finished && write(s->wake[1], "x", 1) < 0) {}
      close(s->wake[1]);
      s->wake[1] = -1;
    }
    return i.Env().Undefined();
  }));
  w->Queue();
  return out;
}

Napi::Value StdioPump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int caller_in = FdArg(info, 0), to_container = FdArg(info, 1);
  int from_out = FdArg(info, 2), caller_out = FdArg(info, 3);
  int from_err = FdArg(info, 4), caller_err = FdArg(info, 5);
  std::vector<PumpChannel> ch(3);
  ch[0].src = caller_in;
  ch[0].dst = to_container;
  ch[0].eof_closes_dst = true;
  ch[1].src = from_out;
  ch[1].dst = caller_out;
  ch[1].output = true;
  ch[2].src = from_err;
  ch[2].dst = caller_err;
  ch[2].output = true;
  return StartPump(env, std::move(ch), {to_container, from_out, from_err});
}

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) throw ErrnoError(env, errno, "pipe");
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, fds[0]));
  a.Set(1u, Napi::Number::New(env, fds[1]));
  return a;
}

}  // namespace ocits_native
