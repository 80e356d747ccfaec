"""Networking API v2.0 views: Neutron's documents for the flat network, its subnet, the
servers' ports and each project's default security group."""
import uuid

from mininova import conf
from mininova.api.views import isotime
from mininova.network import model

CONF = conf.CONF
# NOTE: fixed forever, like the network's: a project's default security group id.
_SG_NAMESPACE = uuid.UUID("0e6c1a52-8c1f-4d6e-9b2a-736563677270")


def version_doc(base_url: str) -> dict:
    """The Networking API versions this root serves: v2.0 only, as Neutron's."""
    return {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": f"{base_url}/network/v2.0/"}]}]}


def network() -> dict:
    net_id = model.network_id(CONF)
    return {
        "id": net_id, "name": CONF.network.network_name, "tenant_id": "", "project_id": "",
        "admin_state_up": True, "status": "ACTIVE", "subnets": [model.subnet_id(CONF)],
        "shared": True, "router:external": False, "mtu": CONF.network.mtu,
        "availability_zone_hints": [], "availability_zones": ["nova"],
        "ipv4_address_scope": None, "ipv6_address_scope": None,
        "port_security_enabled": True, "description": "", "tags": [],
        "l2_adjacency": True, "is_default": False, "dns_domain": "",
        "created_at": None, "updated_at": None, "revision_number": 1,
    }


def subnet() -> dict:
    net = model.ip_network(CONF)
    pool = model.allocatable(CONF)
    return {
        "id": model.subnet_id(CONF), "name": f"{CONF.network.network_name}-subnet",
        "network_id": model.network_id(CONF), "tenant_id": "", "project_id": "",
        "ip_version": 4, "cidr": str(net), "gateway_ip": model.gateway(CONF),
        "allocation_pools": [{"start": pool[0], "end": pool[-1]}] if pool else [],
        "dns_nameservers": list(CONF.network.dns_servers), "host_routes": [],
        "enable_dhcp": True, "ipv6_ra_mode": None, "ipv6_address_mode": None,
        "subnetpool_id": None, "segment_id": None, "service_types": [],
        "description": "", "tags": [], "created_at": None, "updated_at": None,
        "revision_number": 0,
    }


def security_group_id(project_id: str) -> str:
    return str(uuid.uuid5(_SG_NAMESPACE, project_id))


def port(row: dict, zone: str) -> dict:
    """``row``: a fixed_ips allocation; ``zone``: its server's availability zone."""
    return {
        "id": row["port_id"], "name": "", "network_id": row["network_id"],
        "tenant_id": row["project_id"], "project_id": row["project_id"],
        "mac_address": row["mac"], "admin_state_up": True, "status": "ACTIVE",
        "device_id": row["instance_uuid"], "device_owner": f"compute:{zone}",
        "fixed_ips": [{"subnet_id": model.subnet_id(CONF), "ip_address": row["address"]}],
        "allowed_address_pairs": [], "extra_dhcp_opts": [],
        "security_groups": [security_group_id(row["project_id"])],
        "binding:vnic_type": "normal", "port_security_enabled": True,
        "description": "", "tags": [], "dns_name": "", "dns_assignment": [],
        "created_at": isotime(row["created_at"]),
        "updated_at": isotime(row["updated_at"] or row["created_at"]),
        "revision_number": 1,
    }


def _rule(group_id: str, project_id: str, direction: str, ethertype: str) -> dict:
    rule_id = str(uuid.uuid5(_SG_NAMESPACE, f"{group_id}/{direction}/{ethertype}"))
    return {
        "id": rule_id, "security_group_id": group_id, "direction": direction,
        "ethertype": ethertype, "protocol": None, "port_range_min": None,
        "port_range_max": None, "remote_ip_prefix": None, "normalized_cidr": None,
        "remote_group_id": group_id if direction == "ingress" else None,
        "remote_address_group_id": None, "tenant_id": project_id,
        "project_id": project_id, "description": "", "belongs_to_default_sg": True,
        "created_at": None, "updated_at": None, "revision_number": 0,
    }


def default_security_group(project_id: str) -> dict:
    """Neutron's default group: all egress; ingress from members of the group only."""
    group_id = security_group_id(project_id)
    rules = [_rule(group_id, project_id, direction, ethertype)
             for direction in ("egress", "ingress") for ethertype in ("IPv4", "IPv6")]
    return {
        "id": group_id, "name": "default", "description": "Default security group",
        "tenant_id": project_id, "project_id": project_id, "stateful": True,
        "shared": False, "security_group_rules": rules, "tags": [],
        "created_at": None, "updated_at": None, "revision_number": 1,
    }
