# The systemd cgroup driver on pure cgroup v2, against runc 1.1.5 --systemd-cgroup:
# the same bundle under both, the scopes' `systemctl show` values and cgroup files
# compared; then ocits' own lifecycle of the scope (exec, update, pause/resume,
# events, kill --all, delete, delete --force without the flag, a bad cgroupsPath).
# mode: v2

R_OC=$WORK/root-ocits R_RC=$WORK/root-runc
defer "$OCITS --root $R_OC delete -f c1; $OCITS --root $R_OC delete -f c2; $OCITS --root $R_OC delete -f c3"
defer "$RUNC --root $R_RC delete -f c1"
defer "systemctl stop ocits-c1.scope ocits-c2.scope runc-c1.scope; systemctl reset-failed ocits-c1.scope runc-c1.scope"

RES='.linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
  "pids": {"limit": 100}, "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
  "unified": {"memory.high": "60000000"}} | .process.args = ["sleep", "1000"]'
bundle "$WORK/b-ocits" ".linux.cgroupsPath = \"system.slice:ocits:c1\" | $RES"
bundle "$WORK/b-runc" ".linux.cgroupsPath = \"system.slice:runc:c1\" | $RES"

check "ocits --systemd-cgroup run -d" $OCITS --root $R_OC --systemd-cgroup run -d -b "$WORK/b-ocits" c1
check "runc --systemd-cgroup run -d" $RUNC --root $R_RC --systemd-cgroup run -d -b "$WORK/b-runc" c1

PROPS="Slice Delegate MemoryMax MemoryLow MemoryHigh MemorySwapMax TasksMax CPUWeight CPUQuotaPerSecUSec CPUQuotaPeriodUSec
  AllowedCPUs AllowedMemoryNodes DevicePolicy MemoryAccounting CPUAccounting IOAccounting TasksAccounting DefaultDependencies
  ActiveState SubState"
# shellcheck disable=SC2086
eq "systemctl show of the scope: as runc's" "$(show ocits-c1.scope $PROPS)" "$(show runc-c1.scope $PROPS)"
eq "the scope's limits" "$(show ocits-c1.scope MemoryMax TasksMax CPUQuotaPerSecUSec | tr '\n' ' ')" "MemoryMax=67108864 TasksMax=100 CPUQuotaPerSecUSec=500ms "
devs() { systemctl show -p DeviceAllow --value "$1" | tr ' ' '\n' | paste - -; }
# runc 1.1.5 leaves out a /dev/char/M:m rule whose path does not exist (tun here); runc 1.1.7+
# and ocits hand systemd >= 240 every rule (it parses M:m from the path)
want=$( (devs runc-c1.scope; [ -e /dev/char/10:200 ] || printf '/dev/char/10:200\trwm\n') | sort)
eq "DeviceAllow: runc's rules (as runc 1.1.7+)" "$(devs ocits-c1.scope | sort)" "$want"
eq "the unit's cgroup" "$(systemctl show -p ControlGroup --value ocits-c1.scope)" "/system.slice/ocits-c1.scope"
S=/sys/fs/cgroup/system.slice/ocits-c1.scope RS=/sys/fs/cgroup/system.slice/runc-c1.scope
files() { local d=$1 f; for f in memory.max memory.low memory.high memory.swap.max pids.max cpu.max cpu.weight cpuset.cpus cpuset.mems cgroup.type; do echo "$f=$(cat "$d/$f" 2>&1)"; done; }
eq "cgroup files: as runc's" "$(files $S)" "$(files $RS)"
eq "memory.max, pids.max, cpu.max" "$(cat $S/memory.max $S/pids.max $S/cpu.max | tr '\n' ' ')" "67108864 100 50000 100000 "
pid=$($OCITS --root $R_OC state c1 | jq -r .pid)
has "the init is in the scope" "$(cat $S/cgroup.procs)" "$pid"
eq "state" "$($OCITS --root $R_OC state c1 | jq -r .status)" running
eq "inside: its own cgroup namespace, the limit of the scope" "$($OCITS --root $R_OC exec c1 sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max' | tr '\n' ' ')" "0::/ 67108864 "
has "ps lists the init" "$($OCITS --root $R_OC ps --format json c1)" "$pid"

