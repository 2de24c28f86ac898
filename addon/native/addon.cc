// The N-API module: the few kernel calls the TypeScript runtime cannot make
// with Node's own API. Everything else (planning, state, cgroups) is in lib/.
#include <napi.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <string>
#include <vector>
#include "../common/procfs.h"
#include "../common/protocol.h"
#include "../common/wire.h"
#include "seccomp.h"
#include "devices_bpf.h"
#include "tty.h"
#include "errors.h"
#include "pump.h"

namespace {

using ocits::MsgHeader;
using ocits_native::ErrnoError;
using ocits_native::GoError;

// The init runs from a sealed in-memory copy of its executable, so that no
// process of the container can ever open the runtime's binary for writing
// through /proc/PID/exe (the CVE-2019-5736 class). One copy per runtime process.
int SealedInit(const std::string& path, std::string* err) {
  static int cached = -1;
  static std::string cached_path;
  if (cached >= 0 && cached_path == path) return cached;
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) { *err = "open " + path + ": " + strerror(errno); return -1; }
  struct stat st;
  if (fstat(src, &st) < 0) { *err = "stat " + path + ": " + strerror(errno); close(src); return -1; }
  int mfd = static_cast<int>(syscall(SYS_memfd_create, "ocits-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (mfd < 0) { *err = std::string("memfd_create: ") + strerror(errno); close(src); return -1; }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, src, &off, static_cast<size_t>(st.st_size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { *err = "copy " + path + ": " + strerror(n < 0 ? errno : EIO); close(src); close(mfd); return -1; }
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    *err = std::string("seal the init image: ") + strerror(errno);
    close(mfd);
    return -1;
  }
  cached = mfd;
  cached_path = path;
  return mfd;
}

// spawnInit(initPath, preserveFds, stdio?) -> { pid, sock }
// stdio: [in, out, err] the container gets as 0, 1, 2 instead of ours (the
// foreground pipes); the caller keeps and closes them.
Napi::Value SpawnInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int preserve = info[1].As<Napi::Number>().Int32Value();
  if (preserve < 0) preserve = 0;
  int stdio[3] = {-1, -1, -1};
  if (info.Length() > 2 && info[2].IsArray()) {
    Napi::Array a = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < 3 && i < a.Length(); i++) stdio[i] = a.Get(i).As<Napi::Number>().Int32Value();
  }
  std::string err;
  int img = SealedInit(path, &err);
  if (img < 0) throw Napi::Error::New(env, "prepare the init: " + err);
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) throw ErrnoError(env, errno, "socketpair");
  int sock_no = 3 + preserve, img_no = sock_no + 1;
  // Move everything the child gets out of the way of the fds it must get
  // them as, then dup2 them in.
  int sock_tmp = fcntl(sv[1], F_DUPFD_CLOEXEC, img_no + 1);
  int img_tmp = fcntl(img, F_DUPFD_CLOEXEC, img_no + 1);
  int stdio_tmp[3] = {-1, -1, -1};
  bool dup_failed = sock_tmp < 0 || img_tmp < 0;
  for (int i = 0; i < 3 && !dup_failed; i++)
    if (stdio[i] >= 0 && (stdio_tmp[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, img_no + 1)) < 0) dup_failed = true;
  close(sv[1]);
  if (dup_failed) {
    int e = errno;
    for (int fd : {sock_tmp, img_tmp, stdio_tmp[0], stdio_tmp[1], stdio_tmp[2]})
      if (fd >= 0) close(fd);
    close(sv[0]);
    throw ErrnoError(env, e, "dup");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // Node opens its stdio close-on-exec; the container inherits them (and the
  // preserved fds): dup2 onto itself clears FD_CLOEXEC in the child only.
  for (int fd = 0; fd < sock_no; fd++) {
    if (fd < 3 && stdio_tmp[fd] >= 0) posix_spawn_file_actions_adddup2(&fa, stdio_tmp[fd], fd);
    else if (fcntl(fd, F_GETFD) >= 0) posix_spawn_file_actions_adddup2(&fa, fd, fd);
  }
  posix_spawn_file_actions_adddup2(&fa, sock_tmp, sock_no);
  posix_spawn_file_actions_adddup2(&fa, img_tmp, img_no);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);  // Node ignores SIGPIPE; the container must not inherit that
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string exe = "/proc/self/fd/" + std::to_string(img_no);
  std::string sock_arg = std::to_string(sock_no);
  char* argv[] = {const_cast<char*>("ocits-init"), const_cast<char*>(sock_arg.c_str()), nullptr};
  char* envp[] = {nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, &at, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(sock_tmp);
  close(img_tmp);
  for (int fd : stdio_tmp)
    if (fd >= 0) close(fd);
  if (rc != 0) {
    close(sv[0]);
    throw ErrnoError(env, rc, "spawn the init");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("sock", Napi::Number::New(env, sv[0]));
  return out;
}

// send(sock, type, payload?, fd?): fd travels with the message (SCM_RIGHTS)
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  uint32_t type = info[1].As<Napi::Number>().Uint32Value();
  const uint8_t* data = nullptr;
  size_t len = 0;
  if (info.Length() > 2 && info[2].IsBuffer()) {
    auto b = info[2].As<Napi::Buffer<uint8_t>>();
    data = b.Data();
    len = b.Length();
  }
  int pass = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : -1;
  ssize_t n = pass >= 0 ? ocits::wire_send_fd(fd, type, 0, data, static_cast<uint32_t>(len), pass)
                        : ocits::wire_send(fd, type, 0, data, static_cast<uint32_t>(len));
  if (n < 0) throw ErrnoError(env, errno, "send to the init");
  return env.Undefined();
}

