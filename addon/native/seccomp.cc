// seccomp in the parent. The filter is compiled here, by libseccomp, to a
// raw BPF program (struct sock_filter[]) that the init loads with seccomp(2)
// right before execve: the init never links libseccomp and never parses a
// profile. What the rules mean is decided in lib/plan/seccomp.ts (actions and
// operators as numbers, errno defaults, validation with JSON pointers); this
// file only talks to libseccomp, exactly the way runc 1.1.5 does:
//  - the native architecture is always in the filter (seccomp_init adds it),
//    `architectures` are added to it;
//  - a syscall name libseccomp does not know is ignored (runc: "unknown
//    seccomp syscall ... ignored", at debug level); the names are returned so
//    that the caller can log them;
//  - a rule whose action is the default action is skipped (libseccomp would
//    refuse it);
//  - argument conditions of one rule are ANDed, unless two of them test the
//    same argument: then each condition becomes a rule of its own (ORed);
//  - more than 32 rules: libseccomp's binary-tree optimization (level 2);
//  - no_new_privs is not libseccomp's business (SCMP_FLTATR_CTL_NNP off): the
//    init sets it itself when process.noNewPrivileges asks for it;
//  - runc's -ENOSYS stub (libcontainer/seccomp/patchbpf) is prepended when the
//    default action is not permissive: on each architecture listed in
//    `architectures`, a syscall newer than the newest one the profile names
//    fails with ENOSYS instead of getting the default action, so that libcs
//    fall back from syscalls the profile predates (clone3, faccessat2, ...).
#include "unixsock.h"
#include "seccomp.h"
#include "errors.h"
#include "../common/wire.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <deque>
#include <map>
#include <string>
#include <vector>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace ocits_native {
namespace {

// The runtime-spec's architecture names and libseccomp's own.
struct Arch {
  const char* spec;
  const char* lib;
};
const Arch kArchs[] = {
    {"SCMP_ARCH_X86", "x86"},           {"SCMP_ARCH_X86_64", "x86_64"},       {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_ARM", "arm"},           {"SCMP_ARCH_AARCH64", "aarch64"},     {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},     {"SCMP_ARCH_MIPS64N32", "mips64n32"}, {"SCMP_ARCH_MIPSEL", "mipsel"},
    {"SCMP_ARCH_MIPSEL64", "mipsel64"}, {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    {"SCMP_ARCH_PPC", "ppc"},           {"SCMP_ARCH_PPC64", "ppc64"},         {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_S390", "s390"},         {"SCMP_ARCH_S390X", "s390x"},         {"SCMP_ARCH_PARISC", "parisc"},
    {"SCMP_ARCH_PARISC64", "parisc64"}, {"SCMP_ARCH_RISCV64", "riscv64"},     {"SCMP_ARCH_LOONGARCH64", "loongarch64"},
};

// libseccomp's token for a spec architecture name; 0 when this libseccomp does not know it.
uint32_t ArchToken(const std::string& spec) {
  for (const Arch& a : kArchs)
    if (spec == a.spec) return seccomp_arch_resolve_name(a.lib);
  return 0;
}

// ---------------------------------------------------------------- -ENOSYS stub
// A port of runc's generateEnosysStub: jumps are relative, so the program is
// built backwards from its tail, which ends right where libseccomp's filter
// begins.

sock_filter Stmt(uint16_t code, uint32_t k) { return sock_filter{code, 0, 0, k}; }
sock_filter Jump(uint16_t op, uint32_t k, uint8_t jt, uint8_t jf) {
  return sock_filter{static_cast<uint16_t>(BPF_JMP | op | BPF_K), jt, jf, k};
}
sock_filter LoadWord(uint32_t off) { return Stmt(BPF_LD | BPF_W | BPF_ABS, off); }
sock_filter Ja(uint32_t k) { return Stmt(BPF_JMP | BPF_JA, k); }
sock_filter Ret(uint32_t k) { return Stmt(BPF_RET | BPF_K, k); }

const uint32_t kRetEnosys = SCMP_ACT_ERRNO(ENOSYS);
const uint32_t kX32Bit = 0x40000000;

// audit arch -> (libseccomp arch token -> largest syscall number in the profile)
using LastSyscalls = std::map<uint32_t, std::map<uint32_t, int>>;

bool EnosysStub(const LastSyscalls& last, std::vector<sock_filter>* out, std::string* why) {
  std::deque<sock_filter> tail = {Ja(1), Ret(kRetEnosys)};
  std::map<uint32_t, uint32_t> jump_table;  // audit arch -> section start, counted from the end
  for (const auto& [audit, max] : last) {
    if (max.empty()) continue;
    uint32_t base_enosys = static_cast<uint32_t>(tail.size()) - 1;
    uint32_t base_filter = base_enosys + 1;
    std::vector<sock_filter> section = {LoadWord(offsetof(struct seccomp_data, nr))};
    if (max.size() == 1) {
      uint32_t token = max.begin()->first;
      uint32_t sysno = static_cast<uint32_t>(max.begin()->second);
      if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X) {
        // setup(2), number 0, multiplexes large syscall numbers there: ENOSYS.
        section.push_back(Jump(BPF_JEQ, 0, 0, 1));
        section.push_back(Ret(kRetEnosys));
      }
      std::vector<sock_filter> st;
      if (base_enosys + 1 <= 255) {
        st = {Jump(BPF_JGT, sysno, static_cast<uint8_t>(base_enosys + 1), 0), Ja(base_filter)};
      } else {
        st = {Jump(BPF_JGT, sysno, 0, 1), Ret(kRetEnosys), Ja(base_filter)};
      }
      if (audit == AUDIT_ARCH_X86_64) {
        // x86_64 and x32 share the audit arch; x32 sets bit 30 of the number.
        uint8_t skip = static_cast<uint8_t>(st.size() - 1);
        if (token == SCMP_ARCH_X86_64) st.insert(st.begin(), Jump(BPF_JSET, kX32Bit, skip, 0));
        else if (token == SCMP_ARCH_X32) st.insert(st.begin(), Jump(BPF_JSET, kX32Bit, 0, skip));
        else { *why = "unknown architecture on x86_64"; return false; }
      }
      section.insert(section.end(), st.begin(), st.end());
    } else if (max.size() == 2 && audit == AUDIT_ARCH_X86_64 && max.count(SCMP_ARCH_X86_64) && max.count(SCMP_ARCH_X32)) {
      uint32_t x86 = static_cast<uint32_t>(max.at(SCMP_ARCH_X86_64));
      uint32_t x32 = static_cast<uint32_t>(max.at(SCMP_ARCH_X32));
      if (base_enosys + 2 <= 255) {
        section.push_back(Jump(BPF_JSET, kX32Bit, 1, 0));
        section.push_back(Jump(BPF_JGT, x86, static_cast<uint8_t>(base_enosys + 2), 1));
        section.push_back(Jump(BPF_JGT, x32, static_cast<uint8_t>(base_enosys + 1), 0));
        section.push_back(Ja(base_filter));
      } else {
        section.push_back(Jump(BPF_JSET, kX32Bit, 1, 0));
        section.push_back(Jump(BPF_JGT, x86, 1, 2));
        section.push_back(Jump(BPF_JGT, x32, 0, 1));
        section.push_back(Ret(kRetEnosys));
        section.push_back(Ja(base_filter));
      }
    } else {
      *why = "unexpected architecture overlap";
      return false;
    }
    tail.insert(tail.begin(), section.begin(), section.end());
    jump_table[audit] = static_cast<uint32_t>(tail.size());
  }
  tail.push_front(Ja(static_cast<uint32_t>(tail.size())));
  for (const auto& [audit, from_end] : jump_table) {
    uint32_t jump = static_cast<uint32_t>(tail.size()) - from_end;
    if (jump <= 255) {
      tail.push_front(Jump(BPF_JEQ, audit, static_cast<uint8_t>(jump), 0));
    } else {
      tail.push_front(Ja(jump));
      tail.push_front(Jump(BPF_JEQ, audit, 0, 1));
    }
  }
  tail.push_front(LoadWord(offsetof(struct seccomp_data, arch)));
  out->assign(tail.begin(), tail.end());
  return true;
}

// The BPF program libseccomp generates for the filter.
bool ExportBpf(scmp_filter_ctx ctx, std::vector<sock_filter>* out, std::string* why) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, "ocits-seccomp", MFD_CLOEXEC));
  if (fd < 0) { *why = "memfd_create: " + ErrText(errno); return false; }
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) { *why = "seccomp_export_bpf: " + ErrText(-rc); close(fd); return false; }
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0 || size % sizeof(sock_filter) != 0) { *why = "seccomp_export_bpf: odd program size"; close(fd); return false; }
  out->resize(size / sizeof(sock_filter));
  ssize_t n = pread(fd, out->data(), size, 0);
  close(fd);
  if (n != size) { *why = "read the exported program back"; return false; }
  return true;
}

