// The container's filesystem: root propagation, every mount of the plan with
// its destination resolved inside the rootfs (never through a symlink that
// leaves it), pivot_root, and the read-only/masked paths after it.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <algorithm>
#include "init.h"
#include "../common/procfs.h"
#include "../common/protocol.h"

namespace ocits {

static int openat2_in_root(int rootfd, const std::string& rel, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, rootfd, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

static void push_components(const std::string& path, std::vector<std::string>* stack) {
  // The stack is consumed from the back: push the last component first.
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) stack->push_back(*it);
}

// Resolve `path` inside the tree of `rootfd` as if it were "/": symlinks,
// absolute or relative, and ".." are followed but can never leave it (as
// runc's securejoin; openat2 RESOLVE_IN_ROOT guards every step against
// races). Missing components, including the targets of dangling symlinks,
// are created when asked. Returns an O_PATH fd, or -1 with *err set;
// *resolved_out (when given) is how far the resolution got, relative to the
// root, on success and on failure.
int open_in_root(int rootfd, const std::string& path, bool create, bool last_is_file, std::string* err, std::string* resolved_out) {
  std::vector<std::string> todo;
  push_components(path, &todo);
  std::string dummy;
  std::string& resolved = resolved_out ? *resolved_out : dummy;  // relative to the root, free of symlinks
  resolved.clear();
  int links = 0;
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    if (c == ".") continue;
    if (c == "..") {
      size_t k = resolved.find_last_of('/');
      resolved = k == std::string::npos ? "" : resolved.substr(0, k);
      continue;
    }
    int dir = openat2_in_root(rootfd, resolved, O_PATH | O_DIRECTORY);
    if (dir < 0) { *err = "resolve /" + shown(resolved) + ": " + errstr(errno); return -1; }
    std::string next = resolved.empty() ? c : resolved + "/" + c;
    struct stat st;
    if (fstatat(dir, c.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(dir, c.c_str(), target, sizeof target - 1);
        close(dir);
        if (n < 0) { *err = "readlink /" + shown(next) + ": " + errstr(errno); return -1; }
        if (++links > 40) { *err = "resolve " + shown(path) + ": too many levels of symbolic links"; return -1; }
        target[n] = '\0';
        if (target[0] == '/') resolved.clear();
        push_components(target, &todo);
        continue;
      }
      close(dir);
      resolved = next;
      continue;
    }
    if (errno != ENOENT || !create) {
      *err = "resolve /" + shown(next) + ": " + errstr(errno);
      close(dir);
      return -1;
    }
    int rc;
    if (todo.empty() && last_is_file) {
      rc = openat(dir, c.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (rc >= 0) close(rc);
    } else {
      rc = mkdirat(dir, c.c_str(), 0755);
    }
    int e = errno;
    close(dir);
    if (rc < 0 && e != EEXIST) { *err = "create /" + shown(next) + ": " + errstr(e); return -1; }
    resolved = next;
  }
  int fd = openat2_in_root(rootfd, resolved, O_PATH);
  if (fd < 0) *err = "open /" + shown(resolved) + ": " + errstr(errno);
  return fd;
}

static std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Whether we are in a user namespace other than the host's (a new or joined one).
static bool in_user_namespace() {
  std::string map;
  if (procfs_read(procfs_pid_dir(0) + "uid_map", &map, 4096) != 0 || map.empty()) return false;
  unsigned long inside, outside, count;
  // The host's map is the identity over every id ("0 0 4294967295").
  return !(sscanf(map.c_str(), "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 && count == 4294967295UL);
}

static int resolve_or_fail(int rootfd, const std::string& dest, bool create, bool is_file, const char* what) {
  std::string err;
  int fd = open_in_root(rootfd, dest, create, is_file, &err);
  if (fd < 0) fail(0, "%s %s: %s", what, shown(dest).c_str(), err.c_str());
  return fd;
}

static unsigned long locked_flags(const char* path);

// In a user namespace, a mount made outside it keeps its nosuid, nodev,
// noexec, ro and atime flags: a bind remount must repeat them (the kernel
// says EPERM otherwise). Retry with the flags the mount already has, as runc.
static int remount_keeping_locked(const char* source, const char* target, unsigned long flags) {
  if (mount(source, target, nullptr, flags, nullptr) == 0) return 0;
  if (errno != EPERM) return -1;
  unsigned long locked = locked_flags(target);
  if (!locked || (flags & locked) == locked) {
    errno = EPERM;
    return -1;
  }
  // A config that asks for a more relaxed atime loses to the locked one.
  if (locked & (MS_NOATIME | MS_RELATIME)) flags &= ~(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
  return mount(source, target, nullptr, flags | locked, nullptr);
}

// tmpcopyup: copy the tree under `src` into `dst` (both directories of the
// rootfs, opened by us): modes, owners, times, symlinks and special files as
// they are; never following a symlink. Owners the namespace cannot map are
// left to the copier (as a copy by hand would).
static void copy_tree(int src, int dst, const std::string& where) {
  int dup_src = dup(src);
  if (dup_src < 0) fail_errno("tmpcopyup %s", shown(where).c_str());
  DIR* d = fdopendir(dup_src);
  if (!d) fail_errno("tmpcopyup %s: read the directory", shown(where).c_str());
  while (struct dirent* e = readdir(d)) {
    const char* n = e->d_name;
    if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
    std::string path = where + "/" + n;
    struct stat st;
    if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("tmpcopyup %s", shown(path).c_str());
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(dst, n, 0700) < 0) fail_errno("tmpcopyup %s: mkdir", shown(path).c_str());
      int s = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int t = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || t < 0) fail_errno("tmpcopyup %s: open", shown(path).c_str());
      copy_tree(s, t, path);
      close(s);
      close(t);
    } else if (S_ISREG(st.st_mode)) {
      int s = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      int t = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (s < 0 || t < 0) fail_errno("tmpcopyup %s: open", shown(path).c_str());
      char buf[65536];
      for (;;) {
        ssize_t r = read(s, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail_errno("tmpcopyup %s: read", shown(path).c_str());
        if (r == 0) break;
        for (ssize_t off = 0; off < r;) {
          ssize_t w = write(t, buf + off, r - off);
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) fail_errno("tmpcopyup %s: write", shown(path).c_str());
          off += w;
        }
      }
      close(s);
      close(t);
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t len = readlinkat(src, n, target, sizeof target - 1);
      if (len < 0) fail_errno("tmpcopyup %s: readlink", shown(path).c_str());
      target[len] = 0;
      if (symlinkat(target, dst, n) < 0) fail_errno("tmpcopyup %s: symlink", shown(path).c_str());
    } else {
      if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0) fail_errno("tmpcopyup %s: mknod", shown(path).c_str());
    }
    if (fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL && errno != EPERM)
      fail_errno("tmpcopyup %s: chown", shown(path).c_str());
    if (!S_ISLNK(st.st_mode) && fchmodat(dst, n, st.st_mode & 07777, 0) < 0) fail_errno("tmpcopyup %s: chmod", shown(path).c_str());
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (utimensat(dst, n, times, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("tmpcopyup %s: times", shown(path).c_str());
  }
  closedir(d);
}

// The files lxcfs emulates, which runc 1.1 lets a bind mount cover.
static const char* const kProcBindTargets[] = {"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat",  "proc/swaps",
                                               "proc/uptime",  "proc/loadavg",   "proc/slabinfo", "proc/net/dev"};

static bool inside_proc(const std::string& rel) { return rel == "proc" || rel.compare(0, 5, "proc/") == 0; }

// runc's checkProcMount, on the destination as resolved in the rootfs (`rel`,
// relative to it): nothing is mounted inside /proc but the files lxcfs
// emulates, and on /proc itself only a procfs (a new one, or a bind of the
// root of one). Otherwise the config puts its own files, or symlinks to
// host-wide settings, where the container's /proc files are (the
// CVE-2025-52881 class: a sysctl written through them changes the host's).
static void check_proc_destination(const MountEntry& m, const std::string& rel) {
  if (!inside_proc(rel) || ((m.flags & MS_REMOUNT) && !(m.ext & ME_BIND))) return;  // a remount adds nothing
  std::string where = "/" + rel;
  std::string what = where == m.dest ? shown(where) : "\"" + shown(m.dest) + "\" (" + shown(where) + " in the rootfs)";
  if (rel == "proc") {
    if (!(m.ext & ME_BIND) && m.fstype == "proc") return;
    struct statfs fs;
    struct stat st;
    if ((m.ext & ME_BIND) && statfs(m.source.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC) {
      if (stat(m.source.c_str(), &st) == 0 && st.st_ino == 1) return;  // the root of a procfs
      fail(0, "invalid config: /mounts/%u/destination: %s cannot be mounted from %s: it is a procfs directory, not the root of a procfs",
           m.index, what.c_str(), shown(m.source).c_str());
    }
    fail(0, "invalid config: /mounts/%u/destination: %s cannot be mounted because it is not of type proc", m.index, what.c_str());
  }
  // (/proc/net is procfs's symlink to self/net: on a procfs, /proc/net/dev
  // resolves to /proc/<pid>/net/dev and is refused, as by runc 1.1.5.)
  for (const char* t : kProcBindTargets)
    if (rel == t) return;
  fail(0, "invalid config: /mounts/%u/destination: %s cannot be mounted because it is inside /proc", m.index, what.c_str());
}

// The path of an open file as the kernel names it (its /proc/self/fd link,
// read through the verified procfs).
static std::string real_path_of(int fd) {
  int dir = procfs_open(procfs_pid_dir(0) + "fd", O_PATH | O_DIRECTORY);
  if (dir < 0) fail_errno("open /proc/self/fd");
  char buf[PATH_MAX + 1];
  ssize_t n = readlinkat(dir, std::to_string(fd).c_str(), buf, sizeof buf);
  close(dir);
  if (n < 0 || n > PATH_MAX) fail_errno("readlink /proc/self/fd/%d", fd);
  return std::string(buf, static_cast<size_t>(n));
}

// The mount point of `m`, opened: checked against /proc lexically first (so
// that nothing is created under /proc), then by how far the resolution got
// when it failed, then by the real path of what was opened (runc checks the
// same), which no symlink or race can make differ from what is mounted on.
static int open_mount_point(int rootfd, const MountEntry& m, bool create, bool is_file) {
  check_proc_destination(m, m.dest.substr(1));
  std::string err, resolved;
  int fd = open_in_root(rootfd, m.dest, create, is_file, &err, &resolved);
  if (fd < 0) {
    if (inside_proc(resolved)) check_proc_destination(m, resolved + "/...");
    fail(0, "mount %s: %s", shown(m.dest).c_str(), err.c_str());
  }
  std::string root = real_path_of(rootfd), real = real_path_of(fd);
  if (real.compare(0, root.size(), root) != 0 || (real.size() > root.size() && real[root.size()] != '/' && root != "/"))
    fail(0, "invalid config: /mounts/%u/destination: %s resolves to %s, outside the rootfs", m.index, shown(m.dest).c_str(), shown(real).c_str());
  check_proc_destination(m, real.substr(root == "/" ? 1 : std::min(real.size(), root.size() + 1)));
  return fd;
}

// As runc: proc and sysfs are mounted on an ordinary directory only, never
// through a symlink (even one that stays inside the rootfs) at any depth of
// the path. Missing components are fine: they are created as directories.
static void check_ordinary_dir(int rootfd, const MountEntry& m) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string rel = m.dest.size() > 1 ? m.dest.substr(1) : ".";
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd >= 0) {
    close(fd);
    return;
  }
  if (errno == ENOENT) return;
  const char* what = errno == ELOOP ? "a symlink on its path" : errno == ENOTDIR ? "not a directory on its path" : nullptr;
  if (!what) fail_errno("mount %s on %s", shown(m.fstype).c_str(), shown(m.dest).c_str());
  fail(0, "mount %s on %s: filesystem \"%s\" must be mounted on ordinary directory (%s)", shown(m.fstype).c_str(), shown(m.dest).c_str(),
       shown(m.fstype).c_str(), what);
}

// The recursive options (rro, rnosuid, ...): mount_setattr with AT_RECURSIVE
// on the mount now at the destination and everything below it.
static void apply_recursive_attrs(int rootfd, const MountEntry& m) {
  if (!m.attr_set && !m.attr_clr) return;
  int fd = resolve_or_fail(rootfd, m.dest, false, false, "mount");
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = m.attr_set;
  attr.attr_clr = m.attr_clr;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
    if (errno == ENOSYS)
      fail(ENOSYS, "mount %s: recursive mount options (rro, rnosuid, ...) need mount_setattr(2), Linux 5.12 or later",
           shown(m.dest).c_str());
    fail_errno("mount %s: set the recursive mount options (mount_setattr)", shown(m.dest).c_str());
  }
  close(fd);
}

