// process.terminal: the container's pty, its master sent over the console socket.
// runc's setupConsole + dupStdio + setctty, in one step: open the container's
// /dev/ptmx (its own devpts instance, also in a new user namespace), unlock it,
// apply process.consoleSize, bind the slave on /dev/console (create), send the
// master with ONE sendmsg ("/dev/ptmx", SCM_RIGHTS, exactly one fd), close the
// socket, make the slave stdin/stdout/stderr and the controlling terminal of a
// new session, close the master.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <string>
#include "init.h"
#include "../common/wire.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace ocits {

// Open `path` inside our (already pivoted or chrooted) root: symlinks are
// followed but never out of it, and never through a magic link.
static int open_in_our_root(const char* path, int flags) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return -1;
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd;
  do fd = static_cast<int>(syscall(SYS_openat2, root, path, &how, sizeof how));
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  int e = errno;
  close(root);
  errno = e;
  return fd;
}

// Bind the slave (the very file the fd refers to) on /dev/console, created
// as an empty file if missing, resolved without leaving the root.
static void mount_console(int slave) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) fail_errno("console: open /");
  std::string err;
  int target = open_in_root(root, "/dev/console", true, true, &err);
  close(root);
  if (target < 0) fail(0, "console: /dev/console: %s", err.c_str());
  struct stat st;
  if (fstat(target, &st) < 0) fail_errno("console: stat /dev/console");
  if (S_ISDIR(st.st_mode)) fail(EISDIR, "console: /dev/console is a directory");
  int tree = static_cast<int>(syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | O_CLOEXEC));
  if (tree < 0) fail_errno("console: clone the pty slave's mount");
  if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail_errno("console: bind the pty slave on /dev/console");
  close(tree);
  close(target);
}

static void send_master(int sock, int master) {
  static const char name[] = "/dev/ptmx";
  struct iovec iov = {const_cast<char*>(name), sizeof name - 1};
  FdControl ctl;
  struct msghdr m {};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  attach_fd(&m, &ctl, master);
  ssize_t n;
  do n = sendmsg(sock, &m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) fail_errno("console: send the pty master over the console socket");
  if (n != static_cast<ssize_t>(iov.iov_len)) fail(EIO, "console: short send over the console socket");
}

void setup_console(const Plan& p, int console_sock, bool mount) {
  if (console_sock < 0) fail(EINVAL, "console: no console socket");
  int master = open_in_our_root("/dev/ptmx", O_RDWR | O_NOCTTY);
  if (master < 0) {
    int e = errno;
    struct stat st;
    if (e == ENOENT && stat("/dev/pts/ptmx", &st) < 0)
      fail(e, "console: open /dev/ptmx: no devpts instance at /dev/pts (a terminal needs a devpts mount on /dev/pts)");
    fail(e, "console: open /dev/ptmx");
  }
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail_errno("console: unlock the pty");
  // As runc: only when both are given.
  if (p.console_rows && p.console_cols) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(p.console_rows);
    ws.ws_col = static_cast<unsigned short>(p.console_cols);
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) fail_errno("console: set the size (process.consoleSize)");
  }
  // The slave through the master (never a path lookup that could be raced).
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail_errno("console: open the pty slave");
  if (mount) mount_console(slave);
  send_master(console_sock, master);
  close(console_sock);
  // As runc's fixStdioPermissions: the process's user owns its terminal
  // (the uid only: the devpts mount chooses the group); an owner that cannot
  // be changed (unmapped ids, read-only /dev) is left as it is.
  if (p.uid && fchown(slave, p.uid, static_cast<gid_t>(-1)) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
    fail_errno("console: chown the pty slave");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) fail_errno("console: make the pty slave fd %d", fd);
  if (slave > 2) close(slave);
  if (setsid() < 0) fail_errno("console: setsid");
  if (ioctl(0, TIOCSCTTY, 0) < 0) fail_errno("console: make the pty the controlling terminal (ioctl TIOCSCTTY)");
  close(master);
}

}  // namespace ocits
