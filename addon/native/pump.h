// The copy loop of the foreground commands (run, exec without -d): the
// caller's stdio to and from a container's pty master (ttyPump, tty.cc) or
// its stdio pipes (stdioPump). One thread-pool thread polls every channel.
#pragma once
#include <napi.h>
#include <vector>

namespace ocits_native {

struct PumpChannel {
  int src = -1;  // read from
  int dst = -1;  // written to; -1: what is read is dropped
  // An output (container -> caller): the pump ends once every output's
  // source is drained (EOF, or EIO from a pty master whose slaves are all
  // closed). An input (caller -> container) is buffered, so that a container
  // that does not read never blocks the copy of its output.
  bool output = false;
  // An input whose dst is closed once its source is at EOF and all of it was
  // written (a pipe: the container reads EOF). A pty gets no EOF (as runc).
  bool eof_closes_dst = false;
  // An output whose dst fails: end the pump with the error (a terminal), or
  // else close the source, so that the container's writer gets EPIPE as it
  // would writing to the caller's closed pipe itself.
  bool write_error_ends = false;
};

// { done: Promise<void>, stop(): void }. The srcs of outputs and the dsts of
// inputs are the runtime's own ends (made non-blocking while the pump runs).
// `owned` fds are closed once the pump is done; the others are left open.
Napi::Object StartPump(Napi::Env env, std::vector<PumpChannel> channels, std::vector<int> owned);

// stdioPump(callerIn, toContainer, fromOut, callerOut, fromErr, callerErr) -> { done, stop }
// Takes the three pipe ends of the runtime (closing them when done); the
// caller's fds (-1: none) are never closed or made non-blocking.
Napi::Value StdioPump(const Napi::CallbackInfo& info);
// pipe() -> [read, write], both close-on-exec
Napi::Value Pipe(const Napi::CallbackInfo& info);

}  // namespace ocits_native
