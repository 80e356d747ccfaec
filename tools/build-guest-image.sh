#!/usr/bin/env bash
# Build the tiny guest that mininova's real-QEMU tests boot: a Debian kernel plus a
# busybox initramfs, and a bootable whole disk holding both, offline from Debian packages.
#
# Usage: tools/build-guest-image.sh OUTPUT_DIR [--kernel-version VER] [--install]
#                [--no-disk] [--register CONFIG_FILE] [--name NAME]
#
# Writes OUTPUT_DIR/vmlinuz, OUTPUT_DIR/initrd.img, OUTPUT_DIR/kernel-version and
# OUTPUT_DIR/disk.qcow2: an MBR disk (syslinux's mbr.bin) with one FAT partition holding
# the same kernel and initramfs, booted by syslinux (extlinux.conf, APPEND console=ttyS0).
# --install       apt-get install what is missing (linux-image-amd64 busybox-static cpio
#                 dropbear-bin, and for the disk syslinux syslinux-common mtools
#                 dosfstools fdisk qemu-utils)
# --no-disk       do not build (or register) disk.qcow2
# --register CF   register them with `mininova-manage --config-file CF image create`:
#                 NAME-kernel (aki), NAME-ramdisk (ari), NAME (kernel_id/ramdisk_id
#                 properties, os_command_line "console=ttyS0 quiet") and NAME-disk
#                 (qcow2, the whole disk); prints "kernel_id=..", "ramdisk_id=..",
#                 "image_id=..", "disk_image_id=.." lines. Images that already exist under
#                 those names are reused, not registered twice.
#
# The guest's /init (PID 1) mounts proc, sys, dev and devpts, loads its modules (ACPI
# button, evdev, virtio NIC, IDE cdrom, iso9660), prints "MININOVA-GUEST-BOOTED" on ttyS0,
# and runs a shell there. Beside it, /sbin/mininova-firstboot (a guest's first day, as
# cloud-init would do it): DHCP on the first NIC (busybox udhcpc), the metadata from the
# config drive (the cdrom labelled config-2) or else the metadata service
# (http://169.254.169.254, HTTP over busybox nc), the hostname, the public keys into
# /root/.ssh/authorized_keys, user_data run when it starts with "#!", and an SSH server
# (Debian's dropbear, its host key made at first boot). It reports on ttyS0:
# "MININOVA-GUEST-NETWORK <nic> <address>", "MININOVA-GUEST-METADATA source=<config-drive|
# metadata-service|none> hostname=<name> keys=<n>", "MININOVA-GUEST-USER-DATA rc=<rc>"
# and "MININOVA-GUEST-SSH-READY". Kernel command-line switches it understands:
#   mininova.noacpi=1          do not handle the ACPI power button (a guest that ignores a
#                              clean shutdown request: the host must destroy it)
#   mininova.poweroff_after=N  power off from inside after N seconds
#   mininova.tick=1            print "MININOVA-GUEST-TICK <n>" (n = 0, 1, ...) every second
# On a power-button press it prints "MININOVA-GUEST-ACPI-POWERBUTTON" and runs
# `poweroff -f`. Rebuilding with the same inputs gives the same files, byte for byte
# (idempotent; a file whose content did not change is not rewritten).
set -euo pipefail

MARKER="MININOVA-GUEST-BOOTED"
# Kernel command line of the whole disk (extlinux.conf APPEND): the kernel-boot image's.
DISK_CMDLINE="console=ttyS0 quiet"
# Fixed identifiers and timestamps of the disk (MBR id, FAT serial, mtools file times).
DISK_ID=6d696e69
DISK_EPOCH=315532800  # 1980-01-01, the first time FAT can record
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
log() { printf '[build-guest-image] %s\n' "$*" >&2; }

out_dir="" kver="" register_conf="" name="tiny" install=0 disk=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel-version) kver="$2"; shift 2 ;;
        --register) register_conf="$2"; shift 2 ;;
        --name) name="$2"; shift 2 ;;
        --install) install=1; shift ;;
        --no-disk) disk=0; shift ;;
        -h|--help) usage ;;
        -*) log "unknown option $1"; usage ;;
        *) [ -z "$out_dir" ] || usage; out_dir="$1"; shift ;;
    esac
done
[ -n "$out_dir" ] || usage

if [ "$install" = 1 ]; then
    missing=()
    packages=(busybox-static cpio gzip dropbear-bin)
    [ "$disk" = 0 ] || packages+=(syslinux syslinux-common mtools dosfstools fdisk qemu-utils)
    for pkg in "${packages[@]}"; do
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
    while read -r vmlinuz; do
        candidate="${vmlinuz#/boot/vmlinuz-}"
        if [ -d "/lib/modules/$candidate/kernel" ]; then kver="$candidate"; break; fi
    done < <(printf '%s\n' /boot/vmlinuz-* | sort -V -r)
