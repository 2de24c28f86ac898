/*
 * The conformance suite's checker: a tiny static program copied into every
 * bundle as /bin/checker, for what busybox cannot show from inside a container.
 *
 *   checker syscall NR [ARG...]   call syscall NR (x86_64 numbers), print "ret=R errno=E"
 *   checker fds                   print the open file descriptors (not its own dir fd)
 *   checker personality           print the process's personality (hex)
 *   checker ioprio                print ioprio_get(IOPRIO_WHO_PROCESS, 0) as "class=C level=L"
 * On the host (the suite runs it from the rootfs template):
 *   checker console-socket SOCK OUT   listen on SOCK, take one pty master (SCM_RIGHTS) and
 *                                     copy what the container writes to OUT until it closes
 *   checker seccomp-agent SOCK OUT    listen on SOCK, take one container process state (and
 *                                     its fds); write "fds=N", "closed=yes|no", "connections=N"
 *                                     and the payload to OUT
 *
 * Built by the suite with `cc -static -O2` (conformance/checker.ts); never committed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

static int usage(void) {
  fprintf(stderr, "usage: checker syscall NR [ARG...] | fds | personality | ioprio | console-socket SOCK OUT | seccomp-agent SOCK OUT\n");
  return 2;
}

static int listen_on(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (s < 0 || strlen(path) >= sizeof a.sun_path) return -1;
  strcpy(a.sun_path, path);
  unlink(path);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0) return -1;
  return s;
}

/* one message with up to 8 fds; returns its length, fills fds/nfds */
static ssize_t recv_fds(int c, char *buf, size_t len, int *fds, int *nfds) {
  char ctl[CMSG_SPACE(8 * sizeof(int))];
  struct iovec iov = {buf, len};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
  *nfds = 0;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
      int k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      memcpy(fds + *nfds, CMSG_DATA(h), k * sizeof(int));
      *nfds += k;
    }
  }
  return n;
}

static int console_socket(const char *sock, const char *out) {
  int s = listen_on(sock);
  if (s < 0) {
    perror("listen");
    return 1;
  }
  int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return 1;
  char buf[4096];
  int fds[8], nfds = 0;
  if (recv_fds(c, buf, sizeof buf, fds, &nfds) < 0 || nfds < 1) return 1;
  int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (o < 0) return 1;
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break; /* EIO once every slave fd is closed */
    if (write(o, buf, n) != n) break;
  }
  close(o);
  return 0;
}

static int seccomp_agent(const char *sock, const char *out) {
  int s = listen_on(sock);
  if (s < 0) {
    perror("listen");
    return 1;
  }
  int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return 1;
  static char buf[65536];
  int fds[8], nfds = 0;
  ssize_t n = recv_fds(c, buf, sizeof buf - 1, fds, &nfds);
  if (n < 0) return 1;
  size_t total = n;
  /* the rest of the payload (several sendmsg calls are allowed), then EOF or silence */
  const char *closed = "no";
  for (;;) {
    struct pollfd p = {c, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) break;
    ssize_t k = read(c, buf + total, sizeof buf - 1 - total);
    if (k == 0) {
      closed = "yes";
      break;
    }
    if (k < 0) break;
    total += k;
  }
  buf[total] = 0;
  int connections = 1;
  struct pollfd p = {s, POLLIN, 0};
  if (poll(&p, 1, 500) > 0) connections++;
  FILE *f = fopen(out, "w");
  if (!f) return 1;
  fprintf(f, "fds=%d\nclosed=%s\nconnections=%d\n%s\n", nfds, closed, connections, buf);
  fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "syscall") == 0) {
    if (argc < 3) return usage();
    long a[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 3; i < argc && i - 3 < 6; i++) a[i - 3] = strtol(argv[i], NULL, 0);
    errno = 0;
    long r = syscall(strtol(argv[2], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
    printf("ret=%ld errno=%d\n", r, r == -1 ? errno : 0);
    return 0;
  }
  if (strcmp(argv[1], "fds") == 0) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
      perror("opendir /proc/self/fd");
      return 1;
    }
    int self = dirfd(d);
    struct dirent *e;
    const char *sep = "";
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      if (atoi(e->d_name) == self) continue;
      printf("%s%s", sep, e->d_name);
      sep = " ";
    }
    printf("\n");
    closedir(d);
    return 0;
  }
  if (strcmp(argv[1], "personality") == 0) {
    printf("0x%x\n", (unsigned)personality(0xffffffff));
    return 0;
  }
  if (strcmp(argv[1], "ioprio") == 0) {
    long r = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (r < 0) {
      printf("error errno=%d\n", errno);
      return 1;
    }
    printf("class=%ld level=%ld\n", r >> 13, r & 0x1fff);
    return 0;
  }
  if (strcmp(argv[1], "console-socket") == 0 && argc == 4) return console_socket(argv[2], argv[3]);
  if (strcmp(argv[1], "seccomp-agent") == 0 && argc == 4) return seccomp_agent(argv[2], argv[3]);
  return usage();
}
