"""The flat network as every process derives it from ``[network]``, and the VIF dicts
(Instance.network_info) that carry a server's addresses to the API views, the computes
and the guest metadata.

The network id is a uuid5 of the network name, so every service agrees on it without
storing or exchanging it.
"""
import functools
import ipaddress
import typing
import uuid

from oslo_config import cfg

# NOTE: fixed forever: changing it would change every network id already shown.
_NAMESPACE = uuid.UUID("6d1f0a0e-6a5b-4f8e-9a55-6d696e696e76")
# The subnet's id, derived the same way from the network id.
_SUBNET_NAMESPACE = uuid.UUID("2b7e0c6e-7d4e-4b0a-8f9b-7375626e6574")


def network_id(conf: cfg.ConfigOpts) -> str:
    """The id of the cloud's network (stable: a uuid5 of its name)."""
    return str(uuid.uuid5(_NAMESPACE, conf.network.network_name))


def subnet_id(conf: cfg.ConfigOpts) -> str:
    """The id of the network's one IPv4 subnet (stable, like the network's)."""
    return str(uuid.uuid5(_SUBNET_NAMESPACE, network_id(conf)))


class _Subnet(typing.NamedTuple):
    network: ipaddress.IPv4Network
    text: str
    gateway: str
    allocatable: tuple[str, ...]


# NOTE: worked out once per configuration: every boot asks for the free addresses, and
# every server's VIF carries the cidr and gateway (a detail listing builds a thousand).
@functools.lru_cache(maxsize=4)
def _subnet(cidr: str, configured_gateway: str | None) -> _Subnet:
    net = ipaddress.IPv4Network(cidr, strict=False)
    gw = configured_gateway or str(next(net.hosts()))
    gateway_address = ipaddress.IPv4Address(gw)
    return _Subnet(net, str(net), gw,
                   tuple(str(addr) for addr in net.hosts() if addr != gateway_address))


def _of(conf: cfg.ConfigOpts) -> _Subnet:
    return _subnet(conf.network.cidr, conf.network.gateway)


def ip_network(conf: cfg.ConfigOpts) -> ipaddress.IPv4Network:
    return _of(conf).network


def gateway(conf: cfg.ConfigOpts) -> str:
    """The configured gateway, or the first host address of the cidr."""
    return _of(conf).gateway


def allocatable(conf: cfg.ConfigOpts) -> tuple[str, ...]:
    """The addresses guests may get, lowest first: the hosts of the cidr but the
    gateway."""
    return _of(conf).allocatable


def contains(conf: cfg.ConfigOpts, address: str) -> bool:
    """Whether ``address`` is one a guest could hold on the network."""
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    subnet = _of(conf)
    net = subnet.network
    return (addr.version == 4 and addr in net and addr not in
            (net.network_address, net.broadcast_address,
             ipaddress.IPv4Address(subnet.gateway)))


def vif_base(conf: cfg.ConfigOpts) -> dict:
    """What every VIF of the network shares: read once for a listing, where reading
    the options again for each server cost more than the rest of its VIF."""
    net = conf.network
    subnet = _of(conf)
    return {"network_name": net.network_name, "bridge": net.bridge, "cidr": subnet.text,
            "gateway": subnet.gateway, "dns": tuple(net.dns_servers), "mtu": net.mtu}


def vif(conf: cfg.ConfigOpts, row, base: dict | None = None) -> dict:
    """The VIF dict of one allocated address (a fixed_ips row or its dict); ``base``
    is vif_base(conf), if the caller has it."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    base = base or vif_base(conf)
    return {
        "port_id": get("port_id"),
        "mac": get("mac"),
        "network_id": get("network_id"),
        "network_name": base["network_name"],
        "bridge": base["bridge"],
        "cidr": base["cidr"],
        "gateway": base["gateway"],
        "dns": list(base["dns"]),
        "address": get("address"),
        "version": 4,
        "mtu": base["mtu"],
    }
