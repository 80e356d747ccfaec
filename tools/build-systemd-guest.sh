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
#   CACHE_DIR/image-<key>/ where key hashes the debootstrap root (CACHE_DIR/base-<key>.tar,
#   itself keyed on the release, the package list and the mirror), the wheelhouse and
#   build_image itself; prints that directory. A changed build_image reuses the base. The guest's root is /dev/vda; /dev/vdb (ext4,
#   label MININOVA) is mounted on /srv: the repository and the wheelhouse of one run.
#   Networking: 10.0.2.15/24 on eth0, set by a oneshot unit (QEMU user-mode networking).
#   /opt/mininova/venv holds mininova's dependencies from the wheelhouse (so the image
#   key includes the wheelhouse's).
#   No RabbitMQ: under TCG its first start takes over 4 minutes (3 on every boot after),
#   so the guest uses the host's broker through QEMU's 10.0.2.2.
# wheels: `pip wheel` of mininova's install_requires (setup.cfg) plus setuptools and
#   wheel, built with Debian's /usr/bin/python3 (the guest's Python 3.11), into
#   CACHE_DIR/wheels-<key>/ (key: those requirement lines); prints that directory.
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/mininova/systemd-guest. Concurrent
# builders wait for each other (flock on CACHE_DIR/lock-{base,image,wheels}). Needs
# root (debootstrap, chroot).
set -euo pipefail

RELEASE=bookworm
PACKAGES=(systemd systemd-sysv dbus udev openssh-server iproute2 procps
    linux-image-amd64 initramfs-tools
    python3 python3-venv python3-dev gcc pkg-config curl ca-certificates
    libvirt-dev libvirt-clients
    busybox-static cpio syslinux syslinux-common mtools dosfstools fdisk qemu-utils)
IMAGE_SIZE=6G
# Installed into the image on top of the base (not in PACKAGES: a change here does not
# pay debootstrap again).
GUEST_IMAGE_PACKAGES=(dropbear-bin)
BOOT_MASKED=(e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer
    man-db.timer fstrim.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer
    getty@tty1.service getty-static.service systemd-update-utmp-runlevel.service
    apt-daily.service apt-daily-upgrade.service systemd-binfmt.service)

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

# build_base: the debootstrap root alone, as a tar in CACHE_DIR/base-<key>.tar (key: the
# release, the package list, the mirror and this function); prints its path. The slow
# part (5-8 minutes, most of it the mirror): kept apart so that changing what
# build_image does to the root does not pay it again.
build_base() {
    local key tar tmp url
    url=$(mirror)
    key=$( { declare -p RELEASE PACKAGES; declare -f build_base; echo "$url"; } | key_of)
    tar=$CACHE_DIR/base-$key.tar
    if [[ -f $tar ]]; then echo "$tar"; return 0; fi
    [[ $(id -u) -eq 0 ]] || { log "debootstrap needs root"; exit 1; }
    log "debootstrapping $RELEASE from $url into $tar; this takes several minutes"
    tmp=$CACHE_DIR/.base-$key.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    local IFS=,
    debootstrap --variant=minbase --include="${PACKAGES[*]}" "$RELEASE" "$tmp/root" "$url" \
        >"$tmp/debootstrap.log" 2>&1 || {
        tail -n 30 "$tmp/debootstrap.log" >&2
        log "debootstrap failed; see $tmp/debootstrap.log"
        exit 1
    }
    unset IFS
    chroot "$tmp/root" apt-get clean
    tar -C "$tmp/root" --numeric-owner --xattrs -cf "$tmp/base.tar" .
    mv "$tmp/base.tar" "$tar"
    rm -rf "$tmp"
    log "built $tar"
    echo "$tar"
}

# in_root ROOT COMMAND...: COMMAND chrooted into ROOT, without this host's environment
# (its PIP_* settings, say, mean nothing there).
in_root() {
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 chroot "$@"
}

# install_inputs: what the editable install in the image depends on: setup.cfg,
# pyproject.toml and stack.sh's install functions (lib/mininova), not the rest of the code.
install_inputs() {
    cat "$REPO/setup.cfg" "$REPO/pyproject.toml"
    # shellcheck source=/dev/null
    (source "$REPO/devstack-lite/lib/functions" && source "$REPO/devstack-lite/lib/mininova" &&
        declare -f mininova_install_stamp install_mininova _mininova_binaries_installed)
}

# install_mininova_in ROOT: stack.sh's own install_mininova, run in the image's root on
# a copy of this checkout at /srv/mininova, where the guest mounts the checkout of each
# run: the editable install (and its stamp) then holds for that checkout as long as
# setup.cfg and pyproject.toml are these, so stack.sh in the guest skips pip (minutes
# under TCG); with other ones it runs pip as on any machine.
install_mininova_in() {
    local root=$1
    mkdir -p "$root/srv/mininova"
    cp -r "$REPO/setup.cfg" "$REPO/pyproject.toml" "$REPO/devstack-lite" "$REPO/mininova" \
        "$root/srv/mininova/"
    # shellcheck disable=SC2016
    in_root "$root" env PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/wheels bash -c '
        set -euo pipefail
        source /srv/mininova/devstack-lite/lib/functions
        source /srv/mininova/devstack-lite/lib/mininova
        exec 3>/dev/null
        MININOVA_DIR=/srv/mininova MININOVA_VENV=/opt/mininova/venv
        MININOVA_PIP_OPTS="-q --no-build-isolation --no-deps"
        install_mininova' >&2
}

