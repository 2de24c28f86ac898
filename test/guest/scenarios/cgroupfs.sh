# The cgroupfs driver on a pure cgroup v2 host, against runc 1.1.5: every resource of
# linux.resources and unified in the files, the eBPF device program, freeze/thaw, stats,
# OOM events from memory.events, kill --all (cgroup.kill), delete.
# mode: v2

R_OC=$WORK/root-ocits R_RC=$WORK/root-runc
defer "$OCITS --root $R_OC delete -f c1; $OCITS --root $R_OC delete -f c2; $RUNC --root $R_RC delete -f c1"
defer "rmdir /sys/fs/cgroup/ocitsguest/c1 /sys/fs/cgroup/ocitsguest/c2 /sys/fs/cgroup/ocitsguest /sys/fs/cgroup/runcguest/c1 /sys/fs/cgroup/runcguest"

dev=$(stat -c '%Hr:%Lr' "$(findmnt -no SOURCE /)")  # the root disk, for io.max
hugetlb=
grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers && hugetlb=', "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]'
RES='.linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
  "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0-1", "mems": "0"},
  "pids": {"limit": 64},
  "blockIO": {"weight": 300, "throttleReadBpsDevice": [{"major": '${dev%:*}', "minor": '${dev#*:}', "rate": 1048576}]},
  "unified": {"memory.high": "50000000", "memory.oom.group": "1"}'"$hugetlb"',
  "devices": [{"allow": false, "access": "rwm"}]} | .process.args = ["sleep", "1000"]'
bundle "$WORK/b-ocits" ".linux.cgroupsPath = \"/ocitsguest/c1\" | $RES"
bundle "$WORK/b-runc" ".linux.cgroupsPath = \"/runcguest/c1\" | $RES"
check "ocits run -d" $OCITS --root $R_OC run -d -b "$WORK/b-ocits" c1
check "runc run -d" $RUNC --root $R_RC run -d -b "$WORK/b-runc" c1
C=/sys/fs/cgroup/ocitsguest/c1 RC=/sys/fs/cgroup/runcguest/c1
pid=$($OCITS --root $R_OC state c1 | jq -r .pid)
eq "placement: the init in its cgroup" "$(cat $C/cgroup.procs)" "$pid"
files() {
    local d=$1 f
    for f in memory.max memory.low memory.high memory.swap.max memory.oom.group cpu.max cpu.weight cpuset.cpus cpuset.mems pids.max io.weight io.max \
             ${hugetlb:+hugetlb.2MB.max}; do
        echo "$f=$(cat "$d/$f" 2>&1)"
    done
}
eq "every resource in the files: as runc's" "$(files $C)" "$(files $RC)"
eq "the values" "$(cat $C/memory.max $C/memory.high $C/memory.swap.max $C/cpu.max $C/pids.max | tr '\n' ' ')" "67108864 49999872 67108864 20000 100000 64 "  # memory.high in whole pages
has "io.max: the read limit" "$(cat $C/io.max)" "$dev rbps=1048576"
eq "the parent got the controllers" "$(cat /sys/fs/cgroup/ocitsguest/cgroup.subtree_control)" "$(cat /sys/fs/cgroup/runcguest/cgroup.subtree_control)"
# the eBPF device program: runc's default rules, nothing else
probe='head -c1 /dev/zero | wc -c; mknod /dev/mem1 c 1 1 && head -c1 /dev/mem1 2>&1; echo x > /dev/null && echo null-ok'
eq "devices: /dev/zero, /dev/null allowed, /dev/mem (c 1:1) not (as runc)" "$($OCITS --root $R_OC exec c1 sh -c "$probe" 2>&1)" "$($RUNC --root $R_RC exec c1 sh -c "$probe" 2>&1)"
has "devices: c 1:1 is refused" "$($OCITS --root $R_OC exec c1 sh -c "$probe" 2>&1)" "Operation not permitted"

check "pause" $OCITS --root $R_OC pause c1
eq "frozen" "$($OCITS --root $R_OC state c1 | jq -r .status) $(cat $C/cgroup.freeze) $(grep frozen $C/cgroup.events)" "paused 1 frozen 1"
check "resume" $OCITS --root $R_OC resume c1
eq "thawed" "$($OCITS --root $R_OC state c1 | jq -r .status) $(grep frozen $C/cgroup.events)" "running frozen 0"
ev=$($OCITS --root $R_OC events --stats c1)
eq "stats: memory, pids, cpu" "$(jq -r '.data | "\(.memory.usage.limit) \(.pids.current) \(.pids.limit) \(.cpu.usage.total > 0)"' <<< "$ev")" "67108864 1 64 true"
has "stats: io" "$(jq -c .data.blkio <<< "$ev")" "{"

check "update" $OCITS --root $R_OC update --memory 100m --memory-swap 200m --cpu-share 1024 --pids-limit 32 c1
check "runc update" $RUNC --root $R_RC update --memory 100m --memory-swap 200m --cpu-share 1024 --pids-limit 32 c1
eq "after update: as runc's" "$(files $C)" "$(files $RC)"

check "exec -d a second process" $OCITS --root $R_OC exec -d c1 sleep 999
eq "two processes" "$(wc -l < $C/cgroup.procs)" 2
check "kill --all KILL (cgroup.kill)" $OCITS --root $R_OC kill --all c1 KILL
wait_for 10 sh -c "[ ! -s $C/cgroup.procs ]"
eq "the cgroup is empty" "$(wc -l < $C/cgroup.procs)" 0
check "delete" $OCITS --root $R_OC delete c1
fails "its cgroup is gone" test -e $C

# OOM: memory.events oom_kill, reported by `events`
bundle "$WORK/b2" '.linux.cgroupsPath = "/ocitsguest/c2" | .linux.resources = {"memory": {"limit": 16777216, "swap": 16777216}} | .process.args = ["sleep", "1000"]'
check "run -d a 16 MiB container" $OCITS --root $R_OC run -d -b "$WORK/b2" c2
$OCITS --root $R_OC events c2 > "$WORK/events" 2>&1 &
evpid=$!
defer "kill $evpid"
sleep 3
run $OCITS --root $R_OC exec c2 dd if=/dev/zero of=/dev/null bs=64M count=1
eq "the allocation is killed (exit 128+9)" $? 137
eq "memory.events: oom_kill" "$(awk '$1 == "oom_kill" {print $2}' /sys/fs/cgroup/ocitsguest/c2/memory.events)" 1
wait_for 5 grep -q '"type":"oom"' "$WORK/events"
has "events: the OOM" "$(cat "$WORK/events")" '{"type":"oom","id":"c2"}'
check "delete -f" $OCITS --root $R_OC delete -f c2
wait_for 5 sh -c "! kill -0 $evpid"
fails "events ends with the container" kill -0 $evpid
fails "nothing left: not even the parent" test -e /sys/fs/cgroup/ocitsguest