static void mount_one(int rootfd, const MountEntry& m) {
  if (m.ext & ME_ORDINARY_DIR) check_ordinary_dir(rootfd, m);
  bool bind = (m.ext & ME_BIND) != 0;
  bool remount_only = (m.flags & MS_REMOUNT) && !bind;
  bool is_file = false;
  // a source opened outside the user namespace (bindsources.cc) is mounted from its fd
  std::string source = m.source_fd >= 0 ? fd_path(m.source_fd) : m.source;
  if (bind) {
    struct stat st;
    if (stat(source.c_str(), &st) < 0) fail_errno("mount %s: bind source %s", shown(m.dest).c_str(), shown(m.source).c_str());
    is_file = !S_ISDIR(st.st_mode);
  }
  int fd = open_mount_point(rootfd, m, !remount_only, is_file);
  std::string target = fd_path(fd);
  const char* data = m.data.empty() ? nullptr : m.data.c_str();
  if (remount_only) {
    if (mount(nullptr, target.c_str(), nullptr, m.flags, data) < 0) fail_errno("remount %s", shown(m.dest).c_str());
  } else if (bind) {
    if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND | (m.flags & MS_REC), nullptr) < 0)
      fail_errno("mount %s on %s (bind)", shown(m.source).c_str(), shown(m.dest).c_str());
    if (m.source_fd >= 0) close(m.source_fd);
    unsigned long rest = m.flags & ~(MS_BIND | MS_REC);
    if (rest) {
      close(fd);
      fd = resolve_or_fail(rootfd, m.dest, false, false, "mount");  // the new mount is on top now
      target = fd_path(fd);
      if (remount_keeping_locked(m.source.c_str(), target.c_str(), rest | MS_BIND | MS_REMOUNT | (m.flags & MS_REC)) < 0)
        fail_errno("remount bind mount %s with its options", shown(m.dest).c_str());
    }
  } else {
    // tmpcopyup: what the directory holds, read through a handle that
    // outlives its being covered by the new tmpfs.
    int under = -1;
    if (m.ext & ME_TMPCOPYUP) {
      under = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (under < 0) fail_errno("mount %s (tmpcopyup): open the directory", shown(m.dest).c_str());
    }
    // a copy-up tmpfs goes read-only once filled; a deferred one once the rootfs is complete
    bool deferred = (m.ext & ME_DEFER_RO) != 0;
    unsigned long first = under >= 0 || deferred ? m.flags & ~MS_RDONLY : m.flags;
    if (mount(m.source.c_str(), target.c_str(), m.fstype.c_str(), first, data) < 0) {
      // As runc 1.1: no fallback. The kernel lets a user namespace mount sysfs
      // only with a network namespace of its own.
      int e = errno;
      if (e == EPERM && m.fstype == "sysfs" && in_user_namespace())
        fail(e, "mount %s (type sysfs) on %s: in a user namespace, sysfs needs a new network namespace too "
                   "(or bind /sys: {\"type\": \"bind\", \"source\": \"/sys\", \"options\": [\"rbind\", \"ro\"]})",
                   shown(m.source).c_str(), shown(m.dest).c_str());
      fail(e, "mount %s (type %s) on %s", shown(m.source).c_str(), shown(m.fstype).c_str(), shown(m.dest).c_str());
    }
    if (under >= 0) {
      int top = resolve_or_fail(rootfd, m.dest, false, false, "mount");  // the new tmpfs
      int tmp = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (tmp < 0) fail_errno("mount %s (tmpcopyup): open the tmpfs", shown(m.dest).c_str());
      close(top);
      copy_tree(under, tmp, m.dest);
      close(tmp);
      close(under);
    }
    if (first != m.flags && !deferred) {
      close(fd);
      fd = resolve_or_fail(rootfd, m.dest, false, false, "mount");
      target = fd_path(fd);
      if (mount(nullptr, target.c_str(), nullptr, (m.flags & ~MS_REC) | MS_REMOUNT, data) < 0)
        fail_errno("remount %s read-only", shown(m.dest).c_str());
    }
  }
  if (!m.propagation.empty()) {
    close(fd);
    fd = resolve_or_fail(rootfd, m.dest, false, false, "mount");
    target = fd_path(fd);
    for (uint64_t pf : m.propagation)
      if (mount(nullptr, target.c_str(), nullptr, pf, nullptr) < 0) fail_errno("set propagation of %s", shown(m.dest).c_str());
  }
  close(fd);
  apply_recursive_attrs(rootfd, m);
}

