// The container process itself: rlimits, oom score, ids, capabilities, the
// executable looked up in the container's PATH, and execve.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"
#include "../common/procfs.h"
#include "../common/protocol.h"

namespace ocits {

// As runc: the container gets a session keyring of its own, so that it never
// shares the caller's keys. Kernels without keyrings (ENOSYS) are fine.
void join_session_keyring(const Plan& p) {
  if (p.keyring.empty()) return;
  if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, p.keyring.c_str()) < 0 && errno != ENOSYS)
    fail_errno("join a new session keyring (use --no-new-keyring to keep the caller's)");
}

static const char* rlimit_name(uint32_t r) {
  static const char* names[] = {"RLIMIT_CPU",    "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",      "RLIMIT_CORE",
                                "RLIMIT_RSS",    "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK",    "RLIMIT_AS",
                                "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
                                "RLIMIT_RTTIME"};
  return r < sizeof names / sizeof names[0] ? names[r] : "RLIMIT_?";
}

void apply_rlimits(const Plan& p) {
  for (size_t i = 0; i < p.rlimits.size(); i++) {
    const Rlimit& l = p.rlimits[i];
    struct rlimit r;
    r.rlim_cur = l.soft;
    r.rlim_max = l.hard;
    if (setrlimit(static_cast<__rlimit_resource>(l.resource), &r) < 0)
      fail_errno("set %s (process.rlimits[%zu]: soft %llu, hard %llu)", rlimit_name(l.resource), i,
                 static_cast<unsigned long long>(l.soft), static_cast<unsigned long long>(l.hard));
  }
}

// One of our own /proc/self/attr files, through the private procfs
// (procfs.h): a mount over the container's /proc/self/attr changes nothing.
static int write_attr(const char* name, const std::string& value) {
  return procfs_write(procfs_pid_dir(0) + "attr/" + name, value);
}

// The AppArmor profile and SELinux label the process gets at its execve
// (runc: apparmor.ApplyProfile, selinux.SetExecLabel). The planner leaves
// them empty where the LSM is off.
void apply_lsm_exec_labels(const Plan& p) {
  if (!p.apparmor_profile.empty()) {
    std::string v = "exec " + p.apparmor_profile;
    int err = write_attr("apparmor/exec", v);
    if (err == ENOENT) err = write_attr("exec", v);
    if (err) fail(err, "apply AppArmor profile %s (process.apparmorProfile)", shown(p.apparmor_profile).c_str());
  }
  if (!p.selinux_label.empty()) {
    if (int err = write_attr("exec", p.selinux_label)) fail(err, "set SELinux label %s (process.selinuxLabel)", shown(p.selinux_label).c_str());
  }
}

// process.ioPriority, process.scheduler and linux.personality.
void apply_process_extras(const Plan& p) {
  if ((p.flags & PF_HAS_IOPRIO) && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p.ioprio) < 0)
    fail_errno("set the io priority (process.ioPriority)");
  if (p.flags & PF_HAS_SCHED) {
    struct {
      uint32_t size, sched_policy;
      uint64_t sched_flags;
      int32_t sched_nice;
      uint32_t sched_priority;
      uint64_t sched_runtime, sched_deadline, sched_period;
    } attr = {48, p.sched.policy, p.sched.flags, p.sched.nice, p.sched.priority, p.sched.runtime, p.sched.deadline,
              p.sched.period};
    if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) fail_errno("set the scheduler (process.scheduler)");
  }
  if ((p.flags & PF_HAS_PERSONALITY) && personality(p.personality) < 0)
    fail_errno("set the personality (linux.personality)");
}

void apply_oom_score(const Plan& p) {
  if (!(p.flags & PF_HAS_OOM)) return;
  std::string v = std::to_string(p.oom_score_adj);
  if (int err = procfs_write(procfs_pid_dir(0) + "oom_score_adj", v)) fail(err, "oomScoreAdj: write %s to /proc/self/oom_score_adj", v.c_str());
}

void drop_bounding_caps(const Plan& p) {
  if (!(p.flags & PF_HAS_CAPS)) return;
  for (int cap = 0; cap < 64; cap++) {
    if (p.cap_bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      fail_errno("drop capability %d from the bounding set", cap);
    }
  }
}

