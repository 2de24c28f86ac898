# containerd 1.6 through ctr with runc's systemd cgroup option (SystemdCgroup = true) and
# BinaryName = ocits: the shim drives ocits --systemd-cgroup; run --rm with a memory limit,
# -d + exec + kill, delete; nothing left.
# mode: v2

systemctl unmask containerd.service >/dev/null 2>&1
check "containerd starts" systemctl start containerd.service
defer "ctr task kill -s KILL c2; ctr task delete c2; ctr container delete c2; systemctl stop containerd.service"
# ctr run [flags] ROOTFS ID CMD... (--rootfs: the first argument is a directory, not an image)
CTR="ctr run --rootfs --runc-binary $OCITS --runc-systemd-cgroup"
out=$($CTR --rm --cgroup system.slice:ctr:c1 --memory-limit 67108864 $ROOTFS c1 sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max' 2>&1)
# ctr's spec has no cgroup namespace: the container sees the host's tree
eq "ctr run --rm: in its scope, with the memory limit" "$(echo $out)" "0::/system.slice/ctr-c1.scope 67108864"
eq "its unit is gone" "$(unit_state ctr-c1.scope)" not-found
check "ctr run -d" $CTR -d --cgroup system.slice:ctr:c2 $ROOTFS c2 sleep 1000
eq "the scope" "$(systemctl show -p ActiveState --value ctr-c2.scope)" active
eq "ctr task exec" "$(ctr task exec --exec-id e1 c2 echo hi 2>&1)" hi
check "ctr task kill" ctr task kill -s KILL c2
wait_for 10 sh -c "ctr task ls | grep -q 'c2.*STOPPED'"
check "ctr task delete" ctr task delete c2
check "ctr container delete" ctr container delete c2
eq "no unit left" "$(unit_state ctr-c2.scope)" not-found
fails "no cgroup left" test -e /sys/fs/cgroup/system.slice/ctr-c2.scope
