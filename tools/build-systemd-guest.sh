#!/usr/bin/env bash
# Build (once) the Debian 12 guest in which tests/functional_systemd runs devstack-lite's
# stack.sh under a real systemd, and the wheelhouse its pip installs from offline.
#
# Usage: tools/build-systemd-guest.sh image [CACHE_DIR]
#        tools/build-systemd-guest.sh wheels [CACHE_DIR]
#
# image: a debootstrap root (systemd as PID 1, udev, sshd, Python, libvirt's client bits
#   and what tools/build-guest-image.sh needs) in a raw ext4 image, with its
#   own kernel and initrd beside it and an SSH key for root. Written to
#   CACHE_DIR/image-<key>/ where key hashes the release, the package list, the mirror and
#   build_image itself; prints that directory. The guest's root is /dev/vda; /dev/vdb (ext4,
#   label MININOVA) is mounted on /srv: the repository and the wheelhouse of one run.
#   Networking: systemd-networkd, DHCP on every en* link (QEMU user-mode networking).
#   /opt/mininova/venv holds mininova's dependencies from the wheelhouse (so the image
#   key includes the wheelhouse's).
#   No RabbitMQ: under TCG its first start takes over 4 minutes (3 on every boot after),
#   so the guest uses the host's broker through QEMU's 10.0.2.2.
# wheels: `pip wheel` of mininova's install_requires (setup.cfg) plus setuptools and
#   wheel, built with Debian's /usr/bin/python3 (the guest's Python 3.11), into
#   CACHE_DIR/wheels-<key>/ (key: those requirement lines); prints that directory.
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/mininova/systemd-guest. Concurrent
# builders wait for each other (flock on CACHE_DIR/lock-image and lock-wheels). Needs
# root (debootstrap, chroot).
set -euo pipefail

RELEASE=bookworm
PACKAGES=(systemd systemd-sysv dbus udev openssh-server iproute2 procps
    linux-image-amd64 initramfs-tools
    python3 python3-venv python3-dev gcc pkg-config curl ca-certificates
    libvirt-dev libvirt-clients
    busybox-static cpio syslinux syslinux-common mtools dosfstools fdisk qemu-utils)
IMAGE_SIZE=6G

log() { printf '[build-systemd-guest] %s\n' "$*" >&2; }