fi
[ -n "$kver" ] || { log "no /boot/vmlinuz-* with /lib/modules: install linux-image-amd64"; exit 1; }
kernel="/boot/vmlinuz-$kver"
moddir="/lib/modules/$kver"
[ -r "$kernel" ] || { log "cannot read $kernel"; exit 1; }
# NOTE: busybox-static's /bin/busybox; the dynamic busybox package would need its libc.
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    log "no static $busybox: install busybox-static"; exit 1
fi
command -v cpio >/dev/null || { log "cpio not found: install cpio"; exit 1; }
dropbear=/usr/sbin/dropbear
dropbearkey=/usr/bin/dropbearkey
[ -x "$dropbear" ] && [ -x "$dropbearkey" ] || {
    log "no $dropbear or $dropbearkey: install dropbear-bin"; exit 1; }
if [ "$disk" = 1 ]; then
    for tool in syslinux:syslinux mcopy:mtools mkfs.fat:dosfstools sfdisk:fdisk \
                qemu-img:qemu-utils; do
        PATH="$PATH:/usr/sbin:/sbin" command -v "${tool%%:*}" >/dev/null || {
            log "${tool%%:*} not found: install ${tool#*:} (or pass --no-disk)"; exit 1; }
    done
    [ -r "$MBR_BIN" ] || { log "no $MBR_BIN: install syslinux-common"; exit 1; }
fi

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,mnt,root,etc/dropbear,lib/modules}
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
# Every applet busybox has (sh, ip, udhcpc, wget, ping, hostname, mount, ...).
for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# dropbear and dropbearkey with the shared libraries (and loader) they link against.
cp "$dropbear" "$root/sbin/dropbear"
cp "$dropbearkey" "$root/bin/dropbearkey"
while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done < <(ldd "$dropbear" "$dropbearkey" | grep -o '/[^ ]*' | grep -v ':$' | sort -u)
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
PASSWD
echo "root:x:0:" > "$root/etc/group"
echo /bin/sh > "$root/etc/shells"

# Modules of Debian's kernel the guest loads, with their dependencies, dependencies
# first (modules.dep lists a module's own dependencies after it, deepest last).
modules=()
for mod in kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko \
           kernel/drivers/virtio/virtio_pci.ko kernel/drivers/net/virtio_net.ko \
           kernel/drivers/ata/ata_piix.ko kernel/drivers/scsi/sr_mod.ko \
           kernel/fs/isofs/isofs.ko; do
    read -ra paths <<< "$(grep "^$mod:" "$moddir/modules.dep" | sed 's/://')"
    for (( i=${#paths[@]}-1; i>=0; i-- )); do
        path="${paths[$i]}"
        [ -e "$moddir/$path" ] || continue
        case " ${modules[*]} " in *" $path "*) ;; *) modules+=("$path") ;; esac
    done
done
: > "$root/lib/modules/load-order"
for path in "${modules[@]}"; do
    # NOTE: not $name, the image name that --register uses below.
    ko=$(basename "$path"); ko="${ko%.xz}"; ko="${ko%.zst}"
    # Debian 12 ships plain .ko; newer releases compress them.
    case "$path" in
        *.xz) xz -dc "$moddir/$path" > "$root/lib/modules/$ko" ;;
        *.zst) zstd -qdc "$moddir/$path" > "$root/lib/modules/$ko" ;;
        *) cp "$moddir/$path" "$root/lib/modules/$ko" ;;
    esac
    echo "$ko" >> "$root/lib/modules/load-order"
done

# udhcpc's script: configure the lease it got (address, route, DNS, MTU).
mkdir -p "$root/etc/udhcpc"
cat > "$root/etc/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
case "$1" in
    deconfig) ip addr flush dev "$interface"; ip link set dev "$interface" up ;;
    bound|renew)
        ifconfig "$interface" "$ip" netmask "$subnet" up
        [ -z "$mtu" ] || ip link set dev "$interface" mtu "$mtu"
        for gw in $router; do ip route replace default via "$gw" dev "$interface"; break; done
        : > /etc/resolv.conf
        for ns in $dns; do echo "nameserver $ns" >> /etc/resolv.conf; done
        echo "$ip" > /run/ipv4 ;;
esac
exit 0
SCRIPT
chmod 755 "$root/etc/udhcpc/default.script"

# A guest's first day: network, metadata (config drive, else the metadata service),
# hostname, keys, user_data, SSH. Run in the background by /init.
cat > "$root/sbin/mininova-firstboot" <<'FIRSTBOOT'
#!/bin/sh
export PATH=/bin:/sbin
say() { echo "$*" > /dev/ttyS0; }
md=/run/mininova
mkdir -p "$md" /root/.ssh /mnt/config
chmod 700 /root/.ssh
ip link set lo up

