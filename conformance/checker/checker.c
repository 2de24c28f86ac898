/*
 * The conformance suite's checker: a tiny static program copied into every
 * bundle as /bin/checker, for what busybox cannot show from inside a container.
 *
 *   checker syscall NR [ARG...]   call syscall NR (x86_64 numbers), print "ret=R errno=E"
 *   checker fds                   print the open file descriptors (not its own dir fd)
 *   checker personality           print the process's personality (hex)
 *   checker ioprio                print ioprio_get(IOPRIO_WHO_PROCESS, 0) as "class=C level=L"
 *
 * Built by the suite with `cc -static -O2` (conformance/checker.ts); never committed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

static int usage(void) {
  fprintf(stderr, "usage: checker syscall NR [ARG...] | fds | personality | ioprio\n");
  return 2;
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
  return usage();
}
