"""Unit tests for the libvirt driver against libvirt's real in-process test hypervisor.

test:///default keeps its state per process, so every test uses fresh instance uuids and
names and destroys what it created.
"""
import json
import os
import queue
import random
import threading
import time
import types
import uuid
import xml.etree.ElementTree as ET

import libvirt
import netaddr
import pytest

from mininova import conf
from mininova import exception
from mininova.compute import power_state
from mininova.virt import driver as virt_driver
from mininova.virt.libvirt import driver as libvirt_driver
from mininova.virt.libvirt import host as libvirt_host

CONF = conf.CONF


@pytest.fixture
def flags(tmp_path):
    overrides = [("connection_uri", "test:///default", "libvirt"), ("virt_type", "qemu", "libvirt"),
                 ("host", "fake-host", None), ("state_path", str(tmp_path), None)]
    for name, value, group in overrides:
        CONF.set_override(name, value, group=group)
    yield CONF
    for name, _value, group in overrides:
        CONF.clear_override(name, group=group)


@pytest.fixture
def drv(flags):
    driver = libvirt_driver.LibvirtDriver(flags)
    driver.init_host("fake-host")
    yield driver
    driver.cleanup_host("fake-host")


@pytest.fixture
def make_instance(drv):
    created = []

    def _make(**kwargs):
        fields = {"uuid": str(uuid.uuid4()), "name": f"instance-{random.getrandbits(31):08x}",
                  "memory_mb": 512, "vcpus": 1, "root_gb": 1, "image_ref": str(uuid.uuid4())}
        fields.update(kwargs)
        instance = types.SimpleNamespace(**fields)
        created.append(instance)
        return instance

    yield _make
    for instance in created:
        drv.destroy(None, instance)


@pytest.fixture
def running(drv, make_instance):
    instance = make_instance()
    drv.spawn(None, instance, None)
    return instance


def _state(drv, instance):
    return drv.get_info(instance).state


def _domain(instance):
    return libvirt.open("test:///default").lookupByUUIDString(instance.uuid)


# -- power state mapping ---------------------------------------------------------------

@pytest.mark.parametrize("libvirt_state, expected", [
    (libvirt.VIR_DOMAIN_NOSTATE, power_state.NOSTATE),
    (libvirt.VIR_DOMAIN_RUNNING, power_state.RUNNING),
    (libvirt.VIR_DOMAIN_BLOCKED, power_state.RUNNING),
    (libvirt.VIR_DOMAIN_PAUSED, power_state.PAUSED),
    (libvirt.VIR_DOMAIN_SHUTDOWN, power_state.SHUTDOWN),
    (libvirt.VIR_DOMAIN_SHUTOFF, power_state.SHUTDOWN),
    (libvirt.VIR_DOMAIN_CRASHED, power_state.CRASHED),
    (libvirt.VIR_DOMAIN_PMSUSPENDED, power_state.SUSPENDED),
    (99, power_state.NOSTATE),
])
def test_power_state_mapping(libvirt_state, expected):
    assert libvirt_host.to_power_state(libvirt_state) == expected


@pytest.mark.parametrize("event, expected", [
    (libvirt.VIR_DOMAIN_EVENT_STARTED, power_state.RUNNING),
    (libvirt.VIR_DOMAIN_EVENT_RESUMED, power_state.RUNNING),
    (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, power_state.PAUSED),
    (libvirt.VIR_DOMAIN_EVENT_STOPPED, power_state.SHUTDOWN),
    (libvirt.VIR_DOMAIN_EVENT_CRASHED, power_state.CRASHED),
    (libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED, power_state.SUSPENDED),
    (libvirt.VIR_DOMAIN_EVENT_DEFINED, None),
    (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, None),
    (libvirt.VIR_DOMAIN_EVENT_SHUTDOWN, None),
])
def test_event_mapping(event, expected):
    assert libvirt_host.event_to_power_state(event) == expected


# -- error translation -----------------------------------------------------------------

def test_translate_errors():
    conn = libvirt.open("test:///default")
    missing = str(uuid.uuid4())
    with pytest.raises(exception.InstanceNotFound, match=missing):
        with libvirt_host.translate_errors(missing):
            conn.lookupByUUIDString(missing)
    with pytest.raises(exception.HypervisorError):
        with libvirt_host.translate_errors(str(uuid.uuid4())):
            conn.defineXML("<domain><bogus/></domain>")


# -- factory and guest config ----------------------------------------------------------

