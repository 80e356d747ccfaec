"""Real QEMU guests through the REST API: boot, console, stop, start, reboot, delete,
lifecycle events and compute restart recovery (tools/build-guest-image.sh's tiny guest),
and a whole-disk image booted from its qcow2 overlay."""
import hashlib
import json
import os
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from tests.functional_qemu.conftest import MARKER
from tests.functional_qemu.conftest import POWEROFF_AFTER
from tests.functional_qemu.conftest import SHUTDOWN_TIMEOUT
from tests.functional_qemu.conftest import bare_virsh_boot
from tests.functional_qemu.conftest import instance_domains
from tests.functional_qemu.conftest import missing_disk_packages
from tests.functional_qemu.conftest import record_measure
from tests.functional_qemu.conftest import virsh

POWER_BUTTON = "MININOVA-GUEST-ACPI-POWERBUTTON"
SHUTOFF_STATE = 4  # compute.power_state.SHUTDOWN
RUNNING_STATE = 1


def _domain_name(server: dict) -> str:
    return server["OS-EXT-SRV-ATTR:instance_name"]


def _console_file(qemu_mininova, server_id: str) -> str:
    """The console log on disk (the API serves console output only while ACTIVE)."""
    path = qemu_mininova.state_path / "instances" / server_id / "console.log"
    return path.read_text(errors="replace")


def _assert_gone(qemu_mininova, server: dict) -> None:
    assert _domain_name(server) not in instance_domains()
    assert not (qemu_mininova.state_path / "instances" / server["id"]).exists()


def test_lifecycle_of_a_real_guest(api, guests, qemu_mininova):
    """Boot -> console marker -> clean stop (ACPI) -> start -> soft and hard reboot ->
    delete, each checked on the guest's own serial console."""
    t0 = time.monotonic()
    server = guests.boot("real1")
    sid = server["id"]
    assert server["OS-EXT-STS:power_state"] == RUNNING_STATE
    assert server["OS-EXT-SRV-ATTR:host"] == "qemu1"
    active = time.monotonic() - t0
    booted = guests.wait_console(sid, MARKER) - t0
    record_measure(f"POST /servers -> ACTIVE (QEMU started): {active:.2f}s, -> boot marker: "
                   f"{booted:.2f}s")
    domain = _domain_name(server)
    assert virsh("domstate", domain).strip() == "running"
    xml = virsh("dumpxml", domain)
    assert f"<domain type='{qemu_mininova.virt_type}'" in xml
    assert f"/instances/{sid}/kernel</kernel>" in xml and "<initrd>" in xml
    assert "console=ttyS0 quiet</cmdline>" in xml

    # Clean stop: the guest's ACPI handler powers it off, well before the destroy fallback.
    t0 = time.monotonic()
    assert api.action(sid, {"os-stop": None}).status_code == 202
    server = api.wait_for_status(sid, "SHUTOFF", deadline=60)
    took = time.monotonic() - t0
    assert took < SHUTDOWN_TIMEOUT, f"clean stop took {took:.1f}s (destroy fallback?)"
    assert server["OS-EXT-STS:power_state"] == SHUTOFF_STATE
    assert POWER_BUTTON in _console_file(qemu_mininova, sid)
    assert virsh("domstate", domain).strip() == "shut off"

    # The same domain copied, started bare with virsh and shut down through ACPI, for
    # comparison with os-stop and os-start.
    bare = bare_virsh_boot(domain, qemu_mininova.state_path.parent / "bare", shutdown=True)
    record_measure(f"os-stop (ACPI) -> SHUTOFF: {took:.2f}s; bare `virsh shutdown` -> shut "
                   f"off: {bare.shutdown:.2f}s; overhead {took - bare.shutdown:+.2f}s")

    t0 = time.monotonic()
    assert api.action(sid, {"os-start": None}).status_code == 202
    api.wait_for_status(sid, "ACTIVE", deadline=60)
    api_started = time.monotonic() - t0
    api_start = guests.wait_console(sid, MARKER, count=2) - t0
    # The console keeps the earlier boot (append): its power-button handling included.
    assert guests.console(sid).count(POWER_BUTTON) == 1
    record_measure(f"os-start -> ACTIVE (QEMU started): {api_started:.2f}s, -> boot marker "
                   f"(console polled through the API): {api_start:.2f}s; bare `virsh start` "
                   f"returned: {bare.started:.2f}s, -> boot marker: {bare.marker:.2f}s; "
                   f"overhead {api_start - bare.marker:+.2f}s; POST /servers -> boot marker "
                   f"overhead {booted - bare.marker:+.2f}s")

    # SOFT reboot goes through the guest OS: one more power-button press, one more boot.
    assert api.action(sid, {"reboot": {"type": "SOFT"}}).status_code == 202
    server = api.wait_for_status(sid, "ACTIVE", deadline=90)
    assert server["OS-EXT-STS:power_state"] == RUNNING_STATE
    guests.wait_console(sid, MARKER, count=3)
    assert guests.console(sid).count(POWER_BUTTON) == 2

    # HARD reboot resets the guest without asking it.
    assert api.action(sid, {"reboot": {"type": "HARD"}}).status_code == 202
    api.wait_for_status(sid, "ACTIVE", deadline=90)
    guests.wait_console(sid, MARKER, count=4)
    assert guests.console(sid).count(POWER_BUTTON) == 2

    guests.delete(sid)
    _assert_gone(qemu_mininova, server)