// recv(sock, timeoutMs) -> { type, err, payload } | null on timeout; type 0 on EOF
Napi::Value Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  struct pollfd pfd = {fd, POLLIN, 0};
  int rc;
  do rc = poll(&pfd, 1, timeout); while (rc < 0 && errno == EINTR);
  if (rc < 0) throw ErrnoError(env, errno, "poll the init socket");
  if (rc == 0) return env.Null();
  MsgHeader h{};
  std::vector<uint8_t> payload;
  Napi::Object out = Napi::Object::New(env);
  int got_fd = -1;  // a message may carry one fd (MSG_SECCOMP_FD)
  if (!ocits::wire_recv_fd(fd, &h, &payload, &got_fd)) {
    out.Set("type", Napi::Number::New(env, 0));  // EOF: the init is gone
    out.Set("err", Napi::Number::New(env, errno));
    return out;
  }
  out.Set("type", Napi::Number::New(env, h.type));
  out.Set("err", Napi::Number::New(env, h.err));
  out.Set("payload", Napi::Buffer<uint8_t>::Copy(env, payload.data(), payload.size()));
  if (got_fd >= 0) out.Set("fd", Napi::Number::New(env, got_fd));
  return out;
}

Napi::Object DecodeStatus(Napi::Env env, int pid, int status) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  if (pid > 0 && WIFEXITED(status)) {
    out.Set("code", Napi::Number::New(env, WEXITSTATUS(status)));
  } else if (pid > 0 && WIFSIGNALED(status)) {
    out.Set("signal", Napi::Number::New(env, WTERMSIG(status)));
    out.Set("code", Napi::Number::New(env, 128 + WTERMSIG(status)));
  }
  return out;
}

// waitpid(pid, nohang) -> { pid, code?, signal? }  (pid 0: still running)
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  bool nohang = info.Length() > 1 && info[1].ToBoolean();
  int status = 0, rc;
  do rc = waitpid(pid, &status, nohang ? WNOHANG : 0); while (rc < 0 && errno == EINTR);
  if (rc < 0) throw ErrnoError(env, errno, "waitpid " + std::to_string(pid));
  return DecodeStatus(env, rc, status);
}

class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, int pid) : Napi::AsyncWorker(env), pid_(pid), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    do rc_ = waitpid(pid_, &status_, 0); while (rc_ < 0 && errno == EINTR);
    if (rc_ < 0) err_ = errno;
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (rc_ < 0) deferred_.Reject(ErrnoError(env, err_, "waitpid " + std::to_string(pid_)).Value());
    else deferred_.Resolve(DecodeStatus(env, rc_, status_));
  }

 private:
  int pid_, rc_ = -1, status_ = 0, err_ = 0;
  Napi::Promise::Deferred deferred_;
};

// waitAsync(pid) -> Promise<{ pid, code, signal? }> (waits in the thread pool)
Napi::Value WaitAsync(const Napi::CallbackInfo& info) {
  auto* w = new WaitWorker(info.Env(), info[0].As<Napi::Number>().Int32Value());
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  mode_t old = umask(0);
  int rc = mkfifo(path.c_str(), mode);
  int e = errno;
  umask(old);
  if (rc < 0) throw ErrnoError(env, e, "mkfifo " + path);
  return env.Undefined();
}

