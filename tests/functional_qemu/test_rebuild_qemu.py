"""rebuild on real QEMU guests: the guest is re-created from the new image (a new qcow2
overlay over a whole-disk image, or the kernel and ramdisk of a kernel-boot image) and
boots again; a stopped server is rebuilt without being started. Diagnostics read the
running guest from libvirt."""
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tests.functional_qemu.conftest import FLAVOR
from tests.functional_qemu.conftest import MARKER
from tests.functional_qemu.conftest import instance_domains
from tests.functional_qemu.conftest import missing_disk_packages
from tests.functional_qemu.conftest import virsh

SHUTOFF_STATE = 4


def _rebuild(api, sid, image_id):
    resp = api.action(sid, {"rebuild": {"imageRef": image_id}})
    assert resp.status_code == 202, f"rebuild: {resp.status_code} {resp.text}"
    assert resp.json()["server"]["image"]["id"] == image_id


def test_rebuild_recreates_a_real_guest_from_the_new_image(api, guests, qemu_mininova):
    images = qemu_mininova.images
    if "tiny-disk" not in images:
        pytest.skip(f"whole-disk image not built: apt-get install "
                    f"{' '.join(missing_disk_packages())}")
    server = guests.boot("rebuild-real")  # the kernel-boot image
    sid = server["id"]
    domain = server["OS-EXT-SRV-ATTR:instance_name"]
    instance_dir = qemu_mininova.state_path / "instances" / sid
    guests.wait_console(sid, MARKER)
    assert (instance_dir / "kernel").exists()

    # Kernel boot -> whole disk: a new overlay over the disk image, no kernel files.
    _rebuild(api, sid, images["tiny-disk"])
    server = api.wait_for_status(sid, "ACTIVE", deadline=120)
    assert server["image"]["id"] == images["tiny-disk"]
    guests.wait_console(sid, MARKER, count=2)
    assert "SYSLINUX" in guests.console(sid)  # booted through the disk's boot loader
    root = ET.fromstring(virsh("dumpxml", domain))
    assert root.find("os/kernel") is None
    store_file = qemu_mininova.state_path / "images" / images["tiny-disk"]
    info = json.loads(subprocess.run(
        ["qemu-img", "info", "--force-share", "--output=json", str(instance_dir / "disk")],
        capture_output=True, text=True, check=True).stdout)
    assert info["backing-filename"] == str(store_file)
    assert not (instance_dir / "kernel").exists()

    # What libvirt reports of the running guest.
    diag = api.get(f"/v2.1/servers/{sid}/diagnostics",
                   headers={"OpenStack-API-Version": "compute 2.48"})
    assert diag.status_code == 200, diag.text
    body = diag.json()
    assert (body["state"], body["driver"], body["num_cpus"], body["num_disks"]) == (
        "running", "libvirt", FLAVOR[3], 1), body
    assert body["memory_details"]["maximum"] == FLAVOR[2]
    assert body["cpu_details"][0]["time"] > 0 and body["disk_details"][0]["read_bytes"] > 0
    legacy = api.get(f"/v2.1/servers/{sid}/diagnostics").json()
    assert legacy["memory"] == FLAVOR[2] * 1024 and legacy["vda_read"] > 0, legacy

    # Stopped -> rebuilt back to the kernel-boot image, still stopped, then started.
    assert api.action(sid, {"os-stop": None}).status_code == 202
    api.wait_for_status(sid, "SHUTOFF", deadline=60)
    _rebuild(api, sid, images["tiny"])
    server = api.wait_for_status(sid, "SHUTOFF", deadline=60)
    assert server["OS-EXT-STS:power_state"] == SHUTOFF_STATE
    assert virsh("domstate", domain).strip() == "shut off"
    assert ET.fromstring(virsh("dumpxml", domain)).find("os/kernel") is not None
    assert (instance_dir / "kernel").exists()
    assert guests.console(sid).count(MARKER) == 2  # not booted while stopped
    assert api.action(sid, {"os-start": None}).status_code == 202
    api.wait_for_status(sid, "ACTIVE", deadline=60)
    guests.wait_console(sid, MARKER, count=3)

    guests.delete(sid)
    assert domain not in instance_domains()
    assert not instance_dir.exists()
