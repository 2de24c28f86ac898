#!/bin/bash
# test/guest/run.sh - the guest suite from the host: builds the guest image once (image.sh,
# cached outside the checkout), boots it with this checkout shared at the same path, runs
# suite.sh inside, prints its output; the last line is "N passed, N failed".
#
# Usage: run.sh [--v1] [-t SECONDS] [SCENARIO...]      (npm run test:guest -- ...)
#   --v1        boot with systemd.unified_cgroup_hierarchy=0 (systemd's hybrid layout) and run
#               the scenarios marked for v1 instead
#   -t SECONDS  the whole boot is killed past this (default 900)
# Needs root, qemu-system-x86, debootstrap; the checkout built (npm install).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/test/guest
TMO=900
append=
while [ $# -gt 0 ]; do
    case $1 in
        --v1) append="systemd.unified_cgroup_hierarchy=0"; shift ;;
        -t) TMO=$2; shift 2 ;;
        *) break ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root"; echo "0 passed, 1 failed"; exit 1; }
for f in "$top/dist/ocits.cjs" "$top/dist/ocits.js" "$top/build/Release/ocits_native.node" "$top/build/Release/ocits_systemd.node"; do
    [ -f "$f" ] || { echo "run.sh: $f missing (npm install first)"; echo "0 passed, 1 failed"; exit 1; }
done

# The Node binary the guest runs ocits with is the one bin/ocits runs on: the pinned Node that
# npm install links as dist/node (bin/ocits execs "$here/../dist/node"; this is the one place the
# guest suite decides it). It is inside the checkout, so it reaches the guest through the share
# (cache=mmap: its pages are read once).
grep -q '/dist/node"' "$top/bin/ocits" || { echo "run.sh: bin/ocits no longer runs dist/node: follow it here"; echo "0 passed, 1 failed"; exit 1; }
host_node=$(realpath "$top/dist/node" 2>/dev/null) || { echo "run.sh: cannot find the Node binary bin/ocits runs on (dist/node)"; echo "0 passed, 1 failed"; exit 1; }
case "$host_node" in "$top"/*) ;; *) echo "run.sh: $host_node is outside the checkout: the guest cannot reach it"; echo "0 passed, 1 failed"; exit 1 ;; esac

img=$(bash "$here/image.sh") || { echo "run.sh: the guest image could not be built"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
OCITS_GUEST_IMAGE=$img OCITS_GUEST_APPEND=$append bash "$here/boot.sh" -v "$top" -t "$TMO" \
    bash "$here/suite.sh" "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# the suite's own last line, or a failure when the guest never got that far
if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$out"; then
    echo "run.sh: the guest suite did not finish (exit $rc)"
    echo "0 passed, 1 failed"
    exit 1
fi
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1
exit "$rc"
