"""LibvirtDriver.rebuild and get_instance_diagnostics against libvirt's in-process test
hypervisor; the QEMU file work (qcow2 overlay, kernel copies) with qemu-img recorded."""
import datetime
import os
import random
import types
import uuid
import xml.etree.ElementTree as ET

import libvirt
import pytest

from mininova import conf
from mininova.compute import power_state
from mininova.virt.libvirt import driver as libvirt_driver

CONF = conf.CONF


@pytest.fixture
def instance(drv):
    inst = types.SimpleNamespace(uuid=str(uuid.uuid4()),
                                 name=f"instance-{random.getrandbits(31):08x}",
                                 memory_mb=512, vcpus=2, root_gb=1, image_ref="i",
                                 launched_at=None)
    yield inst
    drv.destroy(None, inst)


def _xml(instance):
    domain = libvirt.open("test:///default").lookupByUUIDString(instance.uuid)
    return ET.fromstring(domain.XMLDesc(0))


@pytest.mark.parametrize("power_on, state", [(True, power_state.RUNNING),
                                             (False, power_state.SHUTDOWN)])
def test_rebuild_redefines_the_guest(drv, instance, power_on, state):
    drv.spawn(None, instance, None)
    drv.rebuild(None, instance, {"properties": {"kernel_id": "k-1"}}, power_on=power_on)
    assert drv.get_info(instance).state == state
    root = _xml(instance)
    assert root.findtext("uuid") == instance.uuid and root.findtext("name") == instance.name
    assert root.find("os/kernel") is not None  # the new image's boot, not the old one's


def test_rebuild_of_a_guest_that_is_gone_creates_it(drv, instance):
    drv.rebuild(None, instance, None)
    assert drv.get_info(instance).state == power_state.RUNNING


def test_rebuild_on_qemu_makes_a_new_overlay_and_kernel_files(drv, instance, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
    # NOTE: the test hypervisor accepts only its own domain type; the files are QEMU's.
    monkeypatch.setattr(drv, "_virt_type", lambda: "test")
    commands = []

    def qemu_img(*cmd):
        commands.append(cmd)
        open(cmd[-2] if cmd[-1].endswith("G") else cmd[-1], "w").close()

    monkeypatch.setattr(libvirt_driver.processutils, "execute", qemu_img)
    store = tmp_path / "images"
    store.mkdir()
    for name in ("old.qcow2", "new.raw", "k-1", "r-1"):
        (store / name).write_bytes(name.encode())
    monkeypatch.setattr(libvirt_driver.objects.Image, "get_by_id",
                        lambda context, image_id: types.SimpleNamespace(
                            file_path=str(store / image_id)))
    old = types.SimpleNamespace(file_path=str(store / "old.qcow2"), disk_format="qcow2",
                                properties={"kernel_id": "k-1", "ramdisk_id": "r-1"})
    new = types.SimpleNamespace(file_path=str(store / "new.raw"), disk_format="raw",
                                properties={})
    drv.spawn("ctxt", instance, old)
    instance_dir = tmp_path / "instances" / instance.uuid
    assert sorted(os.listdir(instance_dir)) == ["disk", "kernel", "ramdisk"]
    (instance_dir / "console.log").write_text("first boot\n")

    drv.rebuild("ctxt", instance, new)
    assert commands[-1] == ("qemu-img", "create", "-f", "qcow2", "-b", str(store / "new.raw"),
                            "-F", "raw", str(instance_dir / "disk"), "1G")
    assert sorted(os.listdir(instance_dir)) == ["console.log", "disk"]
    assert (instance_dir / "console.log").read_text() == "first boot\n"
    root = _xml(instance)
    assert root.find("os/kernel") is None
    assert root.find("devices/disk/backingStore/source").get("file") == str(
        store / "new.raw")
    assert drv.get_info(instance).state == power_state.RUNNING


def test_diagnostics_of_a_test_guest(drv, instance):
    instance.launched_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=30)
    drv.spawn(None, instance, None)
    diag = drv.get_instance_diagnostics(instance)
    assert (diag.state, diag.driver, diag.hypervisor, diag.hypervisor_os) == (
        "running", "libvirt", "test", "linux")
    assert 30 <= diag.uptime < 60
    assert (diag.memory_max_mb, diag.memory_max_kb) == (512, 512 * 1024)
    assert [cpu.id for cpu in diag.cpu_details] == [0, 1]
    assert all(cpu.time is not None for cpu in diag.cpu_details)
    assert [disk.name for disk in diag.disk_details] == ["vda"]
    assert diag.disk_details[0].read_requests is not None
    assert diag.nic_details == []


def test_diagnostics_leave_out_what_the_hypervisor_refuses(drv, instance, monkeypatch):
    drv.spawn(None, instance, None)

    def refuse(*args):
        raise libvirt.libvirtError("not supported")

    for reading in ("vcpus", "blockStats", "memoryStats"):
        monkeypatch.setattr(libvirt.virDomain, reading, refuse)
    diag = drv.get_instance_diagnostics(instance)
    assert [(cpu.id, cpu.time) for cpu in diag.cpu_details] == [(0, None), (1, None)]
    assert diag.disk_details[0].read_bytes is None and diag.memory_stats == {}
