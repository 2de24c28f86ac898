#!/bin/bash
# test/guest/boot.sh - boot the guest image (image.sh) under qemu, run CMD in it, print its
# stdout and stderr, exit with its exit code (125: the guest never reported one).
#
# Usage: boot.sh [-v DIR] [-f HOSTFILE:GUESTPATH]... [-m MiB] [-c CPUS] [-t SECONDS] CMD [ARGS...]
#   -v DIR     host dir shared read-write (9p) at the same path; CMD runs there (default: $PWD)
#   -f A:B     install the host file A at B in the guest before CMD runs (e.g. a Node binary)
#   -m MiB     guest memory (default 3072)      -c CPUS  vCPUs (default: the host's)
#   -t SECONDS qemu is killed past this (default 1800)
# Env:   OCITS_GUEST_IMAGE  the image dir (default: what image.sh prints, building it if needed)
#        OCITS_GUEST_APPEND more kernel command line (e.g. systemd.unified_cgroup_hierarchy=0)
#        OCITS_GUEST_ENV    names of host variables handed to CMD
# Every boot starts from the pristine image (qemu snapshot=on): nothing a run does is kept.
# The guest has no network card. Software emulation (TCG): boot ~20-40 s, Node ~15x slower.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SHARE=$PWD MEM=3072 CPUS=$(nproc) TMO=1800
files=()
while getopts "v:f:m:c:t:" o; do
    case $o in
        v) SHARE=$OPTARG ;; f) files+=("$OPTARG") ;; m) MEM=$OPTARG ;; c) CPUS=$OPTARG ;; t) TMO=$OPTARG ;;
        *) sed -n '2,/^set /p' "$0" | sed '$d' >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,/^set /p' "$0" | sed '$d' >&2; exit 2; }
IMG=${OCITS_GUEST_IMAGE:-$(bash "$here/image.sh")} || exit 125
for f in vmlinuz initrd.img root.img; do
    [ -s "$IMG/$f" ] || { echo "boot.sh: $IMG/$f missing" >&2; exit 125; }
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/ocits-guest-run.XXXXXX")
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
CTL=$RUN/ctl
mkdir -p "$CTL/files"
SHARE=$(realpath "$SHARE") || exit 125
echo "$SHARE" > "$CTL/sharepath"
case "$PWD/" in "$SHARE"/*) echo "$PWD" > "$CTL/cwd" ;; *) echo "$SHARE" > "$CTL/cwd" ;; esac
: > "$CTL/env"
for v in ${OCITS_GUEST_ENV:-}; do [ -n "${!v+x}" ] && printf '%s=%q\n' "$v" "${!v}" >> "$CTL/env"; done
{
    echo '#!/bin/bash'
    i=0
    for spec in "${files[@]}"; do
        src=${spec%%:*} dst=${spec#*:}
        cp "$src" "$CTL/files/$i" || exit 125
        # a copy on the guest's own disk: the control share is uncached 9p
        printf 'install -D -m 0755 /run/ocits-ctl/files/%d %q || exit 125\n' "$i" "$dst"
        i=$((i + 1))
    done
    printf 'exec'; printf ' %q' "$@"; echo
} > "$CTL/job.sh"

t0=$(date +%s)
timeout --foreground -k 10 "$TMO" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -machine q35 -smp "$CPUS" -m "$MEM" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial "file:$RUN/console.log" \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
    -append "console=ttyS0 root=/dev/vda rw panic=-1 systemd.unified_cgroup_hierarchy=1 ocits.run=1 ${OCITS_GUEST_APPEND:-}" \
    -drive "file=$IMG/root.img,if=virtio,format=raw,cache=unsafe,snapshot=on" \
    -fsdev "local,id=ctl,path=$CTL,security_model=none" -device virtio-9p-pci,fsdev=ctl,mount_tag=ctl \
    -fsdev "local,id=share,path=$SHARE,security_model=passthrough" -device virtio-9p-pci,fsdev=share,mount_tag=share \
    -nic none -device virtio-rng-pci \
    > "$RUN/qemu.log" 2>&1 &
qpid=$!
wait "$qpid"; qrc=$?
qpid=
if [ -f "$CTL/rc" ]; then
    rc=$(cat "$CTL/rc")
    cat "$CTL/stdout"; cat "$CTL/stderr" >&2
else
    rc=125
    echo "boot.sh: the guest reported no exit code (qemu exit $qrc, after $(( $(date +%s) - t0 ))s); qemu.log and the console's end:" >&2
    cat "$RUN/qemu.log" >&2; tail -40 "$RUN/console.log" >&2
    cat "$CTL/guest.log" >&2 2>/dev/null
fi
booted=$(awk '/system state:/ {print $1; exit}' "$CTL/guest.log" 2>/dev/null)
echo "boot.sh: guest booted in ${booted:-?}s, whole run $(( $(date +%s) - t0 ))s, exit code $rc" >&2
exit "$rc"
