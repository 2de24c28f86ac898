// The cgroup v2 device controller: a BPF_PROG_TYPE_CGROUP_DEVICE program
// built from the clean device rules (lib/cgroups/devices.ts bpfInput), loaded
// with bpf(BPF_PROG_LOAD) and attached to a cgroup2 dir with
// BPF_CGROUP_DEVICE + BPF_F_ALLOW_MULTI. The program has the layout of runc's
// devicefilter (itself from crun's ebpf.c): load type/access/major/minor,
// one block per rule (the first matching rule decides), then the default.
#include "devices_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace devices_bpf {

namespace {

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i;
  memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

void Accept(std::vector<bpf_insn>& p, bool allow) {
  p.push_back(Insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0));  // R0 <- allow
  p.push_back(Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

long Bpf(int cmd, bpf_attr* attr) { return syscall(__NR_bpf, cmd, attr, sizeof *attr); }

}  // namespace

std::vector<bpf_insn> Build(const Program& prog, std::string* err) {
  std::vector<bpf_insn> p;
  // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
  p.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));  // R2 <- access_type
  p.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF));     // R2 <- type (low 16 bits)
  p.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));  // R3 <- access_type
  p.push_back(Insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));         // R3 <- access (high 16 bits)
  p.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));  // R4 <- major
  p.push_back(Insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));  // R5 <- minor
  for (size_t n = 0; n < prog.rules.size(); n++) {
    const Rule& r = prog.rules[n];
    int32_t type;
    if (r.type == 'c') type = BPF_DEVCG_DEV_CHAR;
    else if (r.type == 'b') type = BPF_DEVCG_DEV_BLOCK;
    else {
      *err = "rule " + std::to_string(n) + ": invalid device type '" + std::string(1, r.type) + "'";
      return {};
    }
    int32_t access = 0;
    for (char c : r.access) {
      if (c == 'r') access |= BPF_DEVCG_ACC_READ;
      else if (c == 'w') access |= BPF_DEVCG_ACC_WRITE;
      else if (c == 'm') access |= BPF_DEVCG_ACC_MKNOD;
      else {
        *err = "rule " + std::to_string(n) + ": unknown device access '" + std::string(1, c) + "'";
        return {};
      }
    }
    if (r.major < -1 || r.major > 0xFFFFFFFFLL || r.minor < -1 || r.minor > 0xFFFFFFFFLL) {
      *err = "rule " + std::to_string(n) + ": invalid major/minor";
      return {};
    }
    const bool has_access = access != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
    const bool has_major = r.major >= 0, has_minor = r.minor >= 0;
    // every jump goes to the first instruction of the next block
    const int len = 1 + (has_access ? 3 : 0) + (has_major ? 1 : 0) + (has_minor ? 1 : 0) + 2;
    const int start = (int)p.size();
    auto to_next = [&]() { return (int16_t)(start + len - ((int)p.size() + 1)); };
    p.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, to_next(), type));  // if (type != T) next
    if (has_access) {
      // if ((R3 & access) != R3) next: the request wants more than the rule gives
      p.push_back(Insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
      p.push_back(Insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, access));
      p.push_back(Insn(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, to_next(), 0));
    }
    if (has_major) p.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, to_next(), (int32_t)(uint32_t)r.major));
    if (has_minor) p.push_back(Insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, to_next(), (int32_t)(uint32_t)r.minor));
    Accept(p, r.allow);
  }
  Accept(p, prog.default_allow);
  return p;
}