static void dev_symlinks(int rootfd) {
  std::string err;
  int dev = open_in_root(rootfd, "/dev", true, false, &err);
  if (dev < 0) fail(0, "/dev: %s", err.c_str());
  // An O_PATH fd cannot be used with symlinkat; reopen it as a directory.
  int dfd = openat(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail_errno("open /dev");
  close(dev);
  struct { const char* target; const char* name; } links[] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (auto& l : links)
    if (symlinkat(l.target, dfd, l.name) < 0 && errno != EEXIST) fail_errno("symlink /dev/%s", l.name);
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dfd, "core") < 0 && errno != EEXIST)
    fail_errno("symlink /dev/core");
  // /dev/ptmx is the devpts multiplexer of the container's own /dev/pts.
  if (unlinkat(dfd, "ptmx", 0) < 0 && errno != ENOENT) fail_errno("remove /dev/ptmx");
  if (symlinkat("pts/ptmx", dfd, "ptmx") < 0) fail_errno("symlink /dev/ptmx");
  close(dfd);
}

struct MountLine { std::string root, mountpoint, fstype; };

static std::string unescape_mountinfo(const char* tok) {
  std::string out;
  for (const char* c = tok; *c; c++) {  // undo the octal escapes (\040 ...)
    if (c[0] == '\\' && c[1] >= '0' && c[1] <= '7' && c[2] && c[3]) {
      out += static_cast<char>((c[1] - '0') * 64 + (c[2] - '0') * 8 + (c[3] - '0'));
      c += 3;
    } else {
      out += *c;
    }
  }
  return out;
}