def test_load_driver(flags):
    driver = virt_driver.load_driver(flags)
    assert isinstance(driver, libvirt_driver.LibvirtDriver)
    assert isinstance(driver, virt_driver.ComputeDriver)


def test_guest_config_on_test_driver(drv, make_instance, tmp_path):
    instance = make_instance(memory_mb=256, vcpus=2)
    root = ET.fromstring(drv.get_guest_config(instance).to_xml())
    assert root.get("type") == "test"
    assert root.findtext("name") == instance.name
    assert root.findtext("uuid") == instance.uuid
    assert root.findtext("memory") == str(256 * 1024)
    assert root.findtext("vcpu") == "2"
    assert root.find("features/acpi") is not None
    instance_dir = tmp_path / "instances" / instance.uuid
    assert root.find("devices/disk/source").get("file") == str(instance_dir / "disk")
    assert root.find("devices/serial/source").get("path") == str(instance_dir / "console.log")


def test_guest_config_uses_virt_type_on_real_hypervisors(drv, make_instance, monkeypatch):
    monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
    root = ET.fromstring(drv.get_guest_config(make_instance(), with_disk=False).to_xml())
    assert root.get("type") == "qemu"
    assert root.find("devices/disk") is None


def _kernel_image(**properties):
    props = {"kernel_id": "k-1", "ramdisk_id": "r-1"}
    props.update(properties)
    return types.SimpleNamespace(file_path=None, disk_format="raw", properties=props)


def test_guest_config_kernel_boot(drv, make_instance, tmp_path, monkeypatch):
    monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
    instance = make_instance()
    image = _kernel_image(os_command_line="console=ttyS0 quiet mininova.noacpi=1")
    root = ET.fromstring(drv.get_guest_config(instance, image=image).to_xml())
    instance_dir = tmp_path / "instances" / instance.uuid
    assert root.get("type") == "qemu"
    assert root.findtext("os/kernel") == str(instance_dir / "kernel")
    assert root.findtext("os/initrd") == str(instance_dir / "ramdisk")
    assert root.findtext("os/cmdline") == "console=ttyS0 quiet mininova.noacpi=1"
    assert root.find("os/boot") is None
    assert root.find("features/acpi") is not None
    assert root.find("devices/serial/source").get("append") == "on"


def test_guest_config_kernel_boot_defaults(drv, make_instance):
    image = {"properties": {"kernel_id": "k-1"}}
    root = ET.fromstring(drv.get_guest_config(make_instance(), image=image).to_xml())
    assert root.findtext("os/cmdline") == libvirt_driver.DEFAULT_KERNEL_CMDLINE
    assert root.find("os/initrd") is None


@pytest.mark.parametrize("image", [
    None, {"properties": {}}, types.SimpleNamespace(file_path="/images/x", properties={})])
def test_guest_config_whole_disk_boots_from_disk(drv, make_instance, image):
    root = ET.fromstring(drv.get_guest_config(make_instance(), image=image).to_xml())
    assert root.find("os/kernel") is None
    assert [b.get("dev") for b in root.findall("os/boot")] == ["hd"]
    assert root.find("devices/disk/driver").get("type") == "qcow2"


def test_guest_config_whole_disk_names_the_image_file_as_backing_store(drv, make_instance):
    image = types.SimpleNamespace(file_path="/images/i-1", disk_format="qcow2", properties={})
    root = ET.fromstring(drv.get_guest_config(make_instance(), image=image).to_xml())
    backing = root.find("devices/disk/backingStore")
    assert backing.find("source").get("file") == "/images/i-1"
    assert backing.find("format").get("type") == "qcow2"
    assert backing.find("source/seclabel").get("relabel") == "no"


def test_guest_config_blank_disk_has_no_backing_store(drv, make_instance):
    root = ET.fromstring(drv.get_guest_config(make_instance(), image=None).to_xml())
    assert root.find("devices/disk/backingStore") is None


def test_fetch_kernel_files_copies_images_into_the_instance_dir(drv, make_instance,
                                                               tmp_path, monkeypatch):
    store = tmp_path / "images"
    store.mkdir()
    (store / "k-1").write_bytes(b"kernel")
    (store / "r-1").write_bytes(b"ramdisk")
    asked = []

    def get_by_id(context, image_id):
        asked.append((context, image_id))
        return types.SimpleNamespace(file_path=str(store / image_id))

    monkeypatch.setattr(libvirt_driver.objects.Image, "get_by_id", get_by_id)
    instance = make_instance()
    instance_dir = tmp_path / "instances" / instance.uuid
    instance_dir.mkdir(parents=True)
    drv._fetch_kernel_files("ctxt", instance, _kernel_image())
    assert asked == [("ctxt", "k-1"), ("ctxt", "r-1")]
    assert (instance_dir / "kernel").read_bytes() == b"kernel"
    assert (instance_dir / "ramdisk").read_bytes() == b"ramdisk"


