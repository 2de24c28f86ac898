// seccomp in the parent: the filter compiled to BPF by libseccomp, what this
// host supports (for `features`), and the hand-off of a notify fd to the
// seccomp agent. See seccomp.cc.
#pragma once
#include <napi.h>

namespace ocits_native {

// seccompCompile(desc) -> { bpf: Buffer, ignored: string[] }
Napi::Value SeccompCompile(const Napi::CallbackInfo& info);
// seccompInfo() -> { version, apiLevel, archs: string[], flags: string[], actions: string[] }
Napi::Value SeccompInfo(const Napi::CallbackInfo& info);
// sendSeccompListener(path, payload: Buffer, fd) -> undefined; throws with errno
Napi::Value SendSeccompListener(const Napi::CallbackInfo& info);

}  // namespace ocits_native
