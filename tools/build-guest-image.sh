#!/usr/bin/env bash
# Build the tiny guest that mininova's real-QEMU tests boot: a Debian kernel plus a
# busybox initramfs, offline from Debian packages only.
#
# Usage: tools/build-guest-image.sh OUTPUT_DIR [--kernel-version VER] [--install]
#                                              [--register CONFIG_FILE] [--name NAME]
#
# Writes OUTPUT_DIR/vmlinuz and OUTPUT_DIR/initrd.img (and OUTPUT_DIR/kernel-version).
# --install       apt-get install what is missing (linux-image-amd64 busybox-static cpio)
# --register CF   register them with `mininova-manage --config-file CF image create`:
#                 NAME-kernel (aki), NAME-ramdisk (ari) and NAME (kernel_id/ramdisk_id
#                 properties, os_command_line "console=ttyS0 quiet"); prints
#                 "kernel_id=..", "ramdisk_id=..", "image_id=.." lines. Images that already
#                 exist under those names are reused, not registered twice.
#
# The guest's /init (PID 1) mounts proc, sys and dev, loads the ACPI button and evdev
# modules, prints "MININOVA-GUEST-BOOTED" on ttyS0, and runs a shell there. Kernel
# command-line switches it understands:
#   mininova.noacpi=1          do not handle the ACPI power button (a guest that ignores a
#                              clean shutdown request: the host must destroy it)
#   mininova.poweroff_after=N  power off from inside after N seconds
# On a power-button press it prints "MININOVA-GUEST-ACPI-POWERBUTTON" and runs
# `poweroff -f`. Rebuilding with the same inputs gives the same files (idempotent).
set -euo pipefail

MARKER="MININOVA-GUEST-BOOTED"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
log() { printf '[build-guest-image] %s\n' "$*" >&2; }

out_dir="" kver="" register_conf="" name="tiny" install=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel-version) kver="$2"; shift 2 ;;
        --register) register_conf="$2"; shift 2 ;;
        --name) name="$2"; shift 2 ;;
        --install) install=1; shift ;;
        -h|--help) usage ;;
        -*) log "unknown option $1"; usage ;;
        *) [ -z "$out_dir" ] || usage; out_dir="$1"; shift ;;
    esac
done
[ -n "$out_dir" ] || usage

if [ "$install" = 1 ]; then
    missing=()
    for pkg in busybox-static cpio gzip; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    compgen -G "/boot/vmlinuz-*" >/dev/null || missing+=(linux-image-amd64)
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >&2
    fi
fi

# The newest Debian kernel that has its modules installed (a host's running kernel may be
# a custom one without /lib/modules).
if [ -z "$kver" ]; then
    for vmlinuz in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
        candidate="${vmlinuz#/boot/vmlinuz-}"
        if [ -d "/lib/modules/$candidate/kernel" ]; then kver="$candidate"; break; fi
    done
fi
[ -n "$kver" ] || { log "no /boot/vmlinuz-* with /lib/modules: install linux-image-amd64"; exit 1; }
kernel="/boot/vmlinuz-$kver"
moddir="/lib/modules/$kver"
[ -r "$kernel" ] || { log "cannot read $kernel"; exit 1; }
# NOTE: busybox-static's /bin/busybox; the dynamic busybox package would need its libc.
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 \
    || { log "no static $busybox: install busybox-static"; exit 1; }
command -v cpio >/dev/null || { log "cpio not found: install cpio"; exit 1; }

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount cat echo sleep poweroff reboot insmod grep sed dd ls setsid cttyhack; do
    ln -sf busybox "$root/bin/$applet"
done

# ACPI power button and event devices are modules in Debian's kernel; copy them with their
# dependencies (modules.dep order: dependencies first when loaded in reverse).
modules=()
for mod in kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko; do
    for path in $(grep "^$mod:" "$moddir/modules.dep" | sed 's/://'); do
        [ -e "$moddir/$path" ] && modules+=("$path")
    done
done
for path in "${modules[@]}"; do
    # Debian 12 ships plain .ko; newer releases compress them.
    case "$path" in
        *.xz) xz -dc "$moddir/$path" > "$root/lib/modules/$(basename "${path%.xz}")" ;;
        *.zst) zstd -qdc "$moddir/$path" > "$root/lib/modules/$(basename "${path%.zst}")" ;;
        *) cp "$moddir/$path" "$root/lib/modules/" ;;
    esac
