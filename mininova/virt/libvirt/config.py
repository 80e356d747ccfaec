"""Domain XML for the libvirt driver: small config objects that render themselves.

``virt/libvirt/driver.py`` fills a ``LibvirtConfigGuest`` from an instance and hands
``to_xml()`` to ``virDomainDefineXML``. Every element is built with ElementTree, so values
are always escaped and the document is always well formed.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append ``<tag attrs>text</tag>`` to ``parent`` and return it."""
    elem = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        elem.text = str(text)
    return elem


class LibvirtConfigObject:
    """Base: a config object knows its root element name and renders its own tree."""

    root_name = ""

    def format_dom(self) -> ET.Element:
        """Return this object as an Element; subclasses add their children."""
        return ET.Element(self.root_name)

    def to_xml(self, pretty: bool = True) -> str:
        """Render the object as an XML string."""
        root = self.format_dom()
        if pretty:
            ET.indent(root)
        return ET.tostring(root, encoding="unicode")


class LibvirtConfigGuestFeature(LibvirtConfigObject):
    """An empty ``<features>`` child such as ``<acpi/>`` or ``<apic/>``."""

    def __init__(self, name: str) -> None:
        self.root_name = name


class LibvirtConfigGuestDevice(LibvirtConfigObject):
    """Base for the children of ``<devices>``."""


class LibvirtConfigGuestDisk(LibvirtConfigGuestDevice):
    """A file-backed disk: ``<disk type='file' device='disk'>``.

    With ``backing_path`` the disk is an overlay and its whole backing chain is spelled
    out: that one file, in ``backing_format``, which libvirt must not relabel. A
    ``readonly`` disk (the config drive's cdrom) is never written by the guest.
    """

    root_name = "disk"

    def __init__(self, source_path: str, target_dev: str = "vda", target_bus: str = "virtio",
                 driver_format: str = "qcow2", driver_cache: str | None = None,
                 device_type: str = "disk", backing_path: str | None = None,
                 backing_format: str = "raw", readonly: bool = False) -> None:
        self.source_path = source_path
        self.target_dev = target_dev
        self.target_bus = target_bus
        self.driver_format = driver_format
        self.driver_cache = driver_cache
        self.device_type = device_type
        self.backing_path = backing_path
        self.backing_format = backing_format
        self.readonly = readonly

    def _format_backing_store(self, dev: ET.Element) -> None:
        backing = _sub(dev, "backingStore", type="file")
        _sub(backing, "format", type=self.backing_format)
        source = _sub(backing, "source", file=self.backing_path)
        # NOTE: an image store file is shared by every guest (and host) booting it: without
        # this, libvirt's DAC driver chowns it to the QEMU user at start and leaves it so.
        # QEMU only reads it, which the store's 0644 files allow anyway.
        _sub(source, "seclabel", model="dac", relabel="no")
        # NOTE: an empty <backingStore/> ends the chain: libvirt probes nothing further.
        _sub(backing, "backingStore")

    def format_dom(self) -> ET.Element:
        dev = super().format_dom()
        dev.set("type", "file")
        dev.set("device", self.device_type)
        driver = _sub(dev, "driver", name="qemu", type=self.driver_format)
        if self.driver_cache:
            driver.set("cache", self.driver_cache)
        _sub(dev, "source", file=self.source_path)
        if self.backing_path:
            self._format_backing_store(dev)
        _sub(dev, "target", dev=self.target_dev, bus=self.target_bus)
        if self.readonly:
            _sub(dev, "readonly")
        return dev


class LibvirtConfigGuestSerial(LibvirtConfigGuestDevice):
    """A serial port; ``type='file'`` writes the guest console to ``source_path``."""

    root_name = "serial"

    def __init__(self, char_type: str = "file", source_path: str | None = None,
                 target_port: int = 0, append: bool = False) -> None:
        self.char_type = char_type
        self.source_path = source_path
        self.target_port = target_port
        # NOTE: without append, libvirt truncates the file at every start of the guest.
        self.append = append

    def format_dom(self) -> ET.Element:
        dev = super().format_dom()
        dev.set("type", self.char_type)
        if self.source_path is not None:
            source = _sub(dev, "source", path=self.source_path)
            if self.append:
                source.set("append", "on")
        _sub(dev, "target", port=str(self.target_port))
        return dev