int LoadAndAttach(const std::string& cgroup_dir, const std::vector<bpf_insn>& insns, std::string* err) {
  int dirfd = open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    int e = errno;
    *err = "open " + cgroup_dir;
    return -e;
  }
  static char license[] = "Apache";
  std::vector<char> log(64 * 1024);
  bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns.data();
  attr.insn_cnt = (uint32_t)insns.size();
  attr.license = (uint64_t)(uintptr_t)license;
  attr.log_buf = (uint64_t)(uintptr_t)log.data();
  attr.log_size = (uint32_t)log.size();
  attr.log_level = 1;
  // The verifier gives up with EAGAIN when a signal is pending (the runtime's
  // own SIGCHLD, say): try again, as libbpf's sys_bpf_prog_load does (5 times).
  auto load = [&attr]() {
    int fd = -1;
    for (int i = 0; i < 5; i++) {
      fd = (int)Bpf(BPF_PROG_LOAD, &attr);
      if (fd >= 0 || errno != EAGAIN) break;
    }
    return fd;
  };
  int prog = load();
  if (prog < 0 && errno == ENOSPC) {
    // the verifier log did not fit: load again without it
    attr.log_buf = 0;
    attr.log_size = 0;
    attr.log_level = 0;
    prog = load();
  }
  if (prog < 0) {
    int e = errno;
    close(dirfd);
    *err = "bpf(BPF_PROG_LOAD) of the device program";
    if (log[0]) *err += " (verifier: " + std::string(log.data()).substr(0, 400) + ")";
    return -e;
  }
  memset(&attr, 0, sizeof attr);
  attr.target_fd = dirfd;
  attr.attach_bpf_fd = prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attr) < 0) {
    int e = errno;
    close(prog);
    close(dirfd);
    *err = "bpf(BPF_PROG_ATTACH) of the device program to " + cgroup_dir;
    return -e;
  }
  close(dirfd);
  return prog;
}

int Detach(const std::string& cgroup_dir, int prog_fd, std::string* err) {
  int dirfd = open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    int e = errno;
    *err = "open " + cgroup_dir;
    return -e;
  }
  bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = dirfd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  int rc = (int)Bpf(BPF_PROG_DETACH, &attr);
  int e = errno;
  close(dirfd);
  if (rc < 0) {
    *err = "bpf(BPF_PROG_DETACH) of the device program from " + cgroup_dir;
    return -e;
  }
  return 0;
}

}  // namespace devices_bpf

namespace ocits_native {

namespace {
Napi::Error BpfError(Napi::Env env, int err, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}
}  // namespace

Napi::Value DevicesProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object in = info[0].As<Napi::Object>();
  devices_bpf::Program prog;
  prog.default_allow = in.Get("defaultAllow").ToBoolean().Value();
  Napi::Array rules = in.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object r = rules.Get(i).As<Napi::Object>();
    std::string type = r.Get("type").As<Napi::String>();
    devices_bpf::Rule rule;
    rule.type = type.size() == 1 ? type[0] : '?';
    rule.major = r.Get("major").As<Napi::Number>().Int64Value();
    rule.minor = r.Get("minor").As<Napi::Number>().Int64Value();
    rule.access = r.Get("access").As<Napi::String>().Utf8Value();
    rule.allow = r.Get("allow").ToBoolean().Value();
    prog.rules.push_back(rule);
  }
  std::string err;
  std::vector<bpf_insn> insns = devices_bpf::Build(prog, &err);
  if (insns.empty()) throw Napi::Error::New(env, "device program: " + err);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(insns.data()), insns.size() * sizeof(bpf_insn));
}

Napi::Value DevicesAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  if (buf.Length() == 0 || buf.Length() % sizeof(bpf_insn) != 0) throw Napi::Error::New(env, "device program: bad instruction buffer");
  std::vector<bpf_insn> insns(buf.Length() / sizeof(bpf_insn));
  memcpy(insns.data(), buf.Data(), buf.Length());
  std::string err;
  int fd = devices_bpf::LoadAndAttach(dir, insns, &err);
  if (fd < 0) throw BpfError(env, -fd, err);
  return Napi::Number::New(env, fd);
}

Napi::Value DevicesDetach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  int fd = info[1].As<Napi::Number>().Int32Value();
  std::string err;
  int rc = devices_bpf::Detach(dir, fd, &err);
  if (rc < 0) throw BpfError(env, -rc, err);
  return env.Undefined();
}

}  // namespace ocits_native