void set_user(const Plan& p) {
  if ((p.flags & PF_HAS_CAPS) && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail_errno("keep capabilities");
  std::vector<gid_t> groups(p.additional_gids.begin(), p.additional_gids.end());
  if (setgroups(groups.size(), groups.empty() ? nullptr : groups.data()) < 0)
    fail_errno("set additional gids (process.user.additionalGids)");
  if (setresgid(p.gid, p.gid, p.gid) < 0) fail_errno("set gid %u (process.user.gid)", p.gid);
  if (setresuid(p.uid, p.uid, p.uid) < 0) fail_errno("set uid %u (process.user.uid)", p.uid);
}

void apply_caps(const Plan& p) {
  if (!(p.flags & PF_HAS_CAPS)) return;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail_errno("reset keep capabilities");
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<uint32_t>(p.cap_effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(p.cap_permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(p.cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) fail_errno("set capabilities (process.capabilities)");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail_errno("clear ambient capabilities");
  for (int cap = 0; cap < 64; cap++) {
    if (!(p.cap_ambient & (1ULL << cap))) continue;
    // As runc: an ambient capability that is not also permitted and
    // inheritable cannot be raised, and that is not an error.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM && errno != EINVAL)
      fail_errno("raise ambient capability %d (process.capabilities.ambient)", cap);
  }
}

static bool is_executable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

bool enter_cwd(const Plan& p, bool may_retry) {
  if (p.cwd.empty() || chdir(p.cwd.c_str()) == 0) return true;
  if (may_retry && (errno == EACCES || errno == EPERM)) return false;
  fail_errno("chdir to cwd %s (process.cwd)", shown(p.cwd).c_str());
}

// As Go's exec.LookPath in runc: a name with a slash is used as it is, if it
// is an executable regular file (mode & 0111, "permission denied" otherwise);
// otherwise the first executable regular file on the process's PATH.
std::string look_path(const Plan& p) {
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (stat(name.c_str(), &st) < 0) fail_errno("exec: \"%s\": stat %s", shown(name).c_str(), shown(name).c_str());
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) fail(EACCES, "exec: \"%s\"", shown(name).c_str());
    return name;
  }
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const std::string& e : p.env)
    if (e.compare(0, 5, "PATH=") == 0) path = e.substr(5);
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable(cand)) return cand;
    i = j + 1;
  }
  fail(0, "exec: \"%s\": executable file not found in $PATH", shown(name).c_str());
}

// The program must not be our own image: /proc/self/exe (or /proc/1/exe, the
// init being pid 1) names the init's sealed copy until our execve, and the
// container would run the runtime's init instead of one of its programs
// (runc refuses it too). Checked by inode, whatever the name.
void refuse_own_image(const std::string& exe) {
  struct stat mine, target;
  if (int err = procfs_stat_link(procfs_pid_dir(0), "exe", &mine)) fail(err, "stat the init's own image");
  if (stat(exe.c_str(), &target) < 0) return;  // execve says why
  if (mine.st_dev == target.st_dev && mine.st_ino == target.st_ino)
    fail(0, "exec: \"%s\": refused: it is the runtime's init, not a program of the container", shown(exe).c_str());
}

// As runc (system.Eaccess after LookPath): the effective ids may execute it,
// which the mode bits alone do not say (a noexec mount, an owner-only binary).
void check_executable(const std::string& path) {
  if (faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) < 0) fail_errno("exec %s", shown(path).c_str());
}

// As runc: without HOME in the environment, the user's home directory from
// the container's /etc/passwd (found by uid), else "/".
std::string home_of(uint32_t uid) {
  std::string home = "/";
  FILE* f = fopen("/etc/passwd", "re");
  if (!f) return home;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    // name:password:uid:gid:gecos:home:shell
    char* fields[7] = {};
    int n = 0;
    for (char* q = line; n < 7; n++) {
      fields[n] = q;
      char* c = strchr(q, ':');
      if (!c) { n++; break; }
      *c = 0;
      q = c + 1;
    }
    if (n < 6 || !fields[2][0]) continue;
    char* end;
    unsigned long v = strtoul(fields[2], &end, 10);
    if (*end || v != uid) continue;
    home = fields[5][0] ? fields[5] : "/";
    break;
  }
  fclose(f);
  return home;
}

void exec_process(const Plan& p, const std::string& path, const std::string& home) {
  std::vector<char*> argv, envp;
  for (const std::string& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  bool has_home = false;
  for (const std::string& e : p.env) {
    envp.push_back(const_cast<char*>(e.c_str()));
    if (e.compare(0, 5, "HOME=") == 0) has_home = true;
  }
  std::string home_env = "HOME=" + home;
  if (!has_home) envp.push_back(const_cast<char*>(home_env.c_str()));
  envp.push_back(nullptr);
  seccomp_before_exec(p);  // the last step before execve
  execve(path.c_str(), argv.data(), envp.data());
  fail_errno("exec %s", shown(path).c_str());
}

}  // namespace ocits
