// Device nodes of linux.devices and the spec's default devices: mknod where
// the container may, bind mounts of the host's nodes where it may not (user
// namespaces). Parents are resolved inside the rootfs like mount destinations.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "init.h"
#include "../common/protocol.h"

namespace ocits {

static void split(const std::string& path, std::string* dir, std::string* base) {
  size_t k = path.find_last_of('/');
  *dir = k == std::string::npos ? "/" : path.substr(0, k);
  *base = k == std::string::npos ? path : path.substr(k + 1);
}

void create_devices(const Plan& p, int rootfd) {
  for (const DeviceEntry& d : p.devices) {
    std::string dir, base, err;
    split(d.path, &dir, &base);
    if (base.empty() || base == "." || base == "..") fail(EINVAL, "device %s: bad path", shown(d.path).c_str());
    int pfd = open_in_root(rootfd, dir, true, false, &err);
    if (pfd < 0) fail(0, "device %s: %s", shown(d.path).c_str(), err.c_str());
    int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) fail_errno("device %s: open %s", shown(d.path).c_str(), shown(dir).c_str());
    close(pfd);
    if (p.flags & PF_BIND_DEVICES) {
      // The mount point: a new empty file, or what is there already opened
      // without opening it for I/O (O_PATH: a fifo or a device left in the
      // rootfs must neither block nor act), and never through a symlink.
      int f = openat(dfd, base.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (f < 0 && errno == EEXIST) {
        f = openat(dfd, base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (f >= 0 && fstat(f, &st) == 0 && (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)))
          fail(EINVAL, "device %s: the rootfs has a %s there", shown(d.path).c_str(), S_ISLNK(st.st_mode) ? "symlink" : "directory");
      }
      if (f < 0) fail_errno("device %s: create mount point", shown(d.path).c_str());
      std::string target = "/proc/self/fd/" + std::to_string(f);
      if (mount(d.path.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
        fail_errno("device %s: bind mount from the host", shown(d.path).c_str());
      close(f);
    } else {
      mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
      if (mknodat(dfd, base.c_str(), type | (d.mode & 07777), makedev(d.major, d.minor)) < 0) {
        if (errno != EEXIST) fail_errno("device %s: mknod", shown(d.path).c_str());
        // config-linux.md: a file already at the path that is not this device is an error.
        struct stat st;
        if (fstatat(dfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("device %s: stat", shown(d.path).c_str());
        bool same = (st.st_mode & S_IFMT) == type && (type == S_IFIFO || st.st_rdev == makedev(d.major, d.minor));
        if (!same) fail(EEXIST, "device %s: the rootfs has another file there (not this device)", shown(d.path).c_str());
      } else {
        if (fchownat(dfd, base.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) fail_errno("device %s: chown", shown(d.path).c_str());
      }
    }
    close(dfd);
  }
}

}  // namespace ocits
