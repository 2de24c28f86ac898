// Decoder of the InitPlan encoded by lib/plan/encode.ts: little-endian u32/u64,
// strings as u32 length + bytes, lists as u32 count + items, in a fixed order.
#include <string.h>
#include "init.h"
#include "../common/protocol.h"

namespace ocits {
namespace {

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& b) : b_(b) {}
  bool ok() const { return ok_; }
  uint32_t u32() {
    uint32_t v = 0;
    if (!need(4)) return 0;
    memcpy(&v, &b_[pos_], 4);
    pos_ += 4;
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    if (!need(8)) return 0;
    memcpy(&v, &b_[pos_], 8);
    pos_ += 8;
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    if (!need(n)) return std::string();
    std::string s(reinterpret_cast<const char*>(&b_[pos_]), n);
    pos_ += n;
    if (s.find('\0') != std::string::npos) ok_ = false;
    return s;
  }
  std::vector<uint8_t> bytes() {
    uint32_t n = u32();
    if (!need(n)) return {};
    std::vector<uint8_t> v(b_.begin() + pos_, b_.begin() + pos_ + n);
    pos_ += n;
    return v;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v;
    uint32_t n = count();
    for (uint32_t i = 0; i < n && ok_; i++) v.push_back(str());
    return v;
  }
  uint32_t count() {
    uint32_t n = u32();
    if (n > (1u << 20)) ok_ = false;  // no plan has a million of anything
    return ok_ ? n : 0;
  }
  bool done() const { return ok_ && pos_ == b_.size(); }

 private:
  bool need(size_t n) {
    if (!ok_ || b_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  const std::vector<uint8_t>& b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

bool decode_plan(const std::vector<uint8_t>& buf, Plan* p, std::string* why) {
  Reader r(buf);
  if (r.u32() != kPlanMagic) { *why = "bad plan magic"; return false; }
  if (r.u32() != 3) { *why = "unsupported plan version"; return false; }
  p->flags = r.u32();
  p->clone_flags = r.u32();
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    NsJoin j;
    j.type = r.u32();
    j.path = r.str();
    p->joins.push_back(j);
  }
  p->rootfs = r.str();
  p->root_propagation = r.u64();
  p->hostname = r.str();
  p->domainname = r.str();
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    MountEntry m;
    m.source = r.str();
    m.dest = r.str();
    m.fstype = r.str();
    m.data = r.str();
    m.flags = r.u64();
    m.ext = r.u32();
    for (uint32_t k = 0, c = r.count(); k < c; k++) m.propagation.push_back(r.u64());
    m.attr_set = r.u64();
    m.attr_clr = r.u64();
    m.index = r.u32();
    p->mounts.push_back(m);
  }
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    DeviceEntry d;
    d.path = r.str();
    d.type = r.u32();
    d.major = r.u32();
    d.minor = r.u32();
    d.mode = r.u32();
    d.uid = r.u32();
    d.gid = r.u32();
    p->devices.push_back(d);
  }
  p->masked = r.strs();
  p->readonly = r.strs();
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    KeyValue kv;
    kv.key = r.str();
    kv.value = r.str();
    p->sysctls.push_back(kv);
  }
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    Rlimit l;
    l.resource = r.u32();
    l.soft = r.u64();
    l.hard = r.u64();
    p->rlimits.push_back(l);
  }
  p->oom_score_adj = static_cast<int32_t>(r.u32());
  p->cap_bounding = r.u64();
  p->cap_effective = r.u64();
  p->cap_permitted = r.u64();
  p->cap_inheritable = r.u64();
  p->cap_ambient = r.u64();
  p->uid = r.u32();
  p->gid = r.u32();
  for (uint32_t i = 0, n = r.count(); i < n; i++) p->additional_gids.push_back(r.u32());
  p->umask = r.u32();
  p->cwd = r.str();
  p->args = r.strs();
  p->env = r.strs();
  p->fifo_path = r.str();
  p->hook_points = r.u32();
  p->keyring = r.str();
  p->seccomp_flags = r.u32();
  p->seccomp_bpf = r.bytes();
  for (uint32_t i = 0, n = r.count(); i < n; i++) {
    TimeOffset o;
    o.clock = r.u32();
    o.secs = static_cast<int64_t>(r.u64());
    o.nanos = r.u32();
    p->time_offsets.push_back(o);
  }
  p->ioprio = r.u32();
  p->sched.policy = r.u32();
  p->sched.nice = static_cast<int32_t>(r.u32());
  p->sched.priority = r.u32();
  p->sched.flags = r.u32();
  p->sched.runtime = r.u64();
  p->sched.deadline = r.u64();
  p->sched.period = r.u64();
  p->personality = r.u32();
  p->apparmor_profile = r.str();
  p->selinux_label = r.str();
  for (auto* list : {&p->create_container_hooks, &p->start_container_hooks}) {
    for (uint32_t i = 0, n = r.count(); i < n; i++) {
      HookEntry h;
      h.path = r.str();
      h.args = r.strs();
      h.env = r.strs();
      h.timeout = r.u32();
      list->push_back(std::move(h));
    }
  }
  p->console_rows = r.u32();
  p->console_cols = r.u32();
  if (!r.done()) { *why = "truncated or malformed plan"; return false; }
  if (p->args.empty()) { *why = "plan has no process args"; return false; }
  return true;
}

}  // namespace ocits
