# The systemd cgroup driver on a systemd host booted with systemd.unified_cgroup_hierarchy=0
# (systemd's hybrid layout: v1 controllers, name=systemd, cgroup2 for systemd at unified/),
# against runc 1.1.5's legacy systemd manager: `systemctl show` of the scope and the v1 files
# compared; pause/resume through the v1 freezer (a hierarchy systemd leaves alone); delete
# leaves no unit and no dir in any hierarchy.
# mode: v1

R_OC=$WORK/root-ocits R_RC=$WORK/root-runc
defer "$OCITS --root $R_OC delete -f c1; $RUNC --root $R_RC delete -f c1"
defer "systemctl stop ocits-c1.scope runc-c1.scope"
RES='.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 100},
  "cpu": {"shares": 512, "quota": 50000, "period": 100000}} | .process.args = ["sleep", "1000"]'
bundle "$WORK/b-ocits" ".linux.cgroupsPath = \"system.slice:ocits:c1\" | $RES"
bundle "$WORK/b-runc" ".linux.cgroupsPath = \"system.slice:runc:c1\" | $RES"
check "ocits --systemd-cgroup run -d" $OCITS --root $R_OC --systemd-cgroup run -d -b "$WORK/b-ocits" c1
check "runc --systemd-cgroup run -d" $RUNC --root $R_RC --systemd-cgroup run -d -b "$WORK/b-runc" c1
PROPS="Slice Delegate MemoryLimit TasksMax CPUShares CPUQuotaPerSecUSec CPUQuotaPeriodUSec DevicePolicy
  MemoryAccounting CPUAccounting BlockIOAccounting TasksAccounting DefaultDependencies ActiveState"
# shellcheck disable=SC2086
eq "systemctl show of the scope: as runc's" "$(show ocits-c1.scope $PROPS)" "$(show runc-c1.scope $PROPS)"
eq "the limits" "$(show ocits-c1.scope MemoryLimit TasksMax CPUQuotaPerSecUSec | tr '\n' ' ')" "MemoryLimit=67108864 TasksMax=100 CPUQuotaPerSecUSec=500ms "
v1files() {
    local u=$1 f
    for f in memory/memory.limit_in_bytes pids/pids.max cpu,cpuacct/cpu.shares cpu,cpuacct/cpu.cfs_quota_us cpu,cpuacct/cpu.cfs_period_us devices/devices.list; do
        echo "$f=$(cat /sys/fs/cgroup/${f%%/*}/system.slice/$u/${f#*/} 2>&1 | sort | tr '\n' ' ')"
    done
}
eq "v1 files: as runc's" "$(v1files ocits-c1.scope)" "$(v1files runc-c1.scope)"
pid=$($OCITS --root $R_OC state c1 | jq -r .pid)
where() { local h; for h in systemd memory pids cpu,cpuacct devices freezer cpuset blkio unified; do grep -qx "$pid" /sys/fs/cgroup/$h/system.slice/ocits-c1.scope/cgroup.procs 2>/dev/null && echo -n "$h "; done; }
eq "the init in the scope in every hierarchy" "$(where)" "systemd memory pids cpu,cpuacct devices freezer cpuset blkio unified "
check "pause" $OCITS --root $R_OC pause c1
eq "frozen (v1 freezer)" "$($OCITS --root $R_OC state c1 | jq -r .status) $(cat /sys/fs/cgroup/freezer/system.slice/ocits-c1.scope/freezer.state)" "paused FROZEN"
check "resume" $OCITS --root $R_OC resume c1
check "update" $OCITS --root $R_OC update --memory 128m --pids-limit 50 c1
eq "after update" "$(show ocits-c1.scope MemoryLimit TasksMax | tr '\n' ' ')$(cat /sys/fs/cgroup/memory/system.slice/ocits-c1.scope/memory.limit_in_bytes)" "MemoryLimit=134217728 TasksMax=50 134217728"
check "kill KILL" $OCITS --root $R_OC kill c1 KILL
wait_for 10 sh -c "[ \"\$($OCITS --root $R_OC state c1 | jq -r .status)\" = stopped ]"
check "delete" $OCITS --root $R_OC delete c1
eq "no unit left" "$(unit_state ocits-c1.scope)" not-found
eq "no dir left in any hierarchy" "$(find /sys/fs/cgroup -maxdepth 3 -name ocits-c1.scope)" ""
