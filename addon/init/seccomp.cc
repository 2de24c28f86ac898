// The seccomp filter: compiled to BPF by libseccomp in the parent (the plan
// carries the raw program), loaded here with seccomp(2) as the very last step
// before execve, after the exec fifo was released: nothing the init does to
// wait for `start` has to be allowed by the container's profile.
//
// Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Without
// process.noNewPrivileges, and when the process's own capabilities lack
// CAP_SYS_ADMIN, the init keeps CAP_SYS_ADMIN (permitted and effective, never
// in the bounding set) until the filter is loaded and then drops it with one
// capset(2): the profile must allow capset, as it must for runc (which loads
// such a filter before setting capabilities and ids).
//
// A filter with SCMP_ACT_NOTIFY is loaded earlier, before MSG_READY, with a
// listener (as runc): its fd goes to the parent (MSG_SECCOMP_FD, SCM_RIGHTS),
// which hands it to the seccomp agent at linux.seccomp.listenerPath and
// answers MSG_SECCOMP_DONE. The plan refuses notify rules on the syscalls
// this hand-off itself makes (sendmsg, and write as runc).
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"
#include "../common/protocol.h"
#include "../common/wire.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

namespace ocits {

namespace {

constexpr uint64_t kCapSysAdmin = 1ULL << 21;

bool has_filter(const Plan& p) { return !p.seccomp_bpf.empty(); }

long load_filter(const Plan& p, unsigned long flags) {
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(p.seccomp_bpf.size() / sizeof(struct sock_filter));
  prog.filter = reinterpret_cast<struct sock_filter*>(const_cast<uint8_t*>(p.seccomp_bpf.data()));
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

uint64_t current_inheritable() {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) < 0) fail_errno("read capabilities");
  return data[0].inheritable | (static_cast<uint64_t>(data[1].inheritable) << 32);
}

void set_caps(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0)
    fail_errno("drop CAP_SYS_ADMIN after loading the seccomp filter (the profile must allow capset)");
}

// Whether CAP_SYS_ADMIN must be held past the capability step for the load.
bool holds_admin(const Plan& p) {
  if (!has_filter(p) || (p.flags & PF_NO_NEW_PRIVS)) return false;
  if (p.flags & PF_HAS_CAPS) return !(p.cap_effective & kCapSysAdmin);
  return p.uid != 0;  // setuid to another uid would clear every capability
}

// After the load: the capabilities the process would have had without the hold.
void release_admin(const Plan& p) {
  if (!holds_admin(p)) return;
  if (p.flags & PF_HAS_CAPS) set_caps(p.cap_effective, p.cap_permitted, p.cap_inheritable);
  else set_caps(0, 0, current_inheritable());
}

}  // namespace

const Plan& seccomp_caps_plan(const Plan& p, Plan* scratch) {
  if (!holds_admin(p)) return p;
  *scratch = p;
  if (!(p.flags & PF_HAS_CAPS)) {
    // What setuid to a non-root uid leaves: no permitted or effective
    // capabilities, the inheritable set as it is, the bounding set untouched.
    scratch->flags |= PF_HAS_CAPS;
    scratch->cap_bounding = ~0ULL;
    scratch->cap_effective = scratch->cap_permitted = scratch->cap_ambient = 0;
    scratch->cap_inheritable = current_inheritable();
  }
  scratch->cap_effective |= kCapSysAdmin;
  scratch->cap_permitted |= kCapSysAdmin;
  return *scratch;
}

void seccomp_before_ready(int sock, const Plan& p) {
  if (!has_filter(p) || !(p.flags & PF_SECCOMP_NOTIFY)) return;
  long fd = load_filter(p, p.seccomp_flags | SECCOMP_FILTER_FLAG_NEW_LISTENER);
  if (fd < 0) fail_errno("load the seccomp filter with a notify listener (linux.seccomp)");
  // From here on the container's filter applies to the init too.
  if (wire_send_fd(sock, MSG_SECCOMP_FD, 0, nullptr, 0, static_cast<int>(fd)) < 0) fail_errno("send the seccomp notify fd");
  uint32_t type;
  std::vector<uint8_t> payload;
  if (!recv_msg(sock, &type, &payload)) _exit(1);  // the runtime went away (and reports why)
  if (type != MSG_SECCOMP_DONE) fail(EPROTO, "init: expected the seccomp agent to have the notify fd, got message %u", type);
  close(static_cast<int>(fd));
  release_admin(p);
}

void seccomp_before_exec(const Plan& p) {
  if (!has_filter(p) || (p.flags & PF_SECCOMP_NOTIFY)) return;
  if (load_filter(p, p.seccomp_flags) < 0) fail_errno("load the seccomp filter (linux.seccomp)");
  release_admin(p);
}

}  // namespace ocits
