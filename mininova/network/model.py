"""The flat network as every process derives it from ``[network]``, and the VIF dicts
(Instance.network_info) that carry a server's addresses to the API views, the computes
and the guest metadata.

The network id is a uuid5 of the network name, so every service agrees on it without
storing or exchanging it.
"""
import functools
import ipaddress
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


def ip_network(conf: cfg.ConfigOpts) -> ipaddress.IPv4Network:
    return _ip_network(conf.network.cidr)


# NOTE: parsed once per cidr: every server's VIF carries the network's cidr and gateway,
# and a detail listing builds a thousand of them.
@functools.lru_cache(maxsize=4)
def _ip_network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def gateway(conf: cfg.ConfigOpts) -> str:
    """The configured gateway, or the first host address of the cidr."""
    if conf.network.gateway:
        return conf.network.gateway
    return _first_host(conf.network.cidr)


@functools.lru_cache(maxsize=4)
def _first_host(cidr: str) -> str:
    return str(next(_ip_network(cidr).hosts()))


def allocatable(conf: cfg.ConfigOpts) -> tuple[str, ...]:
    """The addresses guests may get, lowest first: the hosts of the cidr but the
    gateway (worked out once per configuration: every boot asks)."""
    return _allocatable(conf.network.cidr, gateway(conf))


@functools.lru_cache(maxsize=4)
def _allocatable(cidr: str, gw: str) -> tuple[str, ...]:
    gateway_address = ipaddress.IPv4Address(gw)
    return tuple(str(addr) for addr in ipaddress.IPv4Network(cidr, strict=False).hosts()
                 if addr != gateway_address)


def contains(conf: cfg.ConfigOpts, address: str) -> bool:
    """Whether ``address`` is one a guest could hold on the network."""
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    net = ip_network(conf)
    return (addr.version == 4 and addr in net and addr not in
            (net.network_address, net.broadcast_address, ipaddress.IPv4Address(gateway(conf))))


@functools.lru_cache(maxsize=4)
def _cidr_text(cidr: str) -> str:
    return str(_ip_network(cidr))


def vif(conf: cfg.ConfigOpts, row) -> dict:
    """The VIF dict of one allocated address (a fixed_ips row or its dict)."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    return {
        "port_id": get("port_id"),
        "mac": get("mac"),
        "network_id": get("network_id"),
        "network_name": conf.network.network_name,
        "bridge": conf.network.bridge,
        "cidr": _cidr_text(conf.network.cidr),
        "gateway": gateway(conf),
        "dns": list(conf.network.dns_servers),
        "address": get("address"),
        "version": 4,
        "mtu": conf.network.mtu,
    }