// Every line of /proc/self/mountinfo (read through the verified procfs): root,
// mount point, filesystem type.
static std::vector<MountLine> read_mountinfo() {
  std::string info;
  if (int err = procfs_read(procfs_pid_dir(0) + "mountinfo", &info, 64u << 20)) fail(err, "read /proc/self/mountinfo");
  std::vector<MountLine> out;
  size_t at = 0;
  while (at < info.size()) {
    size_t eol = info.find('\n', at);
    if (eol == std::string::npos) eol = info.size();
    std::string text = info.substr(at, eol - at);
    at = eol + 1;
    char* line = &text[0];
    // id parent major:minor root mountpoint options [optional...] - fstype source super
    std::vector<char*> tok;
    char* save = nullptr;
    for (char* t = strtok_r(line, " \n", &save); t; t = strtok_r(nullptr, " \n", &save)) tok.push_back(t);
    if (tok.size() < 5) continue;
    MountLine m{unescape_mountinfo(tok[3]), unescape_mountinfo(tok[4]), ""};
    for (size_t i = 5; i + 1 < tok.size(); i++)
      if (!strcmp(tok[i], "-")) { m.fstype = tok[i + 1]; break; }
    out.push_back(m);
  }
  return out;
}

static bool path_under(const std::string& path, const std::string& dir) {
  return path == dir || (path.compare(0, dir.size(), dir) == 0 && (dir == "/" || path[dir.size()] == '/'));
}