def test_spawn_kernel_boot_without_the_file_cleans_up(drv, make_instance, tmp_path,
                                                      monkeypatch):
    monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
    monkeypatch.setattr(libvirt_driver.objects.Image, "get_by_id",
                        lambda context, image_id: types.SimpleNamespace(file_path=None))
    instance = make_instance()
    with pytest.raises(exception.HypervisorError, match="shared"):
        drv.spawn("ctxt", instance, _kernel_image())
    assert not (tmp_path / "instances" / instance.uuid).exists()


def test_create_disk_overlays_the_image(drv, make_instance, monkeypatch):
    calls = []
    monkeypatch.setattr(libvirt_driver.processutils, "execute", lambda *a: calls.append(a))
    instance = make_instance(root_gb=5)
    image = types.SimpleNamespace(file_path="/images/cirros.qcow2", disk_format="qcow2")
    assert drv._create_disk(instance, image) is True
    assert calls == [("qemu-img", "create", "-f", "qcow2", "-b", "/images/cirros.qcow2",
                      "-F", "qcow2", drv._disk_path(instance), "5G")]
    assert drv._create_disk(make_instance(root_gb=0), None) is False


# -- operations against test:///default ------------------------------------------------

def test_spawn(drv, running, tmp_path):
    info = drv.get_info(running)
    assert (info.state, info.max_mem_kb, info.num_cpu) == (power_state.RUNNING, 512 * 1024, 1)
    assert _domain(running).name() == running.name
    # The test hypervisor needs no files.
    assert not (tmp_path / "instances").exists()


def test_spawn_conflict_is_hypervisor_error(drv, running, make_instance):
    clash = make_instance(name=running.name)
    with pytest.raises(exception.HypervisorError):
        drv.spawn(None, clash, None)


def test_power_off_clean_is_immediate(drv, running, monkeypatch):
    def no_sleep(_seconds):
        raise AssertionError("power_off waited on the test driver")

    monkeypatch.setattr(libvirt_driver.time, "sleep", no_sleep)
    drv.power_off(running, timeout=60, retry_interval=10)
    assert _state(drv, running) == power_state.SHUTDOWN


def test_power_off_without_timeout_and_twice(drv, running):
    drv.power_off(running)
    assert _state(drv, running) == power_state.SHUTDOWN
    drv.power_off(running, timeout=5)
    drv.power_off(running, timeout=5)
    drv.power_off(running)
    assert _state(drv, running) == power_state.SHUTDOWN


def test_power_on(drv, running):
    drv.power_off(running)
    drv.power_on(None, running)
    drv.power_on(None, running)
    assert _state(drv, running) == power_state.RUNNING


@pytest.mark.parametrize("reboot_type", ["SOFT", "HARD"])
@pytest.mark.parametrize("stopped", [False, True])
def test_reboot(drv, running, reboot_type, stopped):
    if stopped:
        drv.power_off(running)
    drv.reboot(None, running, reboot_type)
    assert _state(drv, running) == power_state.RUNNING


def test_soft_reboot_goes_through_the_guest(drv, running, monkeypatch):
    calls = []
    real_shutdown = libvirt.virDomain.shutdown
    monkeypatch.setattr(libvirt.virDomain, "destroy",
                        lambda domain: calls.append("destroy"))

    def counting_shutdown(domain):
        calls.append("shutdown")
        return real_shutdown(domain)

    monkeypatch.setattr(libvirt.virDomain, "shutdown", counting_shutdown)
    drv.reboot(None, running, "SOFT")
    assert calls == ["shutdown"]
    assert _state(drv, running) == power_state.RUNNING


def test_soft_reboot_of_a_guest_ignoring_it_falls_back_to_hard(drv, running, monkeypatch,
                                                               clock):
    calls = []
    real_destroy = libvirt.virDomain.destroy

    def counting_destroy(domain):
        calls.append(domain.UUIDString())
        return real_destroy(domain)

    # The guest ignores the ACPI request: it stays running until destroyed.
    monkeypatch.setattr(libvirt.virDomain, "shutdown", lambda domain: None)
    monkeypatch.setattr(libvirt.virDomain, "destroy", counting_destroy)
    drv.reboot(None, running, "SOFT")
    assert calls == [running.uuid]
    assert clock[0] == CONF.shutdown_timeout
    assert _state(drv, running) == power_state.RUNNING


