# containerd 1.6 through ctr with runc's systemd cgroup option (SystemdCgroup = true) and
# BinaryName = ocits: the shim drives ocits --systemd-cgroup; run --rm with a memory limit,
# -d + exec + kill, delete; nothing left.
# mode: v2

systemctl unmask containerd.service >/dev/null 2>&1
check "containerd starts" systemctl start containerd.service
defer "ctr task kill -s KILL c2; ctr task delete c2; ctr container delete c2; systemctl stop containerd.service"
# ctr run [flags] ROOTFS ID CMD... (--rootfs: the first argument is a directory, not an image)
CTR="ctr run --rootfs --runc-binary $OCITS --runc-systemd-cgroup"
out=$($CTR --rm --cgroup system.slice:ctr:c1 $ROOTFS c1 cat /proc/self/cgroup 2>&1)
# ctr's spec has no cgroup namespace (nor a /sys/fs/cgroup mount): the path as the host sees it
eq "ctr run --rm: in its scope" "$out" "0::/system.slice/ctr-c1.scope"
eq "its unit is gone" "$(unit_state ctr-c1.scope)" not-found
check "ctr run -d --memory-limit" $CTR -d --cgroup system.slice:ctr:c2 --memory-limit 67108864 $ROOTFS c2 sleep 1000
eq "the scope, its limit" "$(show ctr-c2.scope ActiveState MemoryMax | tr '\n' ' ')$(cat /sys/fs/cgroup/system.slice/ctr-c2.scope/memory.max)" "ActiveState=active MemoryMax=67108864 67108864"
eq "ctr task exec" "$(ctr task exec --exec-id e1 c2 echo hi 2>&1)" hi
check "ctr task kill" ctr task kill -s KILL c2
wait_for 10 sh -c "ctr task ls | grep -q 'c2.*STOPPED'"
check "ctr task delete" ctr task delete c2
check "ctr container delete" ctr container delete c2
eq "no unit left" "$(unit_state ctr-c2.scope)" not-found
fails "no cgroup left" test -e /sys/fs/cgroup/system.slice/ctr-c2.scope
