// Verified procfs access, shared by the init and the addon: every write to a
// procfs file (sysctls, oom_score_adj, id maps, setgroups, LSM attrs, time
// offsets) and every read that decides something goes through here, never
// through a "/proc/..." path. A container config can put mounts or symlinks
// over the container's /proc (a volume on /proc/sys/kernel holding a symlink
// to /proc/sys/fs/lease-break-time, the CVE-2025-52881 class): a path walk
// would follow them to a host-wide setting.
//
// The handle is, in this order of preference (as runc's pathrs-lite):
//  1. a private procfs instance (fsopen + fsmount): nothing is mounted on it;
//  2. a detached clone of /proc (open_tree OPEN_TREE_CLONE, not recursive):
//     the overmounts stay behind;
//  3. /proc itself.
// Each must be the root of a procfs (fstatfs PROC_SUPER_MAGIC, inode 1), and
// every file is reached with openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV (a mount or a symlink on the way is
// an error, not a detour) and checked to be on procfs before it is used.
// Hand-written: no maintained C/C++ library does this (runc's is Go,
// libpathrs is Rust).
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <string>

namespace ocits {

namespace procfs_detail {

constexpr ino_t kProcRootIno = 1;  // only the root of a procfs superblock has it

inline bool on_procfs(int fd) {
  struct statfs s;
  return fstatfs(fd, &s) == 0 && s.f_type == PROC_SUPER_MAGIC;
}

inline int checked_root(int fd) {
  if (fd < 0) return -1;
  struct stat st;
  if (on_procfs(fd) && fstat(fd, &st) == 0 && st.st_ino == kProcRootIno) return fd;
  close(fd);
  errno = EXDEV;
  return -1;
}

inline int open_root() {
  int fs = static_cast<int>(syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC));
  if (fs >= 0) {
    int mnt = -1;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
      mnt = static_cast<int>(syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    close(fs);
    if ((mnt = checked_root(mnt)) >= 0) return mnt;
  }
  // Without the privilege to mount (a runtime without root, a user namespace
  // whose procfs is not fully visible): the real /proc, its overmounts refused below.
  int clone = checked_root(static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (clone >= 0) return clone;
  return checked_root(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
}

}  // namespace procfs_detail

// The procfs root handle: opened on first use and kept (close-on-exec) for
// the life of the process, its forks included. -1 with errno when no procfs
// root can be had at all.
inline int procfs_root() {
  static int root = -1;
  if (root < 0) root = procfs_detail::open_root();
  return root;
}

// "<pid>/" for pid > 0; for pid 0 our own directory as the handle's procfs
// counts pids ("self" is read, never followed). Empty with errno on failure.
inline std::string procfs_pid_dir(pid_t pid) {
  if (pid > 0) return std::to_string(pid) + "/";
  int root = procfs_root();
  if (root < 0) return std::string();
  char buf[32];
  ssize_t n = readlinkat(root, "self", buf, sizeof buf - 1);
  if (n <= 0) return std::string();
  return std::string(buf, static_cast<size_t>(n)) + "/";
}

// Open `rel` (relative to the procfs root, e.g. "sys/kernel/hostname" or
// procfs_pid_dir(0) + "attr/exec") without crossing a mount or following any
// symlink, and only if the file is on procfs. -1 with errno (ELOOP: a
// symlink on the way; EXDEV: a mount on the way, or not procfs).
inline int procfs_open(const std::string& rel, int flags) {
  int root = procfs_root();
  if (root < 0) return -1;
  if (rel.empty() || rel[0] == '/') {
    errno = EINVAL;
    return -1;
  }
  struct open_how how;
  memset(&how, 0, sizeof how);
  // (openat2 takes no other flag with O_PATH)
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return -1;
  if (!procfs_detail::on_procfs(fd)) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  return fd;
}

// The whole of `data` in one write(2) at offset 0, as the kernel takes id
// maps, sysctls and attrs. 0, or the errno of the open or the write (EIO for
// a short write).
inline int procfs_write(const std::string& rel, const void* data, size_t len) {
  int fd = procfs_open(rel, O_WRONLY);
  if (fd < 0) return errno;
  ssize_t n;
  do n = write(fd, data, len); while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : (static_cast<size_t>(n) != len ? EIO : 0);
  close(fd);
  return err;
}

inline int procfs_write(const std::string& rel, const std::string& text) { return procfs_write(rel, text.data(), text.size()); }

// Read up to `max` bytes of `rel` into *out. 0 or errno.
inline int procfs_read(const std::string& rel, std::string* out, size_t max = 1 << 20) {
  int fd = procfs_open(rel, O_RDONLY);
  if (fd < 0) return errno;
  out->clear();
  char buf[4096];
  int err = 0;
  while (out->size() < max) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { err = errno; break; }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return err;
}

// A magic link's target (e.g. "<pid>/ns/mnt"), opened: the directory is
// reached as procfs_open does, only the last component is followed. -1 with errno.
inline int procfs_open_link(const std::string& dir, const char* name, int flags) {
  int d = procfs_open(dir, O_PATH | O_DIRECTORY);
  if (d < 0) return -1;
  int fd = openat(d, name, flags | O_CLOEXEC);
  int err = errno;
  close(d);
  errno = err;
  return fd;
}

// stat() of a magic link's target (e.g. "<pid>/ns/net", "<pid>/exe"), as
// procfs_open_link reaches it. 0 or errno.
inline int procfs_stat_link(const std::string& dir, const char* name, struct stat* st) {
  int fd = procfs_open_link(dir, name, O_PATH);
  if (fd < 0) return errno;
  int rc = fstat(fd, st);
  int err = rc < 0 ? errno : 0;
  close(fd);
  return err;
}

}  // namespace ocits