@pytest.mark.parametrize("stopped", [False, True])
def test_destroy(drv, running, stopped):
    if stopped:
        drv.power_off(running)
    drv.destroy(None, running)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(running)
    assert running.uuid not in drv.list_instance_uuids()
    drv.destroy(None, running)


def test_destroy_removes_instance_files(drv, make_instance, tmp_path):
    instance = make_instance()
    instance_dir = tmp_path / "instances" / instance.uuid
    instance_dir.mkdir(parents=True)
    (instance_dir / "console.log").write_text("boot\n")
    drv.destroy(None, instance)
    assert not instance_dir.exists()


def test_missing_instance(drv, make_instance):
    """Reading a guest libvirt does not have is InstanceNotFound; power on, reboot and
    power off repair or accept it instead (see "repair from the record" below)."""
    instance = make_instance()
    with pytest.raises(exception.InstanceNotFound, match=instance.uuid):
        drv.get_info(instance)


def _size_gb(path):
    stat = os.statvfs(path)
    return stat.f_frsize * stat.f_blocks // 1024 ** 3


def test_get_available_resource(drv, tmp_path):
    resources = drv.get_available_resource()
    cpu_info = json.loads(resources.pop("cpu_info"))
    assert netaddr.valid_ipv4(resources.pop("host_ip"))
    assert resources == {
        "vcpus": 16, "memory_mb": 3072, "local_gb": _size_gb(tmp_path),
        "hypervisor_type": "TEST", "hypervisor_version": 2, "hypervisor_hostname": "fake-host",
    }
    # NOTE: the test driver's host: two NUMA cells of 8 single-threaded cores.
    assert cpu_info["arch"] == "i686"
    assert cpu_info["topology"] == {"cells": 2, "sockets": 2, "cores": 8, "threads": 1}
    assert cpu_info["features"] == ["nonpae", "pae"]


def test_local_gb_of_missing_state_path(drv, flags, tmp_path):
    flags.set_override("state_path", str(tmp_path / "not" / "yet"))
    assert drv.get_available_resource()["local_gb"] == _size_gb(tmp_path)


def test_list_instance_uuids(drv, running, make_instance):
    stopped = make_instance()
    drv.spawn(None, stopped, None)
    drv.power_off(stopped)
    uuids = drv.list_instance_uuids()
    assert running.uuid in uuids
    assert stopped.uuid in uuids
    test_domain = libvirt.open("test:///default").lookupByName("test")
    assert test_domain.UUIDString() not in uuids


def test_console_output(drv, make_instance, tmp_path):
    instance = make_instance()
    assert drv.get_console_output(None, instance) == ""
    instance_dir = tmp_path / "instances" / instance.uuid
    instance_dir.mkdir(parents=True)
    (instance_dir / "console.log").write_bytes(b"x" * libvirt_driver.MAX_CONSOLE_BYTES + b"end")
    output = drv.get_console_output(None, instance)
    assert len(output) == libvirt_driver.MAX_CONSOLE_BYTES
    assert output.endswith("end")


# -- clean shutdown polling (a guest that takes its time) ------------------------------

