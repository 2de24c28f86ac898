// process.terminal: the container's pty, its master sent over the console socket.
#include <errno.h>
#include "init.h"

namespace ocits {

void setup_console(const Plan& p, int console_sock, bool mount_console) {
  fail(ENOTSUP, "a terminal is not implemented yet");
}

}  // namespace ocits
