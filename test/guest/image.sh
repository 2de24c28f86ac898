#!/bin/bash
# test/guest/image.sh - the guest image of the guest suite: Debian bookworm booted with
# systemd as PID 1, the D-Bus system bus and pure cgroup v2, with runc (the reference),
# podman, containerd and busybox-static, from Debian's packages only.
#
# Usage: image.sh            prints the image dir (vmlinuz, initrd.img, root.img), building
#                            it first when the cache has none for this script's content
# Env:   OCITS_GUEST_CACHE   where images are kept (default /var/cache/ocits-guest); one
#                            image per content hash of this file, older ones are removed
#        MIRROR, SECMIRROR   Debian mirrors (default: the ones this host's apt uses)
# Needs root, debootstrap and e2fsprogs (mkfs.ext4 -d). About 2.5 min with a warm package
# cache, 5 min cold; ~1 GB on disk (8 GB sparse).
set -euo pipefail

CACHE=${OCITS_GUEST_CACHE:-/var/cache/ocits-guest}
KEY=$(sha256sum "$0" | cut -c1-16)
OUT=$CACHE/image-$KEY
[ -s "$OUT/root.img" ] && [ -s "$OUT/vmlinuz" ] && { echo "$OUT"; exit 0; }

[ "$(id -u)" = 0 ] || { echo "image.sh: must run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "image.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$CACHE"
# one build at a time; a second caller waits and then finds the image
exec 9>"$CACHE/.lock"
flock 9
[ -s "$OUT/root.img" ] && { echo "$OUT"; exit 0; }

host_uris() { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *//p'
              grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'; true; }
MIRROR=${MIRROR:-$(host_uris | grep -v security | head -1 || true)}
SECMIRROR=${SECMIRROR:-$(host_uris | grep security | head -1 || true)}
[ -n "$MIRROR" ] || { echo "image.sh: no Debian mirror in /etc/apt; set MIRROR" >&2; exit 1; }
SUITE=bookworm
WORK=$CACHE/build.$$
ROOT=$WORK/rootfs
DEBS=$CACHE/debs
BASE_PKGS=systemd,systemd-sysv,dbus,udev,kmod,iproute2,procps,linux-image-amd64,initramfs-tools,runc,busybox-static,jq,e2fsprogs,util-linux,ca-certificates
EXTRA_PKGS="podman containerd"

t0=$(date +%s)
log() { echo "[guest image +$(( $(date +%s) - t0 ))s] $*" >&2; }
umount_ours() {
    for m in "$ROOT/proc" "$ROOT/dev/pts"; do mountpoint -q "$m" 2>/dev/null && umount "$m" || true; done
}
cleanup() {
    umount_ours
    if [ -d "$WORK" ] && ! findmnt -rn -o TARGET | grep -q "^$WORK"; then rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$ROOT" "$DEBS"

log "debootstrap $SUITE (mirror $MIRROR) into $ROOT"
debootstrap --variant=minbase --cache-dir="$DEBS" --include="$BASE_PKGS" "$SUITE" "$ROOT" "$MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
cat > "$ROOT/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
${SECMIRROR:+deb $SECMIRROR $SUITE-security main}
SRC
# no daemon starts inside the build chroot
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod +x "$ROOT/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOT/proc"
mkdir -p "$ROOT/dev/pts"; mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

log "apt-get dist-upgrade + install $EXTRA_PKGS"
in_root apt-get update -q > "$WORK/apt.log" 2>&1
in_root apt-get -y -q dist-upgrade >> "$WORK/apt.log" 2>&1
# shellcheck disable=SC2086
in_root apt-get -y -q install --no-install-recommends $EXTRA_PKGS >> "$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
# only the kernel linux-image-amd64 points to (the upgrade may have added a newer one)
cur=$(in_root dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -o 'linux-image-[0-9][^ ,]*')
old=$(in_root dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 'linux-image-[0-9]*' | awk '$2=="ii" {print $1}' | grep -vx "$cur" || true)
# shellcheck disable=SC2086
[ -z "$old" ] || in_root apt-get -y -q purge $old >> "$WORK/apt.log" 2>&1

log "configure"
echo ocits-guest > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 ocits-guest\n::1 localhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$ROOT/etc/fstab"
in_root passwd -d root >/dev/null
# units that only cost boot time in a throw-away test VM without a network card;
# containerd is started by the scenario that uses it
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
         systemd-networkd-wait-online.service podman-auto-update.timer podman-auto-update.service \
         podman-restart.service containerd.service; do
    in_root systemctl mask "$u" >/dev/null 2>&1 || true
done
printf '9p\n9pnet_virtio\n' > "$ROOT/etc/modules-load.d/ocits-9p.conf"
sed -i 's/^MODULES=.*/MODULES=list/' "$ROOT/etc/initramfs-tools/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >> "$ROOT/etc/initramfs-tools/modules"
in_root update-initramfs -u -k all >> "$WORK/apt.log" 2>&1

# The job runner (boot.sh's other half): with ocits.run=1 on the kernel command line it
# mounts the control share (9p tag ctl) at /run/ocits-ctl, the work share (tag share) at the
# path in ctl/sharepath, waits for the boot to finish, runs ctl/job.sh with stdout/stderr and
# the exit code written back into ctl, and powers off.
cat > "$ROOT/usr/local/sbin/ocits-guest-runner" <<'RUNNER'
#!/bin/bash
CTL=/run/ocits-ctl
mkdir -p $CTL
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none ctl $CTL || { echo "ocits-guest: no ctl share" >&2; exit 0; }
log() { echo "$(cut -d' ' -f1 /proc/uptime) $*" >> $CTL/guest.log; }
log "runner started"
if [ -s $CTL/sharepath ]; then
    SP=$(cat $CTL/sharepath)
    mkdir -p "$SP"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap,access=client share "$SP" \
        && log "mounted the share at $SP" || log "ERROR mounting the share at $SP"
fi
state=$(timeout 300 systemctl is-system-running --wait 2>&1)
log "system state: $state"
[ "$state" = running ] || systemctl --failed --no-legend >> $CTL/guest.log 2>&1
cwd=/
[ -s $CTL/cwd ] && cwd=$(cat $CTL/cwd)
( cd "$cwd" 2>/dev/null || cd /
  set -a; [ -f $CTL/env ] && . $CTL/env; set +a
  exec /bin/bash $CTL/job.sh ) > $CTL/stdout 2> $CTL/stderr < /dev/null
rc=$?
echo $rc > $CTL/rc.tmp && mv $CTL/rc.tmp $CTL/rc
log "job exited rc=$rc"
sync
systemctl poweroff --no-block
RUNNER
chmod 755 "$ROOT/usr/local/sbin/ocits-guest-runner"
cat > "$ROOT/etc/systemd/system/ocits-guest-runner.service" <<'UNIT'
[Unit]
Description=ocits guest: run the job from the host's 9p share, then power off
ConditionKernelCommandLine=ocits.run=1
After=basic.target dbus.service systemd-logind.service
Wants=dbus.service

[Service]
Type=exec
ExecStart=/usr/local/sbin/ocits-guest-runner
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
in_root systemctl enable ocits-guest-runner.service >/dev/null 2>&1

rm -f "$ROOT/usr/sbin/policy-rc.d"
in_root apt-get clean
umount_ours
: > "$ROOT/etc/machine-id"   # systemd makes one per boot

kver=$(ls "$ROOT/lib/modules" | sort -V | tail -1)
NEW=$WORK/image
mkdir -p "$NEW"
cp "$ROOT/boot/vmlinuz-$kver" "$NEW/vmlinuz"
cp "$ROOT/boot/initrd.img-$kver" "$NEW/initrd.img"
log "mkfs.ext4 -d (8G sparse)"
mkfs.ext4 -q -F -L ocitsroot -E root_owner=0:0 -d "$ROOT" "$NEW/root.img" 8G
{
    echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 ))s from image.sh $KEY"
    echo "kernel $kver"
    in_root dpkg-query -W systemd dbus runc podman containerd linux-image-amd64 2>/dev/null
} > "$NEW/build-info.txt"
# older images of other versions of this script
for d in "$CACHE"/image-*; do [ "$d" = "$OUT" ] || rm -rf --one-file-system "$d"; done
mv "$NEW" "$OUT"
log "done: $OUT"
echo "$OUT"