# update: SetUnitProperties and the files, as runc
check "update" $OCITS --root $R_OC update --memory 128m --memory-swap 256m --pids-limit 50 --cpu-quota 30000 c1
check "runc update" $RUNC --root $R_RC update --memory 128m --memory-swap 256m --pids-limit 50 --cpu-quota 30000 c1
eq "after update: systemctl show as runc's" "$(show ocits-c1.scope $PROPS)" "$(show runc-c1.scope $PROPS)"
eq "after update: the scope" "$(show ocits-c1.scope MemoryMax TasksMax CPUQuotaPerSecUSec | tr '\n' ' ')" "MemoryMax=134217728 TasksMax=50 CPUQuotaPerSecUSec=300ms "
eq "after update: the files as runc's" "$(files $S)" "$(files $RS)"

# pause / resume: cgroup.freeze of the scope
check "pause" $OCITS --root $R_OC pause c1
eq "paused" "$($OCITS --root $R_OC state c1 | jq -r .status) $(cat $S/cgroup.freeze) $(grep frozen $S/cgroup.events)" "paused 1 frozen 1"
check "resume" $OCITS --root $R_OC resume c1
eq "resumed" "$($OCITS --root $R_OC state c1 | jq -r .status) $(cat $S/cgroup.freeze)" "running 0"

# events --stats: the scope's counters
ev=$($OCITS --root $R_OC events --stats c1)
eq "events --stats: the memory limit" "$(jq -r .data.memory.usage.limit <<< "$ev")" 134217728
eq "events --stats: pids" "$(jq -r '.data.pids | "\(.current) \(.limit)"' <<< "$ev")" "1 50"

# kill --all: every process of the scope
check "exec -d a second process" $OCITS --root $R_OC exec -d c1 sleep 999
eq "two processes in the scope" "$(wc -l < $S/cgroup.procs)" 2
check "kill --all KILL" $OCITS --root $R_OC kill --all c1 KILL
wait_for 10 sh -c "[ \"\$($OCITS --root $R_OC state c1 | jq -r .status)\" = stopped ]"
eq "stopped" "$($OCITS --root $R_OC state c1 | jq -r .status)" stopped
eq "the scope is empty" "$(cat $S/cgroup.procs 2>/dev/null | wc -l)" 0
check "delete" $OCITS --root $R_OC delete c1
eq "no unit left" "$(unit_state ocits-c1.scope)" not-found
fails "no cgroup left" test -e $S
check "runc delete" $RUNC --root $R_RC delete -f c1
eq "runc: no unit left either" "$(unit_state runc-c1.scope)" not-found

# containerd deletes with --force and without --systemd-cgroup: the state knows the driver
bundle "$WORK/b2" '.linux.cgroupsPath = "system.slice:ocits:c2" | .process.args = ["sleep", "1000"]'
check "create c2" $OCITS --root $R_OC --systemd-cgroup create -b "$WORK/b2" c2
eq "created: the scope holds the init" "$(systemctl show -p ActiveState --value ocits-c2.scope) $(wc -l < /sys/fs/cgroup/system.slice/ocits-c2.scope/cgroup.procs)" "active 1"
check "delete --force without --systemd-cgroup" $OCITS --root $R_OC delete --force c2
eq "no unit, no cgroup" "$(unit_state ocits-c2.scope) $(test -e /sys/fs/cgroup/system.slice/ocits-c2.scope && echo left)" "not-found "

# a cgroupsPath the driver cannot use: the field named, nothing left
bundle "$WORK/b3" '.linux.cgroupsPath = "system.slice:ocits"'
out=$($OCITS --root $R_OC --systemd-cgroup run -b "$WORK/b3" c3 2>&1); rc=$?
eq "bad cgroupsPath: exit 1" $rc 1
has "bad cgroupsPath: names the field" "$out" '/linux/cgroupsPath: expected cgroupsPath to be of format "slice:prefix:name"'
fails "bad cgroupsPath: no state" test -e $R_OC/c3

# a nested slice is expanded (a-b.slice below a.slice) and removed by systemd once empty
bundle "$WORK/b4" '.linux.cgroupsPath = "ocitstest-pod1.slice:ocits:c4" | .process.args = ["cat", "/proc/self/cgroup"]'
out=$($OCITS --root $R_OC --systemd-cgroup run -b "$WORK/b4" c4 2>&1)
eq "run in a nested slice" "$out" "0::/"
check "the nested slices exist" test -d /sys/fs/cgroup/ocitstest.slice/ocitstest-pod1.slice
fails "its scope is gone after run" test -e /sys/fs/cgroup/ocitstest.slice/ocitstest-pod1.slice/ocits-c4.scope
systemctl stop ocitstest.slice >/dev/null 2>&1