# The archive apt on this machine uses (the guest has no network of its own).
mirror() {
    local uri
    uri=$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '{print $2}' | grep -v security | head -n 1 || true)
    if [[ -z $uri ]]; then
        uri=$(grep -hoE '^deb\s+\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' |
            grep -v security | head -n 1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

requirements() {
    sed -n '/^install_requires =/,/^\[/{/^    \S/s/^ *//p}' "$REPO/setup.cfg"
    echo "setuptools>=64"
    echo wheel
}

key_of() {
    sha256sum | cut -c1-16
}

# build_image WHEELHOUSE
build_image() {
    local key dir tmp root url wheels=$1
    url=$(mirror)
    # NOTE: keyed on what goes into the image only, not on the rest of this file.
    key=$( { declare -p RELEASE PACKAGES IMAGE_SIZE; declare -f build_image;
        echo "$url ${wheels##*/}"; } | key_of)
    dir=$CACHE_DIR/image-$key
    if [[ -f $dir/done ]]; then echo "$dir"; return 0; fi
    [[ $(id -u) -eq 0 ]] || { log "debootstrap needs root"; exit 1; }
    log "building $dir from $url ($RELEASE); this takes several minutes"
    tmp=$CACHE_DIR/.image-$key.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    root=$tmp/root
    local IFS=,
    debootstrap --variant=minbase --include="${PACKAGES[*]}" "$RELEASE" "$root" "$url" \
        >"$tmp/debootstrap.log" 2>&1 || {
        tail -n 30 "$tmp/debootstrap.log" >&2
        log "debootstrap failed; see $tmp/debootstrap.log"
        exit 1
    }
    unset IFS
    echo mininova-guest >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 mininova-guest\n' >"$root/etc/hosts"
    printf '/dev/vda / ext4 defaults 0 1\nLABEL=MININOVA /srv ext4 defaults 0 2\n' \
        >"$root/etc/fstab"
    printf '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n' \
        >"$root/etc/systemd/network/50-dhcp.network"
    chroot "$root" systemctl enable systemd-networkd ssh >/dev/null 2>&1
    # NOTE: housekeeping that only slows an emulated boot down.
    chroot "$root" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer \
        apt-daily-upgrade.timer man-db.timer fstrim.timer >/dev/null 2>&1
    # NOTE: the journal survives the guest's reboot (the test reads it afterwards).
    mkdir -p "$root/var/log/journal"
    ssh-keygen -q -t ed25519 -N '' -C mininova-systemd-test -f "$tmp/id_ed25519"
    install -d -m 700 "$root/root/.ssh"
    install -m 600 "$tmp/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
    # NOTE: mininova's dependencies go into stack.sh's venv here, at native speed (pip
    # byte-compiling them under TCG takes over 10 minutes); stack.sh then finds the venv
    # and pip-installs only mininova itself, as on a machine that ran it before.
    cp -r "$wheels" "$root/tmp/wheels"
    requirements >"$root/tmp/wheels/requirements.txt"
    mount -t proc proc "$root/proc"
    local rc=0
    chroot "$root" python3 -m venv /opt/mininova/venv &&
        chroot "$root" /opt/mininova/venv/bin/pip install -q --disable-pip-version-check \
            --no-index --find-links /tmp/wheels -r /tmp/wheels/requirements.txt || rc=$?
    umount "$root/proc"
    rm -rf "$root/tmp/wheels"
    ((rc == 0)) || { log "installing the wheelhouse into the image's venv failed"; exit 1; }
    chroot "$root" apt-get clean
    cp "$root"/boot/vmlinuz-* "$tmp/vmlinuz"
    cp "$root"/boot/initrd.img-* "$tmp/initrd.img"
    chmod 644 "$tmp/vmlinuz" "$tmp/initrd.img"
    rm -f "$tmp/root.img"
    mkfs.ext4 -q -F -L mininova-root -d "$root" "$tmp/root.img" "$IMAGE_SIZE"
    rm -rf "$root"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    touch "$dir/done"
    log "built $dir"
    echo "$dir"
}

build_wheels() {
    local key dir tmp venv
    key=$( { requirements; /usr/bin/python3 -V; } | key_of)
    dir=$CACHE_DIR/wheels-$key
    if [[ -f $dir/done ]]; then echo "$dir"; return 0; fi
    log "building $dir with /usr/bin/python3 (pip wheel from the package index)"
    tmp=$CACHE_DIR/.wheels-$key.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    venv=$tmp/venv
    /usr/bin/python3 -m venv "$venv"
    local -a reqs
    mapfile -t reqs < <(requirements)
    "$venv/bin/pip" wheel -q --disable-pip-version-check -w "$tmp/wheels" "${reqs[@]}" \
        >"$tmp/pip.log" 2>&1 || { tail -n 30 "$tmp/pip.log" >&2; log "pip wheel failed"; exit 1; }
    rm -rf "$venv"
    rm -rf "$dir"
    mv "$tmp/wheels" "$dir"
    rm -rf "$tmp"
    touch "$dir/done"
    log "built $dir"
    echo "$dir"
}

what=${1:-}
CACHE_DIR=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/mininova/systemd-guest}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$CACHE_DIR"
# locked NAME COMMAND...: COMMAND while holding CACHE_DIR/lock-NAME.
locked() {
    local fd
    exec {fd}>"$CACHE_DIR/lock-$1"
    flock "$fd"
    "${@:2}"
    exec {fd}>&-
}

case $what in
    image) locked image build_image "$(locked wheels build_wheels)" ;;
    wheels) locked wheels build_wheels ;;
    *) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
