// OCI hooks the init runs itself: createContainer (in the container's
// namespaces, before pivot_root) and startContainer (after `start`, before
// the process). The runtime runs the others (lib/runtime/hooks.ts).
//
// Each hook: fork; the child makes three pipes its stdio, closes every other
// fd and execve(path, args, env) (args[0] is argv[0]; no args: argv = {path},
// as Go's exec.Cmd). The parent writes the state JSON to its stdin, collects
// stdout and stderr for the error message, and waits on a pidfd with the
// hook's timeout; a hook that runs over is killed with SIGKILL. Errors are
// worded as runc's (Go's exec errors): "error running <kind> hook #N: exit
// status 1, stdout: ..., stderr: ...".
#include <algorithm>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "init.h"

namespace ocits {

namespace {

constexpr size_t kCaptureMax = 64 * 1024;  // per stream: enough for a message, bounded

long now_ms() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

void close_fd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Read what is there (the fd is non-blocking); false at EOF or error.
bool drain(int fd, std::string* into) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      if (into->size() < kCaptureMax) into->append(buf, std::min(static_cast<size_t>(n), kCaptureMax - into->size()));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

// Go's os/exec wording of how a process ended.
std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    std::string s = name ? name : std::to_string(WTERMSIG(status));
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
    s = "signal: " + s;
    if (WCOREDUMP(status)) s += " (core dumped)";
    return s;
  }
  return "unknown exit status " + std::to_string(status);
}

// [[noreturn]] child side: stdio from the pipes, nothing else open, exec.
[[noreturn]] void exec_hook(const HookEntry& h, int in, int out, int err, int report) {
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    int e = errno;
    if (write(report, &e, sizeof e) < 0) {}
    _exit(127);
  }
  // The report pipe moves to fd 3 (close-on-exec) so that it survives the close of the rest.
  if (report != 3) {
    if (dup3(report, 3, O_CLOEXEC) < 0) _exit(127);
  } else if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
    _exit(127);
  }
  syscall(SYS_close_range, 4, ~0U, 0);
  signal(SIGPIPE, SIG_DFL);  // the parent ignores it while it feeds stdin
  std::vector<char*> argv, envp;
  if (h.args.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
  for (const auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(h.path.c_str(), argv.data(), envp.data());
  int e = errno;
  if (write(3, &e, sizeof e) < 0) {}
  _exit(127);
}

// One hook; false with *cause worded as Go's exec error (without the "error running" prefix).
bool run_one(const HookEntry& h, const std::string& state, std::string* cause) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, rep[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
    *cause = "pipe: " + errstr(errno);
    for (int* p : {in, out, err, rep}) close_fd(&p[0]), close_fd(&p[1]);
    return false;
  }
  pid_t child = fork();
  if (child < 0) {
    *cause = "fork/exec " + h.path + ": " + errstr(errno);
    for (int* p : {in, out, err, rep}) close_fd(&p[0]), close_fd(&p[1]);
    return false;
  }
  if (child == 0) exec_hook(h, in[0], out[1], err[1], rep[1]);
  close_fd(&in[0]);
  close_fd(&out[1]);
  close_fd(&err[1]);
  close_fd(&rep[1]);

  // Did execve succeed? The report pipe closes on exec, or carries errno.
  int exec_errno = 0;
  ssize_t n;
  do n = read(rep[0], &exec_errno, sizeof exec_errno); while (n < 0 && errno == EINTR);
  close_fd(&rep[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
    for (int* p : {in, out, err}) close_fd(&p[0]), close_fd(&p[1]);
    *cause = "fork/exec " + h.path + ": " + errstr(exec_errno);
    return false;
  }

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  if (pidfd < 0) {
    *cause = "pidfd_open: " + errstr(errno);
    kill(child, SIGKILL);
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
    for (int* q : {in, out, err}) close_fd(&q[0]), close_fd(&q[1]);
    return false;
  }
  for (int fd : {in[1], out[0], err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string sout, serr;
  size_t written = 0;
  if (state.empty()) close_fd(&in[1]);
  long deadline = h.timeout ? now_ms() + static_cast<long>(h.timeout) * 1000L : 0;
  bool timed_out = false;
  for (;;) {
    struct pollfd p[4] = {{pidfd, POLLIN, 0}, {out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    int wait_ms = -1;
    if (deadline) {
      long left = deadline - now_ms();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    int rc = poll(p, 4, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) {
      *cause = "poll: " + errstr(errno);
      timed_out = false;
      kill(child, SIGKILL);
      break;
    }
    if (rc == 0) continue;
    if (p[1].revents && !drain(out[0], &sout)) close_fd(&out[0]);
    if (p[2].revents && !drain(err[0], &serr)) close_fd(&err[0]);
    if (p[3].revents & POLLOUT) {
      ssize_t w = write(in[1], state.data() + written, state.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == state.size()) close_fd(&in[1]);
    } else if (p[3].revents & (POLLERR | POLLHUP)) {
      close_fd(&in[1]);  // the hook closed its stdin: it need not read the state
    }
    if (p[0].revents & POLLIN) break;  // the hook exited
  }
  if (timed_out) kill(child, SIGKILL);
  int st = 0;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
  close(pidfd);
  // What the hook wrote before it ended is in the pipes (a grandchild that
  // keeps them open is not waited for).
  if (out[0] >= 0) drain(out[0], &sout);
  if (err[0] >= 0) drain(err[0], &serr);
  for (int* q : {in, out, err}) close_fd(&q[0]), close_fd(&q[1]);
  if (!cause->empty()) return false;  // poll failed
  if (timed_out) {
    char buf[64];
    snprintf(buf, sizeof buf, "hook ran past specified timeout of %u.0s", h.timeout);
    *cause = buf;
    return false;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
  *cause = exit_text(st) + ", stdout: " + sout + ", stderr: " + serr;
  return false;
}

}  // namespace

bool run_hooks(const std::vector<HookEntry>& hooks, const std::string& state, const char* kind, std::string* why) {
  if (hooks.empty()) return true;
  // Feeding a hook that does not read its stdin must not kill us with SIGPIPE.
  struct sigaction ign = {}, old = {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  bool ok = true;
  for (size_t i = 0; i < hooks.size() && ok; i++) {
    std::string cause;
    if (!run_one(hooks[i], state, &cause)) {
      *why = "error running " + std::string(kind) + " hook #" + std::to_string(i) + ": " + cause;
      ok = false;
    }
  }
  sigaction(SIGPIPE, &old, nullptr);
  return ok;
}

}  // namespace ocits
