"""The libvirt driver's guest metadata and host network: the config drive's cdrom (on the
test hypervisor too) and dnsmasq's host entries (real hypervisors only)."""
import base64
import xml.etree.ElementTree as ET
from unittest import mock

from tests.unit.virt.test_libvirt_driver import drv  # noqa: F401 - a fixture
from tests.unit.virt.test_libvirt_driver import flags  # noqa: F401 - a fixture
from tests.unit.virt.test_libvirt_driver import make_instance  # noqa: F401 - a fixture

VIF = {"port_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "mac": "fa:16:3e:00:00:01",
       "network_id": "n", "network_name": "private", "bridge": "mnbr0",
       "cidr": "10.99.0.0/24", "gateway": "10.99.0.1", "dns": [], "address": "10.99.0.5",
       "version": 4, "mtu": 1500}


def _meta(**kwargs):
    fields = dict(config_drive=True, display_name="vm", hostname="vm", project_id="p1",
                  launch_index=0, availability_zone="nova", key_name=None, key_data=None,
                  user_data=base64.b64encode(b"#!/bin/sh\n").decode(), id=1,
                  flavor_name="m1.tiny", reservation_id="r", network_info=[VIF])
    fields.update(kwargs)
    return fields


def test_config_drive_is_a_readonly_cdrom_also_on_the_test_driver(drv, make_instance,  # noqa: F811
                                                                  tmp_path):
    instance = make_instance(**_meta())
    drv.spawn(None, instance, None)
    path = tmp_path / "instances" / instance.uuid / "disk.config"
    assert path.read_bytes()[0x8001:0x8006] == b"CD001"  # an ISO 9660 volume descriptor
    root = ET.fromstring(drv._host.get_domain(instance.uuid).XMLDesc())
    (cdrom,) = [d for d in root.findall("devices/disk") if d.get("device") == "cdrom"]
    assert cdrom.find("source").get("file") == str(path)
    assert cdrom.find("readonly") is not None
    drv.destroy(None, instance)
    assert not path.exists()


def test_no_config_drive_no_cdrom(drv, make_instance, tmp_path):  # noqa: F811
    instance = make_instance(**_meta(config_drive=False))
    drv.spawn(None, instance, None)
    root = ET.fromstring(drv._host.get_domain(instance.uuid).XMLDesc())
    assert [d for d in root.findall("devices/disk") if d.get("device") == "cdrom"] == []
    drv.destroy(None, instance)


def test_dhcp_entries_only_for_real_hypervisors(drv, make_instance, monkeypatch):  # noqa: F811
    instance = make_instance(**_meta(config_drive=False))
    with mock.patch.object(drv._dhcp, "add_host") as add, \
            mock.patch.object(drv._dhcp, "remove_host") as remove:
        drv.spawn(None, instance, None)
        drv.destroy(None, instance)
        add.assert_not_called()
        remove.assert_not_called()
        monkeypatch.setattr(drv._host, "is_test_driver", lambda: False)
        drv._plug_vifs(instance)
        drv._unplug_vifs(instance)
    add.assert_called_once_with("fa:16:3e:00:00:01", "10.99.0.5", "vm")
    remove.assert_called_once_with("fa:16:3e:00:00:01", "10.99.0.5")