done

cat > "$root/init" <<EOF
#!/bin/sh
# PID 1 of the mininova test guest (see tools/build-guest-image.sh).
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for mod in /lib/modules/*.ko; do insmod "\$mod" 2>/dev/null; done
noacpi=0
poweroff_after=""
for arg in \$(cat /proc/cmdline); do
    case "\$arg" in
        mininova.noacpi=1) noacpi=1 ;;
        mininova.poweroff_after=*) poweroff_after="\${arg#mininova.poweroff_after=}" ;;
    esac
done

power_button_device() {
    for dir in /sys/class/input/event*; do
        [ "\$(cat "\$dir/device/name" 2>/dev/null)" = "Power Button" ] \\
            && echo "/dev/input/\${dir##*/}" && return 0
    done
    return 1
}

if [ "\$noacpi" = 1 ]; then
    echo "MININOVA-GUEST-ACPI-IGNORED" > /dev/ttyS0
else
    dev=""
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        dev=\$(power_button_device) && break
        sleep 0.2
    done
    if [ -n "\$dev" ]; then
        # One input_event is 24 bytes on x86_64; the first one is the press.
        ( dd if="\$dev" of=/dev/null bs=24 count=1 2>/dev/null || exit 0
          echo "MININOVA-GUEST-ACPI-POWERBUTTON: powering off" > /dev/ttyS0
          poweroff -f ) &
        echo "MININOVA-GUEST-ACPI-HANDLER \$dev" > /dev/ttyS0
    else
        echo "MININOVA-GUEST-ACPI-NO-POWER-BUTTON" > /dev/ttyS0
    fi
fi
if [ -n "\$poweroff_after" ]; then
    ( sleep "\$poweroff_after"
      echo "MININOVA-GUEST-POWEROFF-FROM-INSIDE" > /dev/ttyS0
      poweroff -f ) &
fi
echo "$MARKER" > /dev/ttyS0
while true; do
    setsid cttyhack sh -i < /dev/ttyS0 > /dev/ttyS0 2>&1
    sleep 1
done
EOF
chmod 755 "$root/init"

# Reproducible archive: fixed mtimes, sorted names, no gzip timestamp.
find "$root" -exec touch -h -d @0 {} +
( cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --owner=0:0 --quiet --reproducible ) \
    | gzip -9 -n > "$work/initrd.img"
cp "$kernel" "$work/vmlinuz"
for file in vmlinuz initrd.img; do
    if ! cmp -s "$work/$file" "$out_dir/$file"; then
        install -m 0644 "$work/$file" "$out_dir/$file"
    fi
done
echo "$kver" > "$out_dir/kernel-version"
log "kernel $kver, initramfs $(stat -c %s "$out_dir/initrd.img") bytes in $out_dir"

[ -n "$register_conf" ] || exit 0

manage=$(command -v mininova-manage || true)
[ -n "$manage" ] || manage="$(dirname "$(command -v python3)")/mininova-manage"
[ -x "$manage" ] || { log "mininova-manage not found on PATH"; exit 1; }
manage=("$manage" --config-file "$register_conf")

existing_id() {  # the id of the image called $1, if any
    "${manage[@]}" image list | awk -F'|' -v name="$1" '
        { for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
        $3 == name { print $2; exit }'
}

register() {  # name, then image create options; prints the id
    local id
    id=$(existing_id "$1")
    if [ -z "$id" ]; then
        id=$("${manage[@]}" image create "$@" | tail -n 1)
    fi
    echo "$id"
}

kernel_id=$(register "$name-kernel" --disk-format aki --container-format aki \
    --file "$out_dir/vmlinuz")
ramdisk_id=$(register "$name-ramdisk" --disk-format ari --container-format ari \
    --file "$out_dir/initrd.img")
image_id=$(register "$name" --disk-format raw --container-format bare --size 0 \
    --property "kernel_id=$kernel_id" --property "ramdisk_id=$ramdisk_id" \
    --property "os_command_line=console=ttyS0 quiet")
echo "kernel_id=$kernel_id"
echo "ramdisk_id=$ramdisk_id"
echo "image_id=$image_id"