uint64_t U64(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
}

std::vector<std::string> Strings(const Napi::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>());
  return out;
}

struct FilterGuard {
  scmp_filter_ctx ctx;
  ~FilterGuard() { if (ctx) seccomp_release(ctx); }
};

}  // namespace

// seccompCompile({ defaultAction, architectures, rules: [{ name, action, args: [{ index, op, value, valueTwo }] }],
//                  stubNames, enosysStub, optimize }) -> { bpf: Buffer, ignored: string[] }
// A failing rule throws an error with `rule` (its index in rules); a failing
// architecture one with `arch` (its index in architectures).
Napi::Value SeccompCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object d = info[0].As<Napi::Object>();
  uint32_t def = d.Get("defaultAction").As<Napi::Number>().Uint32Value();
  FilterGuard g{seccomp_init(def)};
  if (!g.ctx) {
    char hex[16];
    snprintf(hex, sizeof hex, "%#x", def);
    throw GoError(env, EINVAL, std::string("seccomp: create a filter with default action ") + hex);
  }
  int rc = seccomp_attr_set(g.ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) throw GoError(env, -rc, "seccomp: unset the filter's no_new_privs bit");

  std::vector<std::string> archs = Strings(d.Get("architectures"));
  std::vector<uint32_t> tokens;
  for (size_t i = 0; i < archs.size(); i++) {
    uint32_t token = ArchToken(archs[i]);
    rc = token ? seccomp_arch_add(g.ctx, token) : -EINVAL;
    if (rc < 0 && rc != -EEXIST) {
      Napi::Error e = GoError(env, token ? -rc : 0,
                           token ? "seccomp: add architecture " + archs[i]
                                 : "seccomp: architecture " + archs[i] + " is not supported by libseccomp " +
                                       std::to_string(seccomp_version()->major) + "." + std::to_string(seccomp_version()->minor) +
                                       "." + std::to_string(seccomp_version()->micro));
      e.Set("arch", Napi::Number::New(env, static_cast<double>(i)));
      throw e;
    }
    tokens.push_back(token);
  }
  if (d.Get("optimize").ToBoolean()) seccomp_attr_set(g.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // older libseccomp: not fatal

  Napi::Array ignored = Napi::Array::New(env);
  Napi::Array rules = d.Get("rules").As<Napi::Array>();
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object r = rules.Get(i).As<Napi::Object>();
    std::string name = r.Get("name").As<Napi::String>();
    uint32_t action = r.Get("action").As<Napi::Number>().Uint32Value();
    if (action == def) continue;  // as runc: redundant, and libseccomp refuses it
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      ignored.Set(ignored.Length(), Napi::String::New(env, name));
      continue;
    }
    std::vector<scmp_arg_cmp> conds;
    unsigned per_arg[6] = {};
    bool separate = false;
    if (r.Get("args").IsArray()) {
      Napi::Array args = r.Get("args").As<Napi::Array>();
      for (uint32_t k = 0; k < args.Length(); k++) {
        Napi::Object a = args.Get(k).As<Napi::Object>();
        scmp_arg_cmp c{};
        c.arg = a.Get("index").As<Napi::Number>().Uint32Value();
        c.op = static_cast<scmp_compare>(a.Get("op").As<Napi::Number>().Uint32Value());
        c.datum_a = U64(a.Get("value"));
        c.datum_b = a.Get("valueTwo").IsUndefined() ? 0 : U64(a.Get("valueTwo"));
        if (c.arg < 6 && ++per_arg[c.arg] > 1) separate = true;
        conds.push_back(c);
      }
    }
    auto fail_rule = [&](int err) {
      Napi::Error e = GoError(env, err, "seccomp: add the rule for syscall " + name);
      e.Set("rule", Napi::Number::New(env, i));
      return e;
    };
    if (separate) {
      // As runc: conditions on the same argument would never all hold; each one is a rule of its own.
      for (const scmp_arg_cmp& c : conds) {
        rc = seccomp_rule_add_array(g.ctx, action, nr, 1, &c);
        if (rc < 0) throw fail_rule(-rc);
      }
    } else {
      rc = seccomp_rule_add_array(g.ctx, action, nr, static_cast<unsigned>(conds.size()), conds.empty() ? nullptr : conds.data());
      if (rc < 0) throw fail_rule(-rc);
    }
  }

  std::vector<sock_filter> prog, stub;
  std::string why;
  if (!ExportBpf(g.ctx, &prog, &why)) throw GoError(env, 0, "seccomp: " + why);
  if (d.Get("enosysStub").ToBoolean()) {
    LastSyscalls last;
    std::vector<std::string> names = Strings(d.Get("stubNames"));
    for (uint32_t token : tokens) {
      uint32_t audit = token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
      int largest = 0;
      for (const std::string& n : names) {
        int nr = seccomp_syscall_resolve_name_arch(token, n.c_str());
        if (nr > largest) largest = nr;  // unknown (-1) and pseudo (negative) numbers never count
      }
      if (largest > 0) last[audit][token] = largest;
      else last[audit];
    }
    if (!EnosysStub(last, &stub, &why)) throw GoError(env, 0, "seccomp: generate the -ENOSYS stub: " + why);
  }
  size_t total = stub.size() + prog.size();
  if (total > BPF_MAXINSNS) {
    throw GoError(env, E2BIG, "seccomp: the filter has " + std::to_string(total) + " BPF instructions, the kernel takes at most " +
                               std::to_string(BPF_MAXINSNS));
  }
  Napi::Buffer<uint8_t> bpf = Napi::Buffer<uint8_t>::New(env, total * sizeof(sock_filter));
  if (!stub.empty()) memcpy(bpf.Data(), stub.data(), stub.size() * sizeof(sock_filter));
  memcpy(bpf.Data() + stub.size() * sizeof(sock_filter), prog.data(), prog.size() * sizeof(sock_filter));
  Napi::Object out = Napi::Object::New(env);
  out.Set("bpf", bpf);
  out.Set("ignored", ignored);
  return out;
}