class _SlowGuest:
    """A domain that stays active until it has seen ``needed`` shutdown requests."""

    def __init__(self, needed):
        self.needed = needed
        self.shutdowns = 0
        self.destroyed = False

    def isActive(self):  # noqa: N802 - libvirt's name
        return not self.destroyed and self.shutdowns < self.needed

    def shutdown(self):
        self.shutdowns += 1

    def destroy(self):
        self.destroyed = True


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(libvirt_driver.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(libvirt_driver, "_wait_stopped",
                        lambda _stopped, s: now.__setitem__(0, now[0] + s))
    return now


def test_power_off_resends_shutdown_every_retry_interval(drv, make_instance, clock,
                                                         monkeypatch):
    guest = _SlowGuest(needed=3)
    monkeypatch.setattr(drv._host, "get_domain", lambda _uuid: guest)
    drv.power_off(make_instance(), timeout=60, retry_interval=10)
    assert guest.shutdowns == 3
    assert not guest.destroyed
    assert clock[0] == 20


def test_power_off_destroys_after_timeout(drv, make_instance, clock, monkeypatch):
    guest = _SlowGuest(needed=1000)
    monkeypatch.setattr(drv._host, "get_domain", lambda _uuid: guest)
    drv.power_off(make_instance(), timeout=25, retry_interval=10)
    assert guest.destroyed
    assert guest.shutdowns == 3
    assert clock[0] == 25


class _GuestStoppingSoon:
    """A domain that stops 50 ms after its shutdown request and says so with a STOPPED
    lifecycle event, as libvirt does."""

    def __init__(self, host, instance):
        self.host = host
        self.instance = instance
        self.stopped = False

    def isActive(self):  # noqa: N802 - libvirt's name
        return not self.stopped

    def shutdown(self):
        def stop():
            self.stopped = True
            self.host._on_lifecycle_event(None, self, libvirt.VIR_DOMAIN_EVENT_STOPPED, 0,
                                          None)
        threading.Timer(0.05, stop).start()

    def UUIDString(self):  # noqa: N802 - libvirt's name
        return self.instance.uuid

    def name(self):
        return self.instance.name


def test_a_clean_stop_ends_on_the_stopped_event_not_the_next_check(drv, make_instance,
                                                                  monkeypatch):
    instance = make_instance()
    guest = _GuestStoppingSoon(drv._host, instance)
    monkeypatch.setattr(drv._host, "get_domain", lambda _uuid: guest)
    monkeypatch.setattr(drv, "shutdown_poll_interval", 5)
    started = time.monotonic()
    drv.power_off(instance, timeout=60, retry_interval=0)
    assert guest.stopped
    assert time.monotonic() - started < 2


# -- lifecycle events ------------------------------------------------------------------

def _next_event(events, instance_uuid):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            uuid_, state = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if uuid_ == instance_uuid:
            return state
    raise AssertionError(f"no lifecycle event for {instance_uuid}")


def test_lifecycle_events(drv, make_instance):
    events = queue.Queue()

    def listener(uuid_, state):
        events.put((uuid_, state))
        # A failing listener must not stop the events that follow.
        raise RuntimeError("listener bug")

    drv.register_event_listener(listener)
    instance = make_instance()
    drv.spawn(None, instance, None)
    assert _next_event(events, instance.uuid) == power_state.RUNNING
    drv.power_off(instance, timeout=5)
    assert _next_event(events, instance.uuid) == power_state.SHUTDOWN
    drv.power_on(None, instance)
    assert _next_event(events, instance.uuid) == power_state.RUNNING
    drv.register_event_listener(None)


# -- repair from the record --------------------------------------------------------------

@pytest.fixture
def vanished(drv, running, monkeypatch):
    """A running guest that libvirt then forgets (its state lost, as after a restart of a
    test-driver compute), with the server's image record reachable."""
    domain = _domain(running)
    domain.destroy()
    domain.undefine()
    monkeypatch.setattr(libvirt_driver.objects.Image, "get_by_id",
                        classmethod(lambda cls, ctxt, image_id: None))
    return running


def test_power_on_defines_a_vanished_guest_again(drv, vanished):
    drv.power_on(None, vanished)
    assert _state(drv, vanished) == power_state.RUNNING


@pytest.mark.parametrize("reboot_type", ["SOFT", "HARD"])
def test_reboot_defines_a_vanished_guest_again(drv, vanished, reboot_type):
    drv.reboot(None, vanished, reboot_type)
    assert _state(drv, vanished) == power_state.RUNNING


def test_power_off_of_a_vanished_guest_is_done(drv, vanished):
    drv.power_off(vanished, timeout=5)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(vanished)


def test_repair_keeps_the_disk_that_is_still_there(drv, make_instance, tmp_path,
                                                   monkeypatch):
    """On a file-backed hypervisor the kept disk is the server's data: the repair defines
    the guest over it, never a fresh overlay, and deletes nothing when it fails."""
    instance = make_instance()
    disk = tmp_path / "instances" / instance.uuid / "disk"
    disk.parent.mkdir(parents=True)
    disk.write_bytes(b"the server's data")
    monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
    monkeypatch.setattr(libvirt_driver.objects.Image, "get_by_id",
                        classmethod(lambda cls, ctxt, image_id: None))
    made = []
    monkeypatch.setattr(drv, "_create_disk", lambda inst, image: made.append(inst) or True)
    monkeypatch.setattr(drv, "_instance_dir", lambda inst: str(disk.parent))
    drv.power_on(None, instance)
    assert made == []
    assert disk.read_bytes() == b"the server's data"
    assert _state(drv, instance) == power_state.RUNNING
