"""Unit tests for virt/libvirt/config.py: the domain XML the driver hands to libvirt."""
import xml.etree.ElementTree as ET

from mininova.virt.libvirt import config as vconfig

UUID = "0b0b4c6e-4b7e-4b64-9f4a-1f9d4c7c2f01"


def _guest(**kwargs) -> vconfig.LibvirtConfigGuest:
    args = {"virt_type": "kvm", "name": "instance-00000001", "uuid": UUID,
            "memory_mb": 512, "vcpus": 2}
    args.update(kwargs)
    return vconfig.LibvirtConfigGuest(**args)


def test_guest_identity_and_sizing():
    root = ET.fromstring(_guest().to_xml())
    assert root.tag == "domain"
    assert root.get("type") == "kvm"
    assert root.findtext("name") == "instance-00000001"
    assert root.findtext("uuid") == UUID
    assert root.find("memory").get("unit") == "KiB"
    assert root.findtext("memory") == str(512 * 1024)
    assert root.findtext("currentMemory") == str(512 * 1024)
    assert root.findtext("vcpu") == "2"


def test_guest_boot_clock_and_lifecycle_actions():
    root = ET.fromstring(_guest().to_xml())
    assert root.findtext("os/type") == "hvm"
    assert [b.get("dev") for b in root.findall("os/boot")] == ["hd"]
    assert root.find("clock").get("offset") == "utc"
    assert root.findtext("on_poweroff") == "destroy"
    assert root.findtext("on_reboot") == "restart"
    assert root.findtext("on_crash") == "destroy"


def test_guest_without_features_has_no_features_element():
    root = ET.fromstring(_guest().to_xml())
    assert root.find("features") is None
    assert list(root.find("devices")) == []


def test_guest_features():
    guest = _guest()
    guest.add_feature(vconfig.LibvirtConfigGuestFeature("acpi"))
    guest.add_feature(vconfig.LibvirtConfigGuestFeature("apic"))
    root = ET.fromstring(guest.to_xml())
    assert [f.tag for f in root.find("features")] == ["acpi", "apic"]


def test_guest_devices_in_order():
    guest = _guest()
    guest.add_device(vconfig.LibvirtConfigGuestDisk("/var/lib/mininova/instances/x/disk"))
    guest.add_device(vconfig.LibvirtConfigGuestSerial("file", source_path="/tmp/console.log"))
    devices = ET.fromstring(guest.to_xml()).find("devices")
    assert [d.tag for d in devices] == ["disk", "serial"]


def test_disk():
    disk = ET.fromstring(vconfig.LibvirtConfigGuestDisk("/images/disk").to_xml())
    assert disk.tag == "disk"
    assert disk.get("type") == "file"
    assert disk.get("device") == "disk"
    assert disk.find("driver").attrib == {"name": "qemu", "type": "qcow2"}
    assert disk.find("source").get("file") == "/images/disk"
    assert disk.find("target").attrib == {"dev": "vda", "bus": "virtio"}
    assert disk.find("backingStore") is None


def test_disk_overlay_spells_out_its_backing_file_and_keeps_its_label():
    disk = ET.fromstring(vconfig.LibvirtConfigGuestDisk(
        "/state/instances/u/disk", backing_path="/images/i-1",
        backing_format="qcow2").to_xml())
    assert [child.tag for child in disk] == ["driver", "source", "backingStore", "target"]
    backing = disk.find("backingStore")
    assert backing.get("type") == "file"
    assert backing.find("format").get("type") == "qcow2"
    assert backing.find("source").get("file") == "/images/i-1"
    assert backing.find("source/seclabel").attrib == {"model": "dac", "relabel": "no"}
    # The chain ends there: an empty <backingStore/>.
    end = backing.find("backingStore")
    assert end is not None and len(end) == 0 and not end.attrib


def test_disk_options():
    disk = ET.fromstring(vconfig.LibvirtConfigGuestDisk(
        "/images/disk.raw", target_dev="sda", target_bus="scsi", driver_format="raw",
        driver_cache="none").to_xml())
    assert disk.find("driver").attrib == {"name": "qemu", "type": "raw", "cache": "none"}
    assert disk.find("target").attrib == {"dev": "sda", "bus": "scsi"}


def test_serial_to_file():
    serial = ET.fromstring(vconfig.LibvirtConfigGuestSerial(
        "file", source_path="/state/console.log").to_xml())
    assert serial.tag == "serial"
    assert serial.get("type") == "file"
    assert serial.find("source").get("path") == "/state/console.log"
    assert serial.find("target").get("port") == "0"


def test_serial_pty_has_no_source():
    serial = ET.fromstring(vconfig.LibvirtConfigGuestSerial("pty", target_port=1).to_xml())
    assert serial.get("type") == "pty"
    assert serial.find("source") is None
    assert serial.find("target").get("port") == "1"


def test_values_are_escaped_not_pasted():
    name = "instance-<&'\">"
    root = ET.fromstring(_guest(name=name).to_xml())
    assert root.findtext("name") == name


def test_compact_rendering():
    xml = _guest().to_xml(pretty=False)
    assert "\n" not in xml
    assert ET.fromstring(xml).findtext("name") == "instance-00000001"


def test_direct_kernel_boot():
    guest = _guest(virt_type="qemu")
    guest.set_kernel_boot("/inst/kernel", "/inst/ramdisk", "console=ttyS0 quiet")
    os_elem = ET.fromstring(guest.to_xml()).find("os")
    assert [child.tag for child in os_elem] == ["type", "kernel", "initrd", "cmdline"]
    assert os_elem.findtext("kernel") == "/inst/kernel"
    assert os_elem.findtext("initrd") == "/inst/ramdisk"
    assert os_elem.findtext("cmdline") == "console=ttyS0 quiet"
    assert os_elem.find("boot") is None


def test_direct_kernel_boot_without_ramdisk():
    guest = _guest()
    guest.set_kernel_boot("/inst/kernel")
    os_elem = ET.fromstring(guest.to_xml()).find("os")
    assert [child.tag for child in os_elem] == ["type", "kernel"]


def test_serial_append():
    serial = ET.fromstring(vconfig.LibvirtConfigGuestSerial(
        "file", source_path="/state/console.log", append=True).to_xml())
    assert serial.find("source").attrib == {"path": "/state/console.log", "append": "on"}
