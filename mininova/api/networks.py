"""/v2.1/os-networks: Nova's deprecated network proxy, below 2.36 only.

It shows the cloud's flat network (what Nova's proxy shows of a Neutron network: id,
label, and null for the nova-network fields); from 2.36 the whole API is a 404, as
Nova's proxy APIs are. Nova answers the nova-network writes (create, delete, associate)
410 Gone; so does mininova.
"""
import falcon

from mininova import conf
from mininova import exception
from mininova.api import api_version
from mininova.network import model

CONF = conf.CONF
# What Nova's proxy shows of a network, and what only admins see besides (null but
# for what the flat network has: id, label, cidr, netmask, gateway, broadcast, dns, mtu).
_FIELDS = ("id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6",
           "gateway_v6", "label", "netmask_v6")
_ADMIN_FIELDS = (
    "created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge", "vlan",
    "vpn_public_address", "vpn_public_port", "vpn_private_address", "dhcp_start",
    "project_id", "host", "bridge_interface", "multi_host", "priority", "rxtx_base", "mtu",
    "dhcp_server", "enable_dhcp", "share_address")


def _proxy(req: falcon.Request, rule: str) -> None:
    if api_version.at_least(req, "2.36"):
        raise exception.NotFound(message="The resource could not be found.")
    req.context.ctxt.can(f"os_compute_api:os-networks:{rule}")


def _network(ctxt) -> dict:
    net = model.ip_network(CONF)
    dns = list(CONF.network.dns_servers) + [None, None]
    known = {"id": model.network_id(CONF), "label": CONF.network.network_name,
             "cidr": str(net), "netmask": str(net.netmask), "gateway": model.gateway(CONF),
             "broadcast": str(net.broadcast_address), "dns1": dns[0], "dns2": dns[1],
             "bridge": CONF.network.bridge, "mtu": CONF.network.mtu, "enable_dhcp": True,
             "deleted": False, "injected": False, "multi_host": False}
    fields = _FIELDS + _ADMIN_FIELDS if ctxt.is_admin else _FIELDS
    return {name: known.get(name) for name in fields}


def _gone(resource, req: falcon.Request, resp: falcon.Response, **params) -> None:
    """A responder (a method of each resource) for the removed nova-network writes."""
    _proxy(req, "list")
    raise falcon.HTTPGone(description="This resource is no longer available. No "
                                      "forwarding address is given.")


class NetworkCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _proxy(req, "list")
        resp.media = {"networks": [_network(req.context.ctxt)]}

    on_post = _gone


class NetworkItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, network_id: str) -> None:
        _proxy(req, "show")
        if network_id != model.network_id(CONF):
            raise exception.NetworkNotFound(network_id=network_id)
        resp.media = {"network": _network(req.context.ctxt)}

    on_delete = _gone


class NetworkAction:
    on_post = _gone
