# Podman 4.3 with its default configuration (systemd cgroup manager, cgroup v2) and
# `runtime = "ocits"`: run --rm with --memory and --pids-limit, -d + exec, pause/unpause,
# stats, stop, a failing run's error; nothing left in systemd afterwards.
# mode: v2

mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<CONF
[engine]
runtime = "ocits"
runtime_supports_json = ["ocits"]

[engine.runtimes]
ocits = ["$OCITS"]
CONF
defer "podman rm -f -t 0 p1; podman rmi -f localhost/bb; rm -f /etc/containers/containers.conf"
eq "podman info: systemd cgroup manager, cgroup v2, runtime ocits" \
    "$(podman info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}} {{.Host.OCIRuntime.Name}}')" "systemd v2 ocits"
check "import the busybox image" sh -c "tar -C $ROOTFS -c . | podman import - localhost/bb"

out=$(podman run --rm --network none --memory 64m --pids-limit 42 localhost/bb sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /proc/self/cgroup' 2>&1)
eq "run --rm --memory 64m --pids-limit 42: memory.max, pids.max, its own cgroup namespace" "$(echo $out)" "67108864 42 0::/"

check "run -d" podman run -d --name p1 --network none localhost/bb sleep 1000
id=$(podman inspect -f '{{.Id}}' p1)
eq "its scope: libpod-<id>.scope in machine.slice" "$(show libpod-$id.scope ActiveState Slice | tr '\n' ' ')" "ActiveState=active Slice=machine.slice "
eq "exec" "$(podman exec p1 echo hi 2>&1)" hi
check "pause" podman pause p1
eq "paused" "$(podman inspect -f '{{.State.Status}}' p1) $(cat /sys/fs/cgroup/machine.slice/libpod-$id.scope/cgroup.freeze)" "paused 1"
check "unpause" podman unpause p1
eq "running again" "$(podman inspect -f '{{.State.Status}}' p1)" running
eq "stats" "$(podman stats --no-stream --format '{{.Name}} {{.PIDs}}' p1 2>&1)" "p1 1"
check "stop" podman stop -t 2 p1
eq "exited" "$(podman inspect -f '{{.State.Status}}' p1)" exited
check "rm" podman rm p1
eq "no unit left" "$(unit_state libpod-$id.scope)" not-found

out=$(podman run --rm --network none localhost/bb /nonexistent 2>&1); rc=$?
eq "a failing run: exit code 127 (command not found)" "$rc" 127
has "a failing run: the runtime's error reaches the user" "$out" "/nonexistent"
eq "no libpod unit left at all" "$(systemctl list-units --all --no-legend 'libpod-*' | grep -v conmon | wc -l)" 0
