// ocits-init: the container's first process. A small, static, single-threaded
// program: it reads the InitPlan from the parent, enters or creates the
// namespaces, builds the rootfs and becomes the container process. It never
// parses JSON and never looks anything up by name.
#pragma once
#include <stdint.h>
#include <string>
#include <vector>

namespace ocits {

struct NsJoin { uint32_t type; std::string path; };
struct MountEntry {
  std::string source, dest, fstype, data;
  uint64_t flags = 0;
  uint32_t ext = 0;
  std::vector<uint64_t> propagation;
  uint32_t index = 0;  // the config mount it comes from (/mounts/N)
  uint64_t attr_set = 0, attr_clr = 0;  // recursive options: mount_setattr(AT_RECURSIVE)
  int source_fd = -1;                   // not in the plan: the bind source opened outside the user namespace
};
struct DeviceEntry { std::string path; uint32_t type, major, minor, mode, uid, gid; };
struct KeyValue { std::string key, value; };
struct Rlimit { uint32_t resource; uint64_t soft, hard; };
struct TimeOffset { uint32_t clock; int64_t secs; uint32_t nanos; };
struct HookEntry { std::string path; std::vector<std::string> args, env; uint32_t timeout = 0; };
struct SchedAttr { uint32_t policy = 0; int32_t nice = 0; uint32_t priority = 0, flags = 0; uint64_t runtime = 0, deadline = 0, period = 0; };

struct Plan {
  uint32_t flags = 0;
  uint32_t clone_flags = 0;
  std::vector<NsJoin> joins;
  std::string rootfs;
  uint64_t root_propagation = 0;
  std::string hostname, domainname;
  std::vector<MountEntry> mounts;
  std::vector<DeviceEntry> devices;
  std::vector<std::string> masked, readonly;
  std::vector<KeyValue> sysctls;
  std::vector<Rlimit> rlimits;
  int32_t oom_score_adj = 0;
  uint64_t cap_bounding = 0, cap_effective = 0, cap_permitted = 0, cap_inheritable = 0, cap_ambient = 0;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  uint32_t umask = 022;
  std::string cwd;
  std::vector<std::string> args, env;
  std::string fifo_path;
  uint32_t hook_points = 0;
  std::string keyring;  // name of a new session keyring; empty: keep the caller's (--no-new-keyring)
  uint32_t seccomp_flags = 0;
  std::vector<uint8_t> seccomp_bpf;  // struct sock_filter[], compiled by libseccomp in the parent
  std::vector<TimeOffset> time_offsets;
  uint32_t ioprio = 0;
  SchedAttr sched;
  uint32_t personality = 0;
  std::string apparmor_profile;  // empty: none (or AppArmor is off)
  std::string selinux_label;     // empty: none (or SELinux is off)
  std::vector<HookEntry> create_container_hooks, start_container_hooks;
  uint32_t console_rows = 0, console_cols = 0;  // process.consoleSize (0: leave as is)
};

// plan.cc
bool decode_plan(const std::vector<uint8_t>& buf, Plan* out, std::string* why);

// report.cc: failures travel to the parent as MSG_ERROR, then the init exits.
void set_report_fd(int fd);
std::string errstr(int err);  // strerror in lower case, as Go (and so runc) words it
std::string shown(const std::string& input);  // user input as a report echoes it: one line, bounded
[[noreturn]] void fail(int err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
[[noreturn]] void fail_errno(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
bool send_msg(int fd, uint32_t type, int32_t err, const void* data, uint32_t len);
bool recv_msg(int fd, uint32_t* type, std::vector<uint8_t>* payload);

// namespaces.cc (stage 1, in this order)
void join_namespaces(const Plan& p);
void create_user_namespace(int sock, const Plan& p);  // unshare, then wait for the parent to write the id maps
void set_time_offsets(const Plan& p);                 // after unsharing the time namespace, before the fork
void become_root(const Plan& p);                      // uid/gid 0 in a new or joined user namespace
void bring_loopback_up();

// rootfs.cc (mounts.cc, devices.cc): everything up to and including pivot_root
void prepare_rootfs(const Plan& p);
void pivot_into_rootfs(const Plan& p);
void finalize_rootfs(const Plan& p);  // after pivot: sysctls, readonly/masked paths, ro root
int open_in_root(int rootfd, const std::string& path, bool create_dirs, bool last_is_file, std::string* err,
                 std::string* resolved = nullptr);
void create_devices(const Plan& p, int rootfd);

// bindsources.cc: with a user namespace, bind sources are opened by the host's
// root (a helper forked before any namespace), in the container's mount namespace.
int start_bind_source_opener(const Plan& p);      // before join_namespaces; -1: not needed
void receive_bind_sources(int helper, Plan* p);   // once the namespaces exist: sets MountEntry::source_fd

// process.cc
void join_session_keyring(const Plan& p);
void apply_rlimits(const Plan& p);
void apply_process_extras(const Plan& p);
void apply_lsm_exec_labels(const Plan& p);
void apply_oom_score(const Plan& p);
void drop_bounding_caps(const Plan& p);
void set_user(const Plan& p);
void apply_caps(const Plan& p);
bool enter_cwd(const Plan& p, bool may_retry);  // false: refused (EACCES/EPERM) and may_retry: try again later
std::string look_path(const Plan& p);
void check_executable(const std::string& path);  // as the container's user (faccessat AT_EACCESS, noexec mounts too)
void refuse_own_image(const std::string& exe);
std::string home_of(uint32_t uid);
[[noreturn]] void exec_process(const Plan& p, const std::string& path, const std::string& home);

// hooks.cc: run hooks in order, each with the state JSON on stdin and its
// timeout; false (and *why, naming the hook) at the first that fails.
bool run_hooks(const std::vector<HookEntry>& hooks, const std::string& state, const char* kind, std::string* why);

// console.cc: with PF_TERMINAL, make the container's pty (its /dev/ptmx),
// bind the slave on /dev/console when mount_console, send the master over
// console_sock (closed after), make the slave stdio and controlling terminal.
void setup_console(const Plan& p, int console_sock, bool mount_console);

// seccomp.cc: the filter is loaded last, right before execve (seccomp_before_exec,
// called by exec_process); a notify filter before MSG_READY (seccomp_before_ready).
const Plan& seccomp_caps_plan(const Plan& p, Plan* scratch);  // the caps to apply: CAP_SYS_ADMIN held for the load if needed
void seccomp_before_ready(int sock, const Plan& p);
void seccomp_before_exec(const Plan& p);

}  // namespace ocits
