#!/bin/bash
# test/guest/suite.sh - the guest suite, run inside the guest by run.sh (systemd as PID 1,
# pure cgroup v2 or, booted with systemd.unified_cgroup_hierarchy=0, hybrid).
# Usage: suite.sh [SCENARIO...]   (default: every scenarios/*.sh for this boot's cgroup mode)
# Prints TAP-like lines, a time per scenario, and ends with "N passed, N failed".
set -u
export TOP=$(cd "$(dirname "$0")/../.." && pwd)
here=$TOP/test/guest
export RESULTS=/tmp/guest-results
: > "$RESULTS"
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then mode=v2; else mode=v1; fi
echo "# guest: $(uname -r), systemd $(systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p'), cgroup $mode, node $("$TOP/dist/node" -v 2>/dev/null || echo none), $(nproc) vCPU"
if [ $# -eq 0 ]; then
    # a scenario says which cgroup mode it is for on its "# mode:" line
    set -- $(grep -l "^# mode:.*\b$mode\b" "$here"/scenarios/*.sh | xargs -n1 basename | sed 's/\.sh$//')
fi
for s in "$@"; do
    t0=$(date +%s)
    echo "# --- $s"
    # its own shell, at most 5 minutes; its cleanups run however it ends (TERM included)
    SCEN=$s timeout -k 20 300 bash -c '. "$1/lib.sh"; trap run_deferred EXIT; trap "exit 124" TERM; . "$1/scenarios/$2.sh"' _ "$here" "$s"
    rc=$?
    [ $rc -eq 0 ] || { echo "not ok - $s: the scenario itself failed (exit $rc$([ $rc = 124 ] && echo ', timed out'))" | tee -a "$RESULTS"; }
    echo "# $s: $(( $(date +%s) - t0 ))s"
done
passed=$(grep -c '^ok ' "$RESULTS")
failed=$(grep -c '^not ok ' "$RESULTS")
[ $((passed + failed)) -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