// What works here: libseccomp's version and API level, the spec's
// architecture names libseccomp knows, the filter flags this kernel accepts
// (probed with a NULL program: EFAULT means the flag is known, EINVAL that it
// is not), and the actions both support.
Napi::Value SeccompInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const scmp_version* v = seccomp_version();
  unsigned api = seccomp_api_get();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", Napi::String::New(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro)));
  out.Set("apiLevel", Napi::Number::New(env, api));
  Napi::Array archs = Napi::Array::New(env);
  for (const Arch& a : kArchs)
    if (seccomp_arch_resolve_name(a.lib)) archs.Set(archs.Length(), Napi::String::New(env, a.spec));
  out.Set("archs", archs);
  struct Flag {
    const char* name;
    unsigned long probe;
  };
  const Flag flags[] = {
      {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
      {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
      {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
      // only valid together with a listener
      {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER},
  };
  Napi::Array supported = Napi::Array::New(env);
  for (const Flag& f : flags) {
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f.probe, nullptr);
    if (rc < 0 && errno == EFAULT) supported.Set(supported.Length(), Napi::String::New(env, f.name));
  }
  out.Set("flags", supported);
  Napi::Array actions = Napi::Array::New(env);
  const char* always[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW"};
  for (const char* a : always) actions.Set(actions.Length(), Napi::String::New(env, a));
  if (api >= 3) {
    actions.Set(actions.Length(), Napi::String::New(env, "SCMP_ACT_KILL_PROCESS"));
    actions.Set(actions.Length(), Napi::String::New(env, "SCMP_ACT_LOG"));
  }
  if (api >= 5) actions.Set(actions.Length(), Napi::String::New(env, "SCMP_ACT_NOTIFY"));
  out.Set("actions", actions);
  return out;
}

// The runtime-spec's hand-off to a seccomp agent: connect to listenerPath
// (AF_UNIX, SOCK_STREAM), send the container process state with the notify
// fd in SCM_RIGHTS (with the first bytes only), close. One connection per state.
Napi::Value SendSeccompListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> payload = info[1].As<Napi::Buffer<uint8_t>>();
  int pass = info[2].As<Napi::Number>().Int32Value();
  int s = ocits_native::connect_unix(path);
  // runc's words ("failed to connect with seccomp agent"): what callers match
  if (s < 0) throw GoError(env, errno, "failed to connect with seccomp agent at " + path);
  const uint8_t* data = payload.Data();
  size_t left = payload.Length();
  bool first = true;
  while (left > 0 || first) {
    struct iovec iov = {const_cast<uint8_t*>(data), left};
    ocits::FdControl ctl;
    struct msghdr m {};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (first) ocits::attach_fd(&m, &ctl, pass);
    ssize_t n;
    do n = sendmsg(s, &m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    if (n < 0) {
      int e = errno;
      close(s);
      throw GoError(env, e, "send the seccomp fd to the agent at " + path);
    }
    first = false;
    data += n;
    left -= static_cast<size_t>(n);
  }
  close(s);
  return env.Undefined();
}

}  // namespace ocits_native
