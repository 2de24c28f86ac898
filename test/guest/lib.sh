# test/guest/lib.sh - what the guest scenarios share (sourced by suite.sh, inside the guest).
# A scenario is a bash file run in a subshell of its own: it records test points with
# ok/bad/check/eq/has, registers its cleanups with defer (they run in reverse order when it
# ends, however it ends), and keeps its state under its own --root, bundles and unit names.

TOP=${TOP:?}
OCITS=$TOP/bin/ocits
RUNC=/usr/sbin/runc
RESULTS=${RESULTS:?}
SCEN=${SCEN:-?}
WORK=/tmp/guest-$SCEN
mkdir -p "$WORK"

ok() { echo "ok - $SCEN: $1" >> "$RESULTS"; echo "ok - $SCEN: $1"; }
bad() {
    local d=$1; shift
    { echo "not ok - $SCEN: $d"; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done; } | tee -a "$RESULTS"
}
# run CMD...: its output in $WORK/out (a file: a detached container may keep it open), at
# most 120 s; its exit code
run() { timeout -k 5 120 "$@" > "$WORK/out" 2>&1 < /dev/null; }
# check DESC CMD...: the command succeeds
check() {
    local d=$1 rc; shift
    if run "$@"; then ok "$d"; else rc=$?; bad "$d" "command: $*" "exit $rc: $(cat "$WORK/out")"; fi
}
# fails DESC CMD...: the command fails
fails() {
    local d=$1; shift
    if run "$@"; then bad "$d" "command: $*" "exit 0 (expected a failure): $(cat "$WORK/out")"; else ok "$d"; fi
}
# eq DESC GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got:  $2" "want: $3"; fi; }
# has DESC TEXT NEEDLE
has() { case "$2" in *"$3"*) ok "$1" ;; *) bad "$1" "got:  $2" "want it to contain: $3" ;; esac; }

DEFERRED=()
defer() { DEFERRED+=("$*"); }
run_deferred() {
    local i
    for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do eval "${DEFERRED[i]}" >/dev/null 2>&1; done
}

# a busybox rootfs (busybox-static, every applet but busybox itself a link)
make_rootfs() {
    local r=$1 n
    mkdir -p "$r/bin" "$r/tmp" "$r/etc"
    cp /bin/busybox "$r/bin/busybox"
    for n in $("$r/bin/busybox" --list); do [ "$n" = busybox ] || ln -sf busybox "$r/bin/$n"; done
    echo 'root:x:0:0:root:/:/bin/sh' > "$r/etc/passwd"
    echo 'root:x:0:' > "$r/etc/group"
}
ROOTFS=/tmp/guest-rootfs
[ -x $ROOTFS/bin/sh ] || make_rootfs $ROOTFS

# bundle DIR JQ: a bundle over the shared rootfs; config.json is `ocits spec` through the jq filter
bundle() {
    local b=$1 f=${2:-.}
    mkdir -p "$b"
    ( cd "$b" && rm -f config.json && "$OCITS" spec ) || return 1
    jq --arg rootfs $ROOTFS ".root.path = \$rootfs | .process.terminal = false | $f" "$b/config.json" > "$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# unit_gone UNIT: systemd knows no such unit any more
unit_state() { systemctl show -p LoadState --value "$1" 2>/dev/null; }

# show UNIT PROP...: "Prop=value" lines of systemctl show, in the order asked
show() {
    local u=$1 p; shift
    for p in "$@"; do echo "$p=$(systemctl show -p "$p" --value "$u")"; done
}

# wait_for SECONDS CMD...: poll (0.2 s) until CMD succeeds
wait_for() {
    local n=$(( $1 * 5 )); shift
    while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; n=$((n - 1)); done
    return 1
}