nic=""
for dev in /sys/class/net/*; do
    [ "${dev##*/}" = lo ] || { nic="${dev##*/}"; break; }
done
if [ -n "$nic" ] && udhcpc -i "$nic" -s /etc/udhcpc/default.script -t 30 -T 1 -n >/dev/null 2>&1; then
    say "MININOVA-GUEST-NETWORK $nic $(cat /run/ipv4)"
else
    say "MININOVA-GUEST-NETWORK-NONE ${nic:-no-nic}"
fi

json_string() {  # the first "KEY": "value" of a JSON file
    grep -o "\"$1\": \"[^\"]*\"" "$2" | head -n 1 | sed "s/^\"$1\": \"//; s/\"\$//"
}

# GET $1 from the metadata service into the file $2; fails unless it answers 200.
# NOTE: HTTP by hand over nc: busybox-static's wget crashes (static glibc, no NSS).
metadata_get() {
    printf 'GET %s HTTP/1.0\r\nHost: 169.254.169.254\r\n\r\n' "$1" \
        | nc -w 5 169.254.169.254 80 > "$md/response" 2>/dev/null || return 1
    head -n 1 "$md/response" | grep -q '^HTTP/1\.[01] 200 ' || return 1
    sed "1,/^$(printf '\r')\$/d" "$md/response" > "$2"
}

source=none
# The config drive: a cdrom (the one holding openstack/), once its driver probed it.
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sr0 ] && break; sleep 0.3; done
drive=""
for dev in /dev/sr*; do
    [ -b "$dev" ] && mount -t iso9660 -o ro "$dev" /mnt/config 2>/dev/null || continue
    if [ -f /mnt/config/openstack/latest/meta_data.json ]; then drive="$dev"; break; fi
    umount /mnt/config
done
if [ -n "$drive" ]; then
    source=config-drive
    latest=/mnt/config/openstack/latest
    json_string hostname "$latest/meta_data.json" > "$md/hostname"
    # NOTE: only the "keys" list (sorted before launch_index and the user's meta).
    sed 's/"launch_index".*//' "$latest/meta_data.json" | grep -o '"data": "[^"]*"' \
        | sed 's/^"data": "//; s/"$//; s/\\n$//' > "$md/keys"
    [ ! -f "$latest/user_data" ] || cp "$latest/user_data" "$md/user_data"
elif [ -f /run/ipv4 ]; then
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        metadata_get /latest/meta-data/hostname "$md/hostname" && break
        sleep 1
    done
    if [ -s "$md/hostname" ]; then
        source=metadata-service
        : > "$md/keys"
        metadata_get /latest/meta-data/public-keys/ "$md/key-list"
        for entry in $(cat "$md/key-list" 2>/dev/null); do
            metadata_get "/latest/meta-data/public-keys/${entry%%=*}/openssh-key" \
                "$md/key" && { cat "$md/key"; echo; } >> "$md/keys"
        done
        metadata_get /latest/user-data "$md/user_data" || rm -f "$md/user_data"
    fi
fi

name=$(cat "$md/hostname" 2>/dev/null)
if [ -n "$name" ]; then
    hostname "${name%%.*}"
    echo "${name%%.*}" > /etc/hostname
fi
keys=0
if [ -s "$md/keys" ]; then
    grep -v '^$' "$md/keys" > /root/.ssh/authorized_keys
    chmod 600 /root/.ssh/authorized_keys
    keys=$(grep -c . /root/.ssh/authorized_keys)
fi
say "MININOVA-GUEST-METADATA source=$source hostname=$(hostname) keys=$keys"

if [ -f "$md/user_data" ] && [ "$(head -c 2 "$md/user_data")" = "#!" ]; then
    chmod 700 "$md/user_data"
    "$md/user_data" > /dev/ttyS0 2>&1
    say "MININOVA-GUEST-USER-DATA rc=$?"
fi

key=/etc/dropbear/dropbear_ed25519_host_key
[ -f "$key" ] || dropbearkey -t ed25519 -f "$key" >/dev/null 2>&1
if dropbear -r "$key" -s -p 22 2>/dev/null; then
    say "MININOVA-GUEST-SSH-READY"
else
    say "MININOVA-GUEST-SSH-FAILED"
fi
FIRSTBOOT
chmod 755 "$root/sbin/mininova-firstboot"

cat > "$root/init" <<EOF
#!/bin/sh
# PID 1 of the mininova test guest (see tools/build-guest-image.sh).
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
# NOTE: twice: a module whose dependency came later in the list loads the second time.
for _ in 1 2; do
    while read -r mod; do insmod "/lib/modules/\$mod" 2>/dev/null; done < /lib/modules/load-order