// umount(path, detach): umount2 with MNT_DETACH when asked (the mounts of a
// container without a mount namespace of its own, in the runtime's).
Napi::Value Umount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int flags = info[1].ToBoolean() ? MNT_DETACH : 0;
  if (umount2(path.c_str(), flags) < 0) throw ErrnoError(env, errno, "umount " + path);
  return env.Undefined();
}

// flock(fd, exclusive, nonblock) -> true, or false when nonblock and held elsewhere
Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].ToBoolean() ? LOCK_EX : LOCK_SH;
  if (info.Length() > 2 && info[2].ToBoolean()) op |= LOCK_NB;
  int rc;
  do rc = flock(fd, op); while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    throw ErrnoError(env, errno, "flock");
  }
  return Napi::Boolean::New(env, true);
}

// releaseFifo(path, pid, timeoutMs) -> "started" | "dead" | "timeout" | { error }
// Opening the fifo for reading releases the init, which runs its
// startContainer hooks and then writes "0" (or the hooks' failure, as text)
// and closes it. Everything up to EOF is read (watching through a pidfd that
// the init lives): "0" is a start, other text the init's failure, nothing an
// init that died before it wrote.
Napi::Value ReleaseFifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int pid = info[1].As<Napi::Number>().Int32Value();
  int timeout = info[2].As<Napi::Number>().Int32Value();
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) return Napi::String::New(env, "dead");
    throw ErrnoError(env, errno, "pidfd_open " + std::to_string(pid));
  }
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    close(pidfd);
    throw ErrnoError(env, e, "open exec fifo " + path);
  }
  std::string data;
  bool eof = false, died = false;
  // drain what is there; false at EOF
  auto drain = [&]() {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        if (data.size() < 65536) data.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return !(n == 0 || (n < 0 && errno != EAGAIN));
    }
  };
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
    int left = timeout < 0 ? -1 : static_cast<int>(timeout - spent);
    if (timeout >= 0 && left <= 0) break;
    int rc = poll(p, 2, left);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) {
      int e = errno;
      close(fd);
      close(pidfd);
      throw ErrnoError(env, e, "poll exec fifo");
    }
    // A writer that has not come yet is no EOF: read returns 0 only once
    // the init opened the fifo and closed it again (POLLHUP then).
    if (p[0].revents & (POLLIN | POLLHUP)) eof = !drain();
    if (eof) break;
    if (p[1].revents & POLLIN) {
      drain();  // it may have written its last words before it exited
      died = true;
      break;
    }
  }
  close(fd);
  close(pidfd);
  if (data.empty()) return Napi::String::New(env, eof || died ? "dead" : "timeout");
  if (data == "0") return Napi::String::New(env, "started");
  Napi::Object r = Napi::Object::New(env);
  r.Set("error", Napi::String::New(env, data));
  return r;
}

// awaitExit(pid, timeoutMs) -> true once the process has exited (or never existed)
Napi::Value AwaitExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) return Napi::Boolean::New(env, true);
    throw ErrnoError(env, errno, "pidfd_open " + std::to_string(pid));
  }
  struct pollfd p = {pidfd, POLLIN, 0};
  int rc;
  do rc = poll(&p, 1, timeout); while (rc < 0 && errno == EINTR);
  close(pidfd);
  return Napi::Boolean::New(env, rc > 0);
}

Napi::Value SetSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, info[0].ToBoolean() ? 1 : 0, 0, 0, 0) < 0) throw ErrnoError(env, errno, "prctl subreaper");
  return env.Undefined();
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// nsType(path) -> the CLONE_NEW* type of the namespace file at path, or 0
// when it is not a namespace; throws (with errno) when it cannot be opened.
Napi::Value NsType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  // Namespace files are regular files (of nsfs): never open a device or fifo.
  struct stat st;
  if (stat(path.c_str(), &st) < 0) throw ErrnoError(env, errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) return Napi::Number::New(env, 0);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw ErrnoError(env, errno, "open " + path);
  int type = ioctl(fd, NS_GET_NSTYPE);
  close(fd);
  return Napi::Number::New(env, type < 0 ? 0 : type);
}

// The runtime's own /proc accesses that write or decide (id maps, setgroups,
// its capability sets, the namespaces an exec joins) go through the same
// verified procfs handle as the init's (common/procfs.h). `pid` 0 is ourselves.
std::string ProcName(int pid, const std::string& name) {
  return "/proc/" + (pid > 0 ? std::to_string(pid) : std::string("self")) + "/" + name;
}