# build_image BASE_TAR WHEELHOUSE
build_image() {
    local key dir tmp root base=$1 wheels=$2
    # NOTE: keyed on what goes into the image only, not on the rest of this file.
    key=$( { declare -p IMAGE_SIZE BOOT_MASKED GUEST_IMAGE_PACKAGES;
        declare -f build_image install_mininova_in;
        echo "${base##*/} ${wheels##*/}"; install_inputs; } | key_of)
    dir=$CACHE_DIR/image-$key
    if [[ -f $dir/done ]]; then echo "$dir"; return 0; fi
    [[ $(id -u) -eq 0 ]] || { log "the image's root needs root (chroot)"; exit 1; }
    log "building $dir from ${base##*/}"
    tmp=$CACHE_DIR/.image-$key.tmp
    # NOTE: a build killed half-way leaves its /proc mounted there.
    umount "$tmp/root/proc" 2>/dev/null || true
    rm -rf "$tmp"
    mkdir -p "$tmp/root"
    root=$tmp/root
    tar -C "$root" --numeric-owner --xattrs -xf "$base"
    echo mininova-guest >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 mininova-guest\n' >"$root/etc/hosts"
    # NOTE: no fsck: the root is a fresh overlay and the data disk is made for each run.
    printf '/dev/vda / ext4 defaults 0 0\nLABEL=MININOVA /srv ext4 defaults 0 0\n' \
        >"$root/etc/fstab"
    # NOTE: QEMU's user-mode network is always 10.0.2.15/24 via 10.0.2.2: set statically by
    # a oneshot (kernel names: eth0) rather than DHCP by systemd-networkd, whose start
    # alone took 30-70 s of an emulated boot.
    ln -sf /dev/null "$root/etc/systemd/network/99-default.link"
    cat >"$root/etc/systemd/system/qemu-user-net.service" <<'EOF'
[Unit]
Description=Static address on QEMU's user-mode network (10.0.2.15/24 via 10.0.2.2)
BindsTo=sys-subsystem-net-devices-eth0.device
After=sys-subsystem-net-devices-eth0.device
Before=network.target network-online.target
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=ip link set eth0 up
ExecStart=ip address add 10.0.2.15/24 dev eth0
ExecStart=ip route add default via 10.0.2.2

[Install]
WantedBy=multi-user.target network-online.target
EOF
    in_root "$root" systemctl enable qemu-user-net ssh >/dev/null 2>&1
    # NOTE: what tools/build-guest-image.sh --install (stack.sh) would otherwise apt-get
    # inside the emulated guest (an apt-get update there alone takes minutes).
    in_root "$root" apt-get update -qq >/dev/null
    in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${GUEST_IMAGE_PACKAGES[@]}" >/dev/null
    in_root "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/*
    # NOTE: what only slows an emulated boot down (housekeeping timers, gettys on the
    # virtual consoles nobody looks at: the serial console keeps its own).
    in_root "$root" systemctl mask "${BOOT_MASKED[@]}" >/dev/null 2>&1
    in_root "$root" systemctl set-default multi-user.target >/dev/null 2>&1
    # NOTE: the initrd carries only what finds the root (virtio disk, ext4), not every
    # storage driver: a third of the size, unpacked and probed faster under TCG.
    printf '%s\n' virtio_pci virtio_blk virtio_net ext4 crc32c_generic \
        >>"$root/etc/initramfs-tools/modules"
    sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
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
    # shellcheck disable=SC2064 # this root's path, now
    trap "umount '$root/proc' 2>/dev/null || true" EXIT
    local rc=0
    { in_root "$root" python3 -m venv /opt/mininova/venv &&
        in_root "$root" /opt/mininova/venv/bin/pip install -q --disable-pip-version-check \
            --no-index --find-links /tmp/wheels -r /tmp/wheels/requirements.txt &&
        in_root "$root" update-initramfs -u -k all >/dev/null && install_mininova_in "$root"; } ||
        rc=$?
    umount "$root/proc"
    trap - EXIT
    rm -rf "$root/tmp/wheels" "$root/srv/mininova"
    ((rc == 0)) || { log "the venv, the initrd or mininova's install failed"; exit 1; }
    # NOTE: every .pyc already written here, at native speed (pip compiles what it installs;
    # this also covers the venv's pip and setuptools, which stack.sh runs).
    in_root "$root" /opt/mininova/venv/bin/python -m compileall -q -j 0 /opt/mininova/venv \
        >/dev/null || true
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

# prune KIND KEEP: remove all but the KEEP newest CACHE_DIR/KIND-* (older keys' images,
# 6 GB sparse each, and base tars), under KIND's lock.
prune() {
    local old
    # shellcheck disable=SC2012 # names made here: no newlines
    for old in $(ls -dt "$CACHE_DIR/$1"-* 2>/dev/null | tail -n +$(($2 + 1))); do
        log "removing the outdated $old"
        rm -rf "$old"
    done
}

main() {
    case $what in
        image)
            locked image build_image "$(locked base build_base)" "$(locked wheels build_wheels)"
            locked image prune image 2
            locked base prune base 1 ;;
        wheels) locked wheels build_wheels ;;
        *) sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
}

# NOTE: one line, so that bash has read the whole file before it runs anything: the
# suite may call this script while the file is being edited.
main; exit
