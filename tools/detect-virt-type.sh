#!/usr/bin/env bash
# Print the [libvirt] virt_type this machine can really run guests with: "kvm" or "qemu".
#
# Usage: tools/detect-virt-type.sh KERNEL INITRD [TIMEOUT_SECONDS]
#    or: tools/detect-virt-type.sh GUEST_DIR [TIMEOUT_SECONDS]   (vmlinuz + initrd.img,
#        as tools/build-guest-image.sh writes them)
#
# An existing /dev/kvm proves nothing (nested or sandboxed hosts expose one that cannot
# run a guest, or a guest that hangs), so this boots the test guest with
# `qemu-system-x86_64 -enable-kvm -no-reboot` under a timeout and answers "kvm" only when
# its boot marker reaches the serial console; otherwise "qemu" (TCG). As root, QEMU runs as
# the user libvirt runs it as (libvirt-qemu), since that user's access to /dev/kvm is what
# counts. Stdout is the answer alone; the reason goes to stderr.
set -euo pipefail

MARKER="MININOVA-GUEST-BOOTED"

say() { printf '[detect-virt-type] %s\n' "$*" >&2; }
answer() { say "$2"; echo "$1"; exit 0; }

if [ $# -ge 1 ] && [ -d "$1" ]; then
    kernel="$1/vmlinuz" initrd="$1/initrd.img" timeout_s="${2:-15}"
elif [ $# -ge 2 ]; then
    kernel="$1" initrd="$2" timeout_s="${3:-15}"
else
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
for file in "$kernel" "$initrd"; do
    [ -r "$file" ] || { say "cannot read $file"; exit 2; }
done

qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || answer qemu "qemu-system-x86_64 not found; choosing qemu (install qemu-system-x86)"
[ -e /dev/kvm ] || answer qemu "no /dev/kvm; choosing qemu (TCG)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"
run_as=()
if [ "$(id -u)" = 0 ] && id libvirt-qemu >/dev/null 2>&1; then
    chmod 755 "$work"
    chmod 644 "$work/vmlinuz" "$work/initrd.img"
    touch "$work/console.log"
    chown libvirt-qemu "$work/console.log"
    run_as=(setpriv --reuid=libvirt-qemu --regid="$(id -g libvirt-qemu)" --init-groups --)
fi

start=$(date +%s.%N)
set +e
timeout --kill-after=5 "$timeout_s" "${run_as[@]}" "$qemu" -enable-kvm -machine accel=kvm \
    -m 256 -smp 1 -display none -no-reboot -nodefaults -monitor none \
    -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
    -append "console=ttyS0 quiet panic=-1 mininova.noacpi=1 mininova.poweroff_after=0" \
    -serial "file:$work/console.log" > "$work/qemu.out" 2>&1
rc=$?
set -e
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

if grep -q "$MARKER" "$work/console.log" 2>/dev/null; then
    answer kvm "a KVM guest booted to its marker in ${elapsed}s; choosing kvm"
fi
reason=$(tr '\n' ' ' < "$work/qemu.out" | cut -c1-300)
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    answer qemu "the KVM guest showed no boot marker within ${timeout_s}s (hung); choosing qemu (TCG)${reason:+: $reason}"
fi
answer qemu "qemu-system-x86_64 -enable-kvm failed (rc=$rc) after ${elapsed}s; choosing qemu (TCG)${reason:+: $reason}"
