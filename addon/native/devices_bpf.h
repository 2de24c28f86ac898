// The cgroup v2 eBPF device program (devices_bpf.cc).
#pragma once
#include <napi.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string>
#include <vector>

namespace devices_bpf {

struct Rule {
  char type;  // 'c' or 'b'
  int64_t major;  // -1: any
  int64_t minor;  // -1: any
  std::string access;  // some of r, w, m
  bool allow;
};

struct Program {
  bool default_allow;
  std::vector<Rule> rules;  // first match decides
};

// The instructions; empty with *err set on a bad rule.
std::vector<bpf_insn> Build(const Program& prog, std::string* err);
// Load and attach (BPF_F_ALLOW_MULTI); the program fd, or -errno with *err naming the step.
int LoadAndAttach(const std::string& cgroup_dir, const std::vector<bpf_insn>& insns, std::string* err);
// Detach one attached program; 0 or -errno.
int Detach(const std::string& cgroup_dir, int prog_fd, std::string* err);

}  // namespace devices_bpf

namespace ocits_native {
// devicesProgram({defaultAllow, rules: [{type, major, minor, access, allow}]}) -> Buffer of struct bpf_insn
Napi::Value DevicesProgram(const Napi::CallbackInfo& info);
// devicesAttach(cgroupDir, insns) -> program fd (close-on-exec; the caller closes it)
Napi::Value DevicesAttach(const Napi::CallbackInfo& info);
// devicesDetach(cgroupDir, progFd)
Napi::Value DevicesDetach(const Napi::CallbackInfo& info);
}  // namespace ocits_native
