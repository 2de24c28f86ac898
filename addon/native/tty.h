// Terminals on the runtime's side (console socket, pty master, raw mode, the
// copy loop of a foreground terminal). See tty.cc.
#pragma once
#include <napi.h>

namespace ocits_native {

Napi::Value ConnectUnix(const Napi::CallbackInfo& info);  // connectUnix(path) -> fd
Napi::Value StreamPair(const Napi::CallbackInfo& info);   // streamPair() -> [fd, fd]
Napi::Value RecvFd(const Napi::CallbackInfo& info);       // recvFd(sock, timeoutMs) -> { fd, payload } | null
Napi::Value GetWinsize(const Napi::CallbackInfo& info);   // getWinsize(fd) -> { rows, cols } | null
Napi::Value SetWinsize(const Napi::CallbackInfo& info);   // setWinsize(fd, rows, cols)
Napi::Value TtyMakeRaw(const Napi::CallbackInfo& info);   // ttyMakeRaw(fd) -> Buffer | null
Napi::Value TtyRestore(const Napi::CallbackInfo& info);   // ttyRestore(fd, saved)
Napi::Value TtyPump(const Napi::CallbackInfo& info);      // ttyPump(master, in, out) -> { done, stop }

}  // namespace ocits_native