def _file_state(path) -> tuple:
    """What must not change in an image store file: content, owner, mode, mtime."""
    stat = os.stat(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, stat.st_uid, stat.st_gid, stat.st_mode, stat.st_mtime_ns


def test_whole_disk_image_boots_from_a_qcow2_overlay(api, guests, qemu_mininova):
    """A qcow2 whole-disk image (MBR, syslinux, the same kernel and initramfs): boot ->
    console marker -> overlay over the store file in the domain XML -> clean stop (ACPI)
    -> delete; the overlay goes with the instance directory, the store file stays."""
    if "tiny-disk" not in qemu_mininova.images:
        pytest.skip(f"whole-disk image not built: apt-get install "
                    f"{' '.join(missing_disk_packages())}")
    store_file = qemu_mininova.state_path / "images" / qemu_mininova.images["tiny-disk"]
    before = _file_state(store_file)

    t0 = time.monotonic()
    server = guests.boot("disk1", image="tiny-disk")
    sid = server["id"]
    assert server["OS-EXT-STS:power_state"] == RUNNING_STATE
    seen = guests.wait_console(sid, MARKER)
    record_measure(f"whole-disk image: POST /servers -> boot marker: {seen - t0:.2f}s")
    # syslinux's banner: the guest came up through the disk's boot loader.
    assert "SYSLINUX" in guests.console(sid)

    domain = _domain_name(server)
    root = ET.fromstring(virsh("dumpxml", domain))
    assert root.find("os/kernel") is None and root.find("os/initrd") is None
    assert [b.get("dev") for b in root.findall("os/boot")] == ["hd"]
    disks = root.findall("devices/disk")
    assert len(disks) == 1
    overlay = qemu_mininova.state_path / "instances" / sid / "disk"
    assert disks[0].find("driver").get("type") == "qcow2"
    assert disks[0].find("source").get("file") == str(overlay)
    info = json.loads(subprocess.run(
        ["qemu-img", "info", "--force-share", "--output=json", str(overlay)],
        capture_output=True, text=True, check=True).stdout)
    assert info["format"] == "qcow2"
    assert info["backing-filename"] == str(store_file)
    assert info["backing-filename-format"] == "qcow2"
    # libvirt reports the chain it opened, too (the live XML's <backingStore>).
    backing = disks[0].find("backingStore/source")
    if backing is not None:
        assert backing.get("file") == str(store_file)

    t0 = time.monotonic()
    assert api.action(sid, {"os-stop": None}).status_code == 202
    server = api.wait_for_status(sid, "SHUTOFF", deadline=60)
    took = time.monotonic() - t0
    assert took < SHUTDOWN_TIMEOUT, f"clean stop took {took:.1f}s (destroy fallback?)"
    assert POWER_BUTTON in _console_file(qemu_mininova, sid)
    record_measure(f"whole-disk image: os-stop (ACPI) -> SHUTOFF: {took:.2f}s")

    guests.delete(sid)
    _assert_gone(qemu_mininova, server)
    assert _file_state(store_file) == before, "the image store file changed"


def test_stop_guest_that_ignores_acpi_is_destroyed_after_timeout(api, guests, qemu_mininova):
    server = guests.boot("noacpi", image="tiny-noacpi")
    sid = server["id"]
    guests.wait_console(sid, MARKER)
    assert "MININOVA-GUEST-ACPI-IGNORED" in guests.console(sid)
    t0 = time.monotonic()
    assert api.action(sid, {"os-stop": None}).status_code == 202
    server = api.wait_for_status(sid, "SHUTOFF", deadline=60)
    took = time.monotonic() - t0
    assert took >= SHUTDOWN_TIMEOUT, f"stop took {took:.1f}s < shutdown_timeout"
    assert server["OS-EXT-STS:power_state"] == SHUTOFF_STATE
    assert POWER_BUTTON not in _console_file(qemu_mininova, sid)
    assert virsh("domstate", _domain_name(server)).strip() == "shut off"
    record_measure(f"os-stop (guest ignores ACPI, shutdown_timeout={SHUTDOWN_TIMEOUT}) -> "
                   f"SHUTOFF: {took:.2f}s")
    guests.delete(sid)
    _assert_gone(qemu_mininova, server)


def test_guest_powering_off_by_itself_shows_shutoff_through_the_lifecycle_event(
        api, guests, qemu_mininova):
    """sync_power_state_interval is 600 s here: only the libvirt event can do this."""
    server = guests.boot("selfoff", image="tiny-selfoff")
    sid = server["id"]
    seen = guests.wait_console(sid, "MININOVA-GUEST-POWEROFF-FROM-INSIDE",
                               deadline=POWEROFF_AFTER + 60)
    server = api.wait_for_status(sid, "SHUTOFF", deadline=10)
    took = time.monotonic() - seen
    assert server["OS-EXT-STS:power_state"] == SHUTOFF_STATE
    actions = api.get(f"/v2.1/servers/{sid}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions] == ["create"], "no stop request was made"
    record_measure(f"guest powered itself off -> SHUTOFF via lifecycle event: <= {took:.2f}s")
    # And it starts again.
    assert api.action(sid, {"os-start": None}).status_code == 202
    api.wait_for_status(sid, "ACTIVE", deadline=60)
    guests.wait_console(sid, MARKER, count=2)
    guests.delete(sid)
    _assert_gone(qemu_mininova, server)


def _wait_for_clean_shutdown_request(qemu_mininova, server_id: str,
                                     deadline: float = 30.0) -> None:
    """Poll the compute's log until it has asked the server's guest to shut down (the
    stop's instance action event is recorded whole only when the stop ends)."""
    log = qemu_mininova.log_dir / "mininova-compute.log"
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if any("Asking domain" in line and server_id in line
               for line in log.read_text(errors="replace").splitlines()):
            return
        time.sleep(0.05)
    pytest.fail(f"the compute never asked the guest of {server_id} to shut down "
                f"(see {log})")


def test_compute_killed_during_stop_recovers_at_restart(api, guests, qemu_mininova):
    server = guests.boot("recover", image="tiny-noacpi")
    sid = server["id"]
    guests.wait_console(sid, MARKER)
    resp = api.action(sid, {"os-stop": None})
    assert resp.status_code == 202
    server = api.wait_for_status(sid, "ACTIVE", settled=False)
    assert server["OS-EXT-STS:task_state"] == "powering-off"
    # The compute has begun the stop (it asked the guest to shut down) and, the guest
    # ignoring ACPI, stays inside power_off for SHUTDOWN_TIMEOUT s: kill it there.
    _wait_for_clean_shutdown_request(qemu_mininova, sid)
    qemu_mininova.kill_compute()
    domain = _domain_name(server)
    assert virsh("domstate", domain).strip() == "running"
    server = api.show_server(sid)
    assert server["OS-EXT-STS:task_state"] == "powering-off"

    qemu_mininova.start_compute("mininova-compute-restarted")
    server = api.wait_for_status(sid, "SHUTOFF", deadline=90)
    assert server["OS-EXT-STS:task_state"] is None
    assert server["OS-EXT-STS:power_state"] == SHUTOFF_STATE
    assert virsh("domstate", domain).strip() == "shut off"

    assert api.action(sid, {"os-start": None}).status_code == 202
    api.wait_for_status(sid, "ACTIVE", deadline=60)
    guests.wait_console(sid, MARKER, count=2)
    guests.delete(sid)
    _assert_gone(qemu_mininova, server)


def test_a_guest_libvirt_lost_is_repaired_from_the_record(api, guests, qemu_mininova):
    """libvirt forgets a stopped guest (as a host reboot with its state lost would): the
    server still starts, its guest defined again over the disk it had."""
    server = guests.boot("repair")
    sid = server["id"]
    guests.wait_console(sid, MARKER)
    assert api.action(sid, {"os-stop": None}).status_code == 202
    api.wait_for_status(sid, "SHUTOFF", deadline=60)
    domain = _domain_name(server)
    disk = qemu_mininova.state_path / "instances" / sid / "disk"
    disk_inode = disk.stat().st_ino
    virsh("undefine", domain)
    assert domain not in instance_domains()

    assert api.action(sid, {"os-start": None}).status_code == 202
    server = api.wait_for_status(sid, "ACTIVE", deadline=60)
    assert server["OS-EXT-STS:task_state"] is None
    assert virsh("domstate", domain).strip() == "running"
    assert disk.stat().st_ino == disk_inode, "the repair must keep the server's disk"
    guests.wait_console(sid, MARKER, count=2)
    guests.delete(sid)
    _assert_gone(qemu_mininova, server)


def test_nothing_left_behind(qemu_mininova, api):
    """After every delete: no instance-* domain on libvirtd, no instance directory."""
    servers = api.get("/v2.1/servers").json()["servers"]
    assert servers == []
    assert instance_domains() == []
    instances = qemu_mininova.state_path / "instances"
    assert not instances.exists() or list(instances.iterdir()) == []