// The mount point (from /proc/self/mountinfo) under which `path` lies.
static std::string mount_point_of(const std::string& path) {
  std::string best = "/";
  for (const MountLine& m : read_mountinfo())
    if (path_under(path, m.mountpoint) && m.mountpoint.size() >= best.size()) best = m.mountpoint;
  return best;
}

// --no-pivot: chroot leaves the host's procfs and sysfs mounts reachable in
// the container's mount namespace, and the kernel lets a process that sees a
// full procfs mount a fresh one (in a new user and pid namespace), which
// masked paths do not cover. As runc's msMoveRoot: every full proc or sysfs
// mount outside the rootfs is detached (made a slave first, so that nothing
// propagates to the host), or covered with a tmpfs where that is refused.
static void mask_host_pseudo_filesystems(const std::string& rootfs) {
  for (const MountLine& m : read_mountinfo()) {
    if (m.root != "/" || (m.fstype != "proc" && m.fstype != "sysfs") || path_under(m.mountpoint, rootfs)) continue;
    const char* p = m.mountpoint.c_str();
    if (mount(nullptr, p, nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
      if (errno == ENOENT) continue;  // under one detached already
      fail_errno("--no-pivot: make %s a slave", p);
    }
    if (umount2(p, MNT_DETACH) < 0) {
      if (errno != EINVAL && errno != EPERM) fail_errno("--no-pivot: detach the host's %s (%s)", p, shown(m.fstype).c_str());
      if (mount("tmpfs", p, "tmpfs", 0, nullptr) < 0) fail_errno("--no-pivot: cover the host's %s (%s)", p, shown(m.fstype).c_str());
    }
  }
}

// Without a mount namespace, the mounts are the host's: nothing of the
// host's own changes (its propagation stays); the rootfs gets a bind of
// itself, made private, under which every mount of the container goes (and
// which delete detaches, lib/runtime/hostmounts.ts).
static void bind_rootfs_in_host_namespace(const Plan& p) {
  if (mount(p.rootfs.c_str(), p.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) fail_errno("bind mount rootfs %s", shown(p.rootfs).c_str());
  if (mount(nullptr, p.rootfs.c_str(), nullptr, MS_PRIVATE | MS_REC, nullptr) < 0) fail_errno("make the rootfs bind %s private", shown(p.rootfs).c_str());
}

void prepare_rootfs(const Plan& p) {
  if (p.flags & PF_HOST_MOUNT_NS) {
    bind_rootfs_in_host_namespace(p);
  } else {
  unsigned long prop = p.root_propagation ? p.root_propagation : (MS_SLAVE | MS_REC);
  if (mount(nullptr, "/", nullptr, prop, nullptr) < 0) fail_errno("set propagation of / (rootfsPropagation)");
  // As runc: the mount the rootfs lies in is made private, so that the bind
  // below never propagates anywhere and pivot_root accepts it (its parent may
  // not be shared) even with a "shared" rootfsPropagation.
  std::string parent = mount_point_of(p.rootfs);
  if (mount(nullptr, parent.c_str(), nullptr, MS_PRIVATE, nullptr) < 0)
    fail_errno("make the mount of the rootfs (%s) private", shown(parent).c_str());
  if (mount(p.rootfs.c_str(), p.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    int e = errno;
    if (e == EACCES && in_user_namespace())
      fail(e, "bind mount rootfs %s (in a user namespace, the container's root must be able to reach the rootfs: "
                 "every directory above it searchable by its host uid)", shown(p.rootfs).c_str());
    fail(e, "bind mount rootfs %s", shown(p.rootfs).c_str());
  }
  }
  int rootfd = open(p.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail_errno("open rootfs %s", shown(p.rootfs).c_str());
  for (const MountEntry& m : p.mounts) mount_one(rootfd, m);
  if (p.flags & PF_SETUP_DEV) {
    create_devices(p, rootfd);
    dev_symlinks(rootfd);
  }
  if (!p.cwd.empty()) {
    std::string err;
    int fd = open_in_root(rootfd, p.cwd, true, false, &err);
    if (fd < 0) fail(0, "create cwd %s: %s", shown(p.cwd).c_str(), err.c_str());
    close(fd);
  }
  close(rootfd);
}

void pivot_into_rootfs(const Plan& p) {
  if (p.flags & PF_HOST_MOUNT_NS) {
    // the host's mount namespace: its / is never moved or pivoted, and its
    // procfs and sysfs are the host's to keep
    if (chdir(p.rootfs.c_str()) < 0) fail_errno("chdir %s", shown(p.rootfs).c_str());
    if (chroot(".") < 0) fail_errno("chroot %s (no mount namespace)", shown(p.rootfs).c_str());
    if (chdir("/") < 0) fail_errno("chdir /");
    return;
  }
  if (p.flags & PF_NO_PIVOT) {
    mask_host_pseudo_filesystems(p.rootfs);
    if (chdir(p.rootfs.c_str()) < 0) fail_errno("chdir %s", shown(p.rootfs).c_str());
    if (mount(p.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) fail_errno("move rootfs onto / (--no-pivot)");
    if (chroot(".") < 0) fail_errno("chroot (--no-pivot)");
    if (chdir("/") < 0) fail_errno("chdir /");
    return;
  }
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) fail_errno("open /");
  int newroot = open(p.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) fail_errno("open rootfs %s", shown(p.rootfs).c_str());
  if (fchdir(newroot) < 0) fail_errno("chdir into rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail_errno("pivot_root %s", shown(p.rootfs).c_str());
  // The old root is now stacked under "."; detach it without letting the
  // unmount propagate back to the host.
  if (fchdir(oldroot) < 0) fail_errno("chdir to old root");
  if (mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) fail_errno("make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) fail_errno("unmount old root");
  if (chdir("/") < 0) fail_errno("chdir /");
  close(oldroot);
  close(newroot);
  // The new root came from a private mount: give it the asked propagation.
  if (p.root_propagation && mount(nullptr, "/", nullptr, p.root_propagation, nullptr) < 0)
    fail_errno("set propagation of the container's / (rootfsPropagation)");
}

static unsigned long locked_flags(const char* path) {
  struct statvfs s;
  if (statvfs(path, &s) < 0) return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static void readonly_path(const std::string& path) {
  if (mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    if (errno == ENOENT) return;
    fail_errno("readonly path %s: bind", shown(path).c_str());
  }
  unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(path.c_str());
  if (mount(path.c_str(), path.c_str(), nullptr, f, nullptr) < 0) fail_errno("readonly path %s: remount", shown(path).c_str());
}

static void mask_path(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return;
    fail_errno("masked path %s", shown(path).c_str());
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, nullptr) < 0) fail_errno("masked path %s: tmpfs", shown(path).c_str());
    return;
  }
  // The container's /dev/null may come from the rootfs (no /dev mount: an
  // existing node is kept): a symlink there (to /proc/timer_list, say) would
  // bind the masked file over itself. Bind only the real null device, from
  // the very inode checked (the CVE-2025-31133 class).
  int null_fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (null_fd < 0) fail_errno("masked path %s: open /dev/null", shown(path).c_str());
  struct stat ns;
  if (fstat(null_fd, &ns) < 0) fail_errno("masked path %s: stat /dev/null", shown(path).c_str());
  if (!S_ISCHR(ns.st_mode) || major(ns.st_rdev) != 1 || minor(ns.st_rdev) != 3)
    fail(EPERM, "masked path %s: /dev/null in the container is not the null device (1:3)", shown(path).c_str());
  int tree = static_cast<int>(syscall(SYS_open_tree, null_fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | O_CLOEXEC));
  if (tree < 0) fail_errno("masked path %s: clone /dev/null", shown(path).c_str());
  close(null_fd);
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    if (errno == ENOENT) { close(tree); return; }
    fail_errno("masked path %s: bind /dev/null", shown(path).c_str());
  }
  close(tree);
}

// Through the private procfs (procfs.h): whatever is mounted on, or linked
// from, the container's /proc/sys, the write reaches the kernel's own file.
static void write_sysctl(const KeyValue& kv) {
  std::string rel = "sys/";
  for (char c : kv.key) rel += (c == '.') ? '/' : c;
  if (int err = procfs_write(rel, kv.value))
    fail(err, "sysctl %s (linux.sysctl): write %s to /proc/%s", shown(kv.key).c_str(), shown(kv.value).c_str(), shown(rel).c_str());
}

// The read-only mounts that had to stay writable until the rootfs was
// complete (later mount points, devices, /dev/console, the cwd inside them).
// As runc's remountReadonly: a bind remount, which a user namespace may do.
static void remount_deferred_readonly(const Plan& p) {
  // After pivot_root (or chroot) a path resolves inside the container's root,
  // which may have no /proc for the fd paths used before it.
  for (const MountEntry& m : p.mounts) {
    if (!(m.ext & ME_DEFER_RO)) continue;
    unsigned long f = (m.flags & ~MS_REC) | MS_REMOUNT | MS_BIND | MS_RDONLY;
    if (remount_keeping_locked(nullptr, m.dest.c_str(), f) < 0) fail_errno("remount %s read-only", shown(m.dest).c_str());
  }
}

void finalize_rootfs(const Plan& p) {
  remount_deferred_readonly(p);
  for (const KeyValue& kv : p.sysctls) write_sysctl(kv);
  for (const std::string& r : p.readonly) readonly_path(r);
  for (const std::string& m : p.masked) mask_path(m);
  if (p.flags & PF_READONLY_ROOT) {
    unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/");
    if (mount(nullptr, "/", nullptr, f, nullptr) < 0) fail_errno("remount root read-only (root.readonly)");
  }
}

}  // namespace ocits
