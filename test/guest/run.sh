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
for f in "$top/dist/ocits.js" "$top/build/Release/ocits_native.node" "$top/build/Release/ocits_systemd.node"; do
    [ -f "$f" ] || { echo "run.sh: $f missing (npm install first)"; echo "0 passed, 1 failed"; exit 1; }
done

# The Node binary the guest runs ocits with is whatever bin/ocits runs on (its #! line, through
# env and PATH if so): this is the one place that decides it. One inside the checkout reaches the
# guest through the share; one outside it (the host's own) is installed in the guest where
# bin/ocits will find it, over the guest's older Node.
read -r -a shebang <<< "$(head -1 "$top/bin/ocits" | sed 's/^#! *//')"
if [[ ${shebang[0]} == */env ]]; then
    name=${shebang[1]}; [ "$name" = -S ] && name=${shebang[2]}
    host_node=$(command -v "$name") guest_node=/usr/local/bin/$name
else
    host_node=${shebang[0]} guest_node=${shebang[0]}
fi
host_node=$(realpath "$host_node" 2>/dev/null) || { echo "run.sh: cannot find the Node binary bin/ocits runs on"; echo "0 passed, 1 failed"; exit 1; }
files=()
case "$host_node" in "$top"/*) ;; *) files=(-f "$host_node:$guest_node") ;; esac

img=$(bash "$here/image.sh") || { echo "run.sh: the guest image could not be built"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
OCITS_GUEST_IMAGE=$img OCITS_GUEST_APPEND=$append bash "$here/boot.sh" -v "$top" "${files[@]}" -t "$TMO" \
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
