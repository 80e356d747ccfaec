"""InstanceMetadata: what a guest is told about itself, in the layout cloud-init reads.

One builder for both ways a guest reads it: the config drive (``virt/configdrive.py``
writes ``files()`` into an ISO on the compute host) and the metadata service
(``api/metadata/handler.py`` serves ``lookup(path)`` over HTTP). Everything comes from the
server's record (the Instance, its user metadata and its ``network_info``), never from a
host's local guesses, so both ways say the same.

The OpenStack tree (``openstack/<version>/``: meta_data.json, network_data.json,
vendor_data.json, vendor_data2.json, user_data) is Nova's shape; the EC2 tree
(``<version>/meta-data/...``, ``<version>/user-data``) the subset guests commonly read.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from typing import Any

# The OpenStack metadata versions served (Nova's first and newest dated ones share the
# shape mininova fills), "latest" being the newest.
OPENSTACK_VERSIONS = ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
                      "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14")
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
                "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04")
# The config drive holds the first and the latest OpenStack version (what cloud-init
# needs), and EC2's latest as one JSON file.
CONFIG_DRIVE_VERSIONS = ("2012-08-10", "latest")

MD_JSON = "meta_data.json"
NW_JSON = "network_data.json"
VD_JSON = "vendor_data.json"
VD2_JSON = "vendor_data2.json"
UD_NAME = "user_data"


class NotFound(Exception):
    """No such metadata path (the handler answers 404)."""


def _decode_user_data(user_data: str | None) -> bytes | None:
    if not user_data:
        return None
    try:
        return base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        # NOTE: the API validated it as base64; an old row could hold it raw.
        return user_data.encode()


def _field(instance: Any, name: str, default: Any = None) -> Any:
    """An Instance field, ``default`` when it is unset (or unknown to this version)."""
    if hasattr(instance, "obj_attr_is_set"):
        if name not in instance.fields or not instance.obj_attr_is_set(name):
            return default
    value = getattr(instance, name, default)
    return default if value is None else value


class InstanceMetadata:
    """The metadata of one server: ``instance`` (an Instance), its user metadata and its
    VIF dicts (``Instance.network_info``)."""

    def __init__(self, instance: Any, server_metadata: dict[str, str] | None = None,
                 network_info: list[dict] | None = None) -> None:
        self.instance = instance
        self.server_metadata = dict(server_metadata or {})
        if network_info is None:
            network_info = _field(instance, "network_info", [])
        self.network_info = list(network_info)
        self.user_data = _decode_user_data(_field(instance, "user_data"))

    # -- the OpenStack tree ------------------------------------------------------------

    def hostname(self) -> str:
        inst = self.instance
        return _field(inst, "hostname") or inst.display_name

    def public_keys(self) -> dict[str, str]:
        name, data = _field(self.instance, "key_name"), _field(self.instance, "key_data")
        return {name: data} if name and data else {}

    def meta_data(self) -> dict:
        """meta_data.json: who the server is, its keys and its user metadata."""
        inst = self.instance
        keys = self.public_keys()
        return {
            "uuid": inst.uuid,
            "name": inst.display_name,
            "hostname": self.hostname(),
            "launch_index": _field(inst, "launch_index", 0),
            "availability_zone": _field(inst, "availability_zone", ""),
            "project_id": inst.project_id,
            "public_keys": keys,
            "keys": [{"name": name, "type": "ssh", "data": data}
                     for name, data in keys.items()],
            "meta": self.server_metadata,
            "devices": [],
        }

    def network_data(self) -> dict:
        """network_data.json (Nova's shape): a link per NIC, its IPv4 network with the
        default route, and the DNS servers."""
        links, networks, dns = [], [], []
        for index, vif in enumerate(self.network_info):
            link_id = f"tap{vif['port_id'][:11]}"
            links.append({"id": link_id, "vif_id": vif["port_id"], "type": "bridge",
                          "mtu": vif.get("mtu"), "ethernet_mac_address": vif["mac"]})
            net = ipaddress.IPv4Network(vif["cidr"], strict=False)
            services = [{"type": "dns", "address": address} for address in vif.get("dns", [])]
            networks.append({
                "id": f"network{index}", "type": "ipv4", "link": link_id,
                "ip_address": vif["address"], "netmask": str(net.netmask),
                "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                            "gateway": vif["gateway"]}] if vif.get("gateway") else [],
                "network_id": vif["network_id"], "services": services,
            })
            dns.extend(s for s in services if s not in dns)
        return {"links": links, "networks": networks, "services": dns}

    def openstack_files(self) -> dict[str, bytes]:
        """The files of one OpenStack version directory."""
        files = {
            MD_JSON: _json(self.meta_data()),
            NW_JSON: _json(self.network_data()),
            VD_JSON: _json({}),
            VD2_JSON: _json({}),
        }
        if self.user_data is not None:
            files[UD_NAME] = self.user_data
        return files

    # -- the EC2 tree ------------------------------------------------------------------

    def ec2_meta_data(self) -> dict:
        """EC2's meta-data (the subset guests read), as nested dicts."""
        inst = self.instance
        address = self.network_info[0]["address"] if self.network_info else ""
        hostname = self.hostname()
        data = {
            "ami-id": f"ami-{_ec2_id(inst.image_ref)}",
            "ami-launch-index": _field(inst, "launch_index", 0),
            "hostname": hostname,
            "instance-id": f"i-{_field(inst, 'id', 0):08x}",
            "instance-type": _field(inst, "flavor_name", ""),
            "local-hostname": hostname,
            "local-ipv4": address,
            "placement": {"availability-zone": _field(inst, "availability_zone", "")},
            "public-hostname": hostname,
            "public-ipv4": "",
            "reservation-id": _field(inst, "reservation_id", ""),
            "security-groups": ["default"],
        }
        keys = self.public_keys()
        if keys:
            data["public-keys"] = {str(index): {"openssh-key": key}
                                   for index, key in enumerate(keys.values())}
        return data

    # -- both trees --------------------------------------------------------------------

    def config_drive_files(self) -> dict[str, bytes]:
        """Every file of the config drive, by path (cloud-init's layout)."""
        files = {}
        for version in CONFIG_DRIVE_VERSIONS:
            for name, data in self.openstack_files().items():
                files[f"openstack/{version}/{name}"] = data
        files["ec2/latest/meta-data.json"] = _json(self.ec2_meta_data())
        return files

    def lookup(self, path: str) -> bytes:
        """The metadata service's answer for ``path``: a file, or a directory listing
        (one name a line, subdirectories ending in ``/``); NotFound otherwise."""
        parts = [part for part in path.split("/") if part]
        if not parts:
            return _listing([*EC2_VERSIONS, "latest", "openstack/"])
        if parts[0] == "openstack":
            return self._lookup_openstack(parts[1:])
        return self._lookup_ec2(parts)

    def _lookup_openstack(self, parts: list[str]) -> bytes:
        if not parts:
            return _listing([*OPENSTACK_VERSIONS, "latest"])
        if parts[0] not in (*OPENSTACK_VERSIONS, "latest"):
            raise NotFound()
        files = self.openstack_files()
        if len(parts) == 1:
            return _listing(sorted(files))
        if len(parts) == 2 and parts[1] in files:
            return files[parts[1]]
        raise NotFound()

    def _lookup_ec2(self, parts: list[str]) -> bytes:
        if parts[0] not in (*EC2_VERSIONS, "latest"):
            raise NotFound()
        if len(parts) == 1:
            return _listing(["meta-data/", "user-data"] if self.user_data is not None
                            else ["meta-data/"])
        if parts[1] == "user-data" and len(parts) == 2:
            if self.user_data is None:
                raise NotFound()
            return self.user_data
        if parts[1] != "meta-data":
            raise NotFound()
        node: Any = self.ec2_meta_data()
        for part in parts[2:]:
            if not isinstance(node, dict) or part not in node:
                raise NotFound()
            node = node[part]
        if parts[2:] == ["public-keys"]:
            # NOTE: EC2 lists a key as "<index>=<name>" and serves it under <index>/.
            return _listing([f"{index}={name}"
                             for index, name in enumerate(self.public_keys())])
        if isinstance(node, dict):
            return _listing([f"{key}/" if isinstance(value, dict) else key
                             for key, value in node.items()])
        if isinstance(node, list):
            return _listing(str(item) for item in node)
        return str(node).encode()


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True).encode()


def _listing(names) -> bytes:
    return "\n".join(names).encode()


def _ec2_id(uuid_text: str) -> str:
    """An EC2-looking id from a uuid (its first 8 hex digits)."""
    return (uuid_text or "").replace("-", "")[:8] or "00000000"