done
noacpi=0
poweroff_after=""
tick=0
for arg in \$(cat /proc/cmdline); do
    case "\$arg" in
        mininova.noacpi=1) noacpi=1 ;;
        mininova.tick=1) tick=1 ;;
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
if [ "\$tick" = 1 ]; then
    # A counter on the console, once a second: a live migration must not break it.
    ( i=0; while true; do echo "MININOVA-GUEST-TICK \$i" > /dev/ttyS0; i=\$((i + 1)); sleep 1; done ) &
fi
/sbin/mininova-firstboot < /dev/null > /dev/null 2>&1 &
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

build_disk() {  # the whole disk from $work/vmlinuz and $work/initrd.img -> $work/disk.qcow2
    local files="$work/files" part="$work/part.img" raw="$work/disk.raw" bytes part_mb
    mkdir -p "$files"
    cp "$work/vmlinuz" "$work/initrd.img" "$files/"
    # NOTE: SERIAL puts syslinux's own banner on ttyS0 too: the console then shows that
    # this guest came up through the disk's boot loader, not a direct kernel boot.
    cat > "$files/extlinux.conf" <<CONF
SERIAL 0 115200
DEFAULT mininova
PROMPT 0
TIMEOUT 0
LABEL mininova
    LINUX /vmlinuz
    INITRD /initrd.img
    APPEND $DISK_CMDLINE
CONF
    touch -d "@$DISK_EPOCH" "$files"/*
    # The partition: the files, ldlinux and 2 MiB to spare, rounded up to whole MiB.
    bytes=$(cat "$files"/* | wc -c)
    part_mb=$(( (bytes + 1048575) / 1048576 + 2 ))
    truncate -s "${part_mb}M" "$part"
    # NOTE: hidden sectors = the partition's start (2048), where syslinux finds itself.
    PATH="$PATH:/usr/sbin:/sbin" mkfs.fat --invariant -i "$DISK_ID" -n MININOVA -h 2048 \
        "$part" >/dev/null
    # NOTE: mtools (and so syslinux, which writes ldlinux.* through it) date the entries it
    # creates with SOURCE_DATE_EPOCH, which makes the FAT image reproducible.
    SOURCE_DATE_EPOCH="$DISK_EPOCH" MTOOLS_SKIP_CHECK=1 \
        mcopy -m -i "$part" "$files/vmlinuz" "$files/initrd.img" "$files/extlinux.conf" ::/
    SOURCE_DATE_EPOCH="$DISK_EPOCH" MTOOLS_SKIP_CHECK=1 syslinux --install "$part"
    # The disk: 1 MiB for the MBR and alignment, then the one bootable FAT16 partition.
    truncate -s "$(( part_mb + 1 ))M" "$raw"
    printf 'label: dos\nlabel-id: 0x%s\nunit: sectors\nstart=2048, type=6, bootable\n' \
        "$DISK_ID" | PATH="$PATH:/usr/sbin:/sbin" sfdisk -q "$raw"
    dd if="$MBR_BIN" of="$raw" bs=440 count=1 conv=notrunc status=none
    dd if="$part" of="$raw" bs=1M seek=1 conv=notrunc status=none
    qemu-img convert -f raw -O qcow2 "$raw" "$work/disk.qcow2"
}

files=(vmlinuz initrd.img)
if [ "$disk" = 1 ]; then
    build_disk
    files+=(disk.qcow2)
fi
for file in "${files[@]}"; do
    if ! cmp -s "$work/$file" "$out_dir/$file"; then
        install -m 0644 "$work/$file" "$out_dir/$file"
    fi
done
echo "$kver" > "$out_dir/kernel-version"
log "kernel $kver, initramfs $(stat -c %s "$out_dir/initrd.img") bytes in $out_dir"
[ "$disk" = 0 ] || log "whole disk $(stat -c %s "$out_dir/disk.qcow2") bytes (qcow2)"

[ -n "$register_conf" ] || exit 0

manage=$(command -v mininova-manage || true)
[ -n "$manage" ] || manage="$(dirname "$(command -v python3)")/mininova-manage"
[ -x "$manage" ] || { log "mininova-manage not found on PATH"; exit 1; }
manage=("$manage" --config-file "$register_conf")

# NOTE: listed once, not once per image: every mininova-manage call pays Python's
# start-up (seconds on a slow or emulated machine).
images=$("${manage[@]}" image list)
existing_id() {  # the id of the image called $1, if any
    printf '%s\n' "$images" | awk -F'|' -v name="$1" '
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
if [ "$disk" = 1 ]; then
    disk_image_id=$(register "$name-disk" --disk-format qcow2 --container-format bare \
        --file "$out_dir/disk.qcow2")
    echo "disk_image_id=$disk_image_id"
fi