class LibvirtConfigGuestInterface(LibvirtConfigGuestDevice):
    """A NIC on a host bridge: ``<interface type='bridge'>`` with mininova's MAC."""

    root_name = "interface"

    def __init__(self, mac: str, bridge: str, model: str = "virtio",
                 mtu: int | None = None) -> None:
        self.mac = mac
        self.bridge = bridge
        self.model = model
        self.mtu = mtu

    def format_dom(self) -> ET.Element:
        dev = super().format_dom()
        dev.set("type", "bridge")
        _sub(dev, "mac", address=self.mac)
        _sub(dev, "source", bridge=self.bridge)
        _sub(dev, "model", type=self.model)
        if self.mtu:
            _sub(dev, "mtu", size=str(self.mtu))
        return dev


class LibvirtConfigGuest(LibvirtConfigObject):
    """A whole ``<domain>``: identity, sizing, boot, features and devices.

    Boot is from ``os_boot_devs`` (a whole-disk image) unless ``os_kernel`` is set: then
    QEMU loads that kernel, ``os_initrd`` and ``os_cmdline`` itself (direct kernel boot).
    """

    root_name = "domain"

    def __init__(self, virt_type: str, name: str, uuid: str, memory_mb: int, vcpus: int,
                 os_type: str = "hvm") -> None:
        self.virt_type = virt_type
        self.name = name
        self.uuid = uuid
        self.memory_kb = int(memory_mb) * 1024
        self.vcpus = int(vcpus)
        self.os_type = os_type
        self.os_boot_devs: list[str] = ["hd"]
        self.os_kernel: str | None = None
        self.os_initrd: str | None = None
        self.os_cmdline: str | None = None
        self.clock_offset = "utc"
        self.on_poweroff = "destroy"
        self.on_reboot = "restart"
        self.on_crash = "destroy"
        self.features: list[LibvirtConfigGuestFeature] = []
        self.devices: list[LibvirtConfigGuestDevice] = []

    def set_kernel_boot(self, kernel: str, initrd: str | None = None,
                        cmdline: str | None = None) -> None:
        """Boot ``kernel`` (+ ``initrd``, ``cmdline``) directly instead of a disk."""
        self.os_kernel = kernel
        self.os_initrd = initrd
        self.os_cmdline = cmdline

    def add_feature(self, feature: LibvirtConfigGuestFeature) -> None:
        self.features.append(feature)

    def add_device(self, device: LibvirtConfigGuestDevice) -> None:
        self.devices.append(device)

    def format_dom(self) -> ET.Element:
        root = super().format_dom()
        root.set("type", self.virt_type)
        _sub(root, "name", self.name)
        _sub(root, "uuid", self.uuid)
        _sub(root, "memory", str(self.memory_kb), unit="KiB")
        _sub(root, "currentMemory", str(self.memory_kb), unit="KiB")
        _sub(root, "vcpu", str(self.vcpus))
        os_elem = _sub(root, "os")
        _sub(os_elem, "type", self.os_type)
        if self.os_kernel:
            _sub(os_elem, "kernel", self.os_kernel)
            if self.os_initrd:
                _sub(os_elem, "initrd", self.os_initrd)
            if self.os_cmdline:
                _sub(os_elem, "cmdline", self.os_cmdline)
        else:
            for dev in self.os_boot_devs:
                _sub(os_elem, "boot", dev=dev)
        if self.features:
            features = _sub(root, "features")
            for feature in self.features:
                features.append(feature.format_dom())
        _sub(root, "clock", offset=self.clock_offset)
        _sub(root, "on_poweroff", self.on_poweroff)
        _sub(root, "on_reboot", self.on_reboot)
        _sub(root, "on_crash", self.on_crash)
        devices = _sub(root, "devices")
        for device in self.devices:
            devices.append(device.format_dom())
        return root
