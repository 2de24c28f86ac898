# shellcheck shell=bash
# Helpers for bench/run.sh: rootfs and configs, RSS of a created container, medians, cleanup.

BENCH_BUSYBOX=${BENCH_BUSYBOX:-/bin/busybox}

die() { echo "bench: $*" >&2; exit 1; }

# make_rootfs DIR: busybox-static, one symlink per applet (not busybox itself)
make_rootfs() {
  local dir=$1 name
  mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/etc" "$dir/tmp" "$dir/root"
  cp "$BENCH_BUSYBOX" "$dir/bin/busybox"
  chmod 0755 "$dir/bin/busybox"
  for name in $("$BENCH_BUSYBOX" --list); do
    [ "$name" = busybox ] && continue
    ln -s busybox "$dir/bin/$name"
  done
  chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

# make_config DIR ROOTFS CGROUPS_PATH SPEC_TOOL ARGS_JSON: DIR/config.json, the
# default spec of SPEC_TOOL (`runc spec`) with ROOTFS (absolute) as its root, no
# terminal, the given args and cgroupsPath
make_config() {
  local dir=$1 rootfs=$2 cg=$3 spec_tool=$4 args=$5
  mkdir -p "$dir"
  (cd "$dir" && "$spec_tool" spec) || die "$spec_tool spec failed"
  jq --arg root "$rootfs" --arg cg "$cg" --argjson args "$args" \
    '.root.path = $root | .process.terminal = false | .process.args = $args | .linux.cgroupsPath = $cg' \
    "$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

# vmrss_kb PID: VmRSS in kB (0 if gone or a kernel thread)
vmrss_kb() {
  awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# descendants PID: PID and all its descendants, one per line
descendants() {
  local root=$1
  ps -e -o pid=,ppid= | awk -v root="$root" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      keep[root] = 1; changed = 1
      while (changed) {
        changed = 0
        for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
      }
      for (p in keep) print p
    }'
}

# marked_pids VAR=VALUE: live processes whose environment holds VAR=VALUE
marked_pids() {
  local want=$1 e
  for e in /proc/[0-9]*/environ; do
    if tr '\0' '\n' 2>/dev/null <"$e" | grep -qxF "$want"; then
      e=${e#/proc/}; echo "${e%/environ}"
    fi
  done
}

# sum_rss_kb PID...: summed VmRSS in kB of the distinct pids
sum_rss_kb() {
  local total=0 p
  for p in $(printf '%s\n' "$@" | sort -un); do
    [ "$p" = "$$" ] && continue
    total=$((total + $(vmrss_kb "$p")))
  done
  echo "$total"
}

# median: numbers on stdin, one per line -> median on stdout
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with 2 decimals (or "n/a")
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "n/a"; else printf "%.2f\n", a / b }'
}

# remove_cgroup PATH: rmdir the cgroup (and an emptied parent) on every hierarchy
remove_cgroup() {
  local cg=$1 h parent
  parent=$(dirname "$cg")
  for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
    if [ -d "$h$cg" ]; then
      [ -f "$h$cg/cgroup.procs" ] && xargs -r kill -9 2>/dev/null <"$h$cg/cgroup.procs"
      sleep 0.1
      rmdir "$h$cg" 2>/dev/null
    fi
    if [ "$parent" != / ] && [ -d "$h$parent" ]; then rmdir "$h$parent" 2>/dev/null; fi
  done
  return 0
}
