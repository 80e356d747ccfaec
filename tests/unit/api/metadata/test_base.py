"""InstanceMetadata: the files of the config drive and the metadata service's answers."""
import base64
import json
import types

import pytest

from mininova.api.metadata import base

VIF = {"port_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "mac": "fa:16:3e:00:00:01",
       "network_id": "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e", "network_name": "private",
       "bridge": "mnbr0", "cidr": "10.99.0.0/24", "gateway": "10.99.0.1",
       "dns": ["192.0.2.53"], "address": "10.99.0.5", "version": 4, "mtu": 1500}


@pytest.fixture
def instance():
    return types.SimpleNamespace(
        uuid="6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", id=10, display_name="web 1",
        hostname="web-1", launch_index=0, availability_zone="nova", project_id="p1",
        key_name="k1", key_data="ssh-ed25519 AAAA k1", image_ref="deadbeef-0000",
        flavor_name="m1.tiny", reservation_id="r-1",
        user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode())


@pytest.fixture
def metadata(instance):
    return base.InstanceMetadata(instance, {"role": "web"}, [VIF])


def test_meta_data(metadata):
    md = metadata.meta_data()
    assert md["uuid"] == "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    assert md["name"] == "web 1" and md["hostname"] == "web-1"
    assert md["public_keys"] == {"k1": "ssh-ed25519 AAAA k1"}
    assert md["keys"] == [{"name": "k1", "type": "ssh", "data": "ssh-ed25519 AAAA k1"}]
    assert md["availability_zone"] == "nova" and md["project_id"] == "p1"
    assert md["launch_index"] == 0 and md["meta"] == {"role": "web"}


def test_network_data_is_novas_shape(metadata):
    nd = metadata.network_data()
    assert nd["links"] == [{"id": "tap0a1b2c3d-4e", "vif_id": VIF["port_id"],
                            "type": "bridge", "mtu": 1500,
                            "ethernet_mac_address": "fa:16:3e:00:00:01"}]
    (net,) = nd["networks"]
    assert net["type"] == "ipv4" and net["link"] == "tap0a1b2c3d-4e"
    assert net["ip_address"] == "10.99.0.5" and net["netmask"] == "255.255.255.0"
    assert net["routes"] == [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                              "gateway": "10.99.0.1"}]
    assert nd["services"] == [{"type": "dns", "address": "192.0.2.53"}]


def test_config_drive_files(metadata):
    files = metadata.config_drive_files()
    for version in ("2012-08-10", "latest"):
        for name in ("meta_data.json", "network_data.json", "vendor_data.json",
                     "vendor_data2.json"):
            json.loads(files[f"openstack/{version}/{name}"])
        assert files[f"openstack/{version}/user_data"] == b"#!/bin/sh\necho hi\n"
    ec2 = json.loads(files["ec2/latest/meta-data.json"])
    assert ec2["local-ipv4"] == "10.99.0.5"
    assert ec2["public-keys"] == {"0": {"openssh-key": "ssh-ed25519 AAAA k1"}}


def test_no_user_data_no_file(instance):
    instance.user_data = None
    files = base.InstanceMetadata(instance, {}, [VIF]).config_drive_files()
    assert "openstack/latest/user_data" not in files


@pytest.mark.parametrize("path,expected", [
    ("/openstack/latest/user_data", b"#!/bin/sh\necho hi\n"),
    ("/latest/meta-data/instance-id", b"i-0000000a"),
    ("/latest/meta-data/hostname", b"web-1"),
    ("/latest/meta-data/local-ipv4", b"10.99.0.5"),
    ("/latest/meta-data/placement/availability-zone", b"nova"),
    ("/latest/meta-data/public-keys", b"0=k1"),
    ("/latest/meta-data/public-keys/0/openssh-key", b"ssh-ed25519 AAAA k1"),
    ("/2009-04-04/user-data", b"#!/bin/sh\necho hi\n"),
])
def test_lookup(metadata, path, expected):
    assert metadata.lookup(path) == expected


def test_lookup_listings(metadata):
    assert b"latest" in metadata.lookup("/openstack").split(b"\n")
    assert set(metadata.lookup("/openstack/latest").split(b"\n")) == {
        b"meta_data.json", b"network_data.json", b"vendor_data.json",
        b"vendor_data2.json", b"user_data"}
    listing = metadata.lookup("/latest/meta-data/").split(b"\n")
    assert b"placement/" in listing and b"public-keys/" in listing and b"hostname" in listing
    assert json.loads(metadata.lookup("/openstack/latest/meta_data.json"))["uuid"]


@pytest.mark.parametrize("path", ["/openstack/1999-01-01/meta_data.json",
                                  "/openstack/latest/nope", "/latest/meta-data/nope",
                                  "/latest/meta-data/hostname/deeper", "/nope"])
def test_lookup_unknown_paths(metadata, path):
    with pytest.raises(base.NotFound):
        metadata.lookup(path)