std::string ProcRel(Napi::Env env, int pid, const std::string& name) {
  std::string dir = ocits::procfs_pid_dir(pid);
  if (dir.empty()) throw GoError(env, errno ? errno : ENOENT, "open " + ProcName(pid, name));
  return dir + name;
}

// procWrite(pid, name, text): the whole text in one write(2) to /proc/<pid>/<name>
Napi::Value ProcWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  std::string name = info[1].As<Napi::String>();
  std::string text = info[2].As<Napi::String>();
  if (int err = ocits::procfs_write(ProcRel(env, pid, name), text)) throw GoError(env, err, "write " + ProcName(pid, name));
  return env.Undefined();
}

// procRead(pid, name) -> the text of /proc/<pid>/<name>
Napi::Value ProcRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  std::string name = info[1].As<Napi::String>();
  std::string text;
  if (int err = ocits::procfs_read(ProcRel(env, pid, name), &text)) throw GoError(env, err, "read " + ProcName(pid, name));
  return Napi::String::New(env, text);
}

// procStatLink(pid, dir, name) -> { dev, ino } of the magic link /proc/<pid>/<dir>/<name>'s target
Napi::Value ProcStatLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = info[0].As<Napi::Number>().Int32Value();
  std::string dir = info[1].As<Napi::String>();
  std::string name = info[2].As<Napi::String>();
  struct stat st;
  if (int err = ocits::procfs_stat_link(ProcRel(env, pid, dir), name.c_str(), &st))
    throw GoError(env, err, "stat " + ProcName(pid, dir + "/" + name));
  Napi::Object out = Napi::Object::New(env);
  out.Set("dev", Napi::Number::New(env, static_cast<double>(st.st_dev)));
  out.Set("ino", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  return out;
}

Napi::Value SeccompVersion(const Napi::CallbackInfo& info) {
  const struct scmp_version* v = seccomp_version();
  return Napi::String::New(info.Env(), std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnInit", Napi::Function::New(env, SpawnInit));
  exports.Set("send", Napi::Function::New(env, Send));
  exports.Set("recv", Napi::Function::New(env, Recv));
  exports.Set("waitpid", Napi::Function::New(env, WaitPid));
  exports.Set("waitAsync", Napi::Function::New(env, WaitAsync));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("umount", Napi::Function::New(env, Umount));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("releaseFifo", Napi::Function::New(env, ReleaseFifo));
  exports.Set("awaitExit", Napi::Function::New(env, AwaitExit));
  exports.Set("setSubreaper", Napi::Function::New(env, SetSubreaper));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("seccompVersion", Napi::Function::New(env, SeccompVersion));
  exports.Set("seccompCompile", Napi::Function::New(env, ocits_native::SeccompCompile));
  exports.Set("seccompInfo", Napi::Function::New(env, ocits_native::SeccompInfo));
  exports.Set("sendSeccompListener", Napi::Function::New(env, ocits_native::SendSeccompListener));
  exports.Set("nsType", Napi::Function::New(env, NsType));
  exports.Set("procWrite", Napi::Function::New(env, ProcWrite));
  exports.Set("procRead", Napi::Function::New(env, ProcRead));
  exports.Set("procStatLink", Napi::Function::New(env, ProcStatLink));
  exports.Set("devicesProgram", Napi::Function::New(env, ocits_native::DevicesProgram));
  exports.Set("devicesAttach", Napi::Function::New(env, ocits_native::DevicesAttach));
  exports.Set("devicesDetach", Napi::Function::New(env, ocits_native::DevicesDetach));
  exports.Set("connectUnix", Napi::Function::New(env, ocits_native::ConnectUnix));
  exports.Set("streamPair", Napi::Function::New(env, ocits_native::StreamPair));
  exports.Set("recvFd", Napi::Function::New(env, ocits_native::RecvFd));
  exports.Set("getWinsize", Napi::Function::New(env, ocits_native::GetWinsize));
  exports.Set("setWinsize", Napi::Function::New(env, ocits_native::SetWinsize));
  exports.Set("ttyMakeRaw", Napi::Function::New(env, ocits_native::TtyMakeRaw));
  exports.Set("ttyRestore", Napi::Function::New(env, ocits_native::TtyRestore));
  exports.Set("ttyPump", Napi::Function::New(env, ocits_native::TtyPump));
  exports.Set("stdioPump", Napi::Function::New(env, ocits_native::StdioPump));
  exports.Set("pipe", Napi::Function::New(env, ocits_native::Pipe));
  return exports;
}

}  // namespace

NODE_API_MODULE(ocits_native, Init)
