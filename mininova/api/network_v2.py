"""/network: the subset of the Networking API v2.0 (Neutron) the stock clients read.

``openstack network list``, ``server create --network NAME``, ``port list --server`` and
openstacksdk's server helpers look the network up here: the flat network of
``[network]``, its one subnet, the servers' ports (one per allocated address, scoped to
the caller's project) and each project's default security group. Read-only, under its
own root with its version document, the way devstack lays out Neutron.
"""
import falcon

from mininova import availability_zones
from mininova.api.views import network_v2 as views
from mininova.db import fixed_ips as db_fixed_ips

# Query parameters that are not filters (Neutron's paging, sorting and projection).
_NOT_FILTERS = ("fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse")


def _error(resp: falcon.Response, status: int, kind: str, message: str) -> None:
    """Neutron's error body."""
    resp.status = status
    resp.media = {"NeutronError": {"type": kind, "message": message, "detail": ""}}


def _matches(doc: dict, key: str, wanted: list[str]) -> bool:
    value = doc[key]
    if key == "fixed_ips":
        # NOTE: Neutron's ``fixed_ips=ip_address=X`` (or ``subnet_id=Y``).
        pairs = [item.split("=", 1) for item in wanted if "=" in item]
        return any(ip.get(name) == want for ip in value for name, want in pairs)
    if isinstance(value, bool):
        return str(value).lower() in [w.lower() for w in wanted]
    return ("" if value is None else str(value)) in wanted


def _select(req: falcon.Request, resp: falcon.Response, docs: list[dict],
            collection: str) -> None:
    """Filter ``docs`` by the query (each parameter may repeat: any of its values) and
    project them on ``fields``; 400 for a filter on an attribute they lack."""
    for key in req.params:
        if key in _NOT_FILTERS:
            continue
        if docs and key not in docs[0]:
            _error(resp, 400, "HTTPBadRequest", f"[{key}] is invalid attribute for filtering")
            return
        wanted = req.get_param_as_list(key) or [""]
        docs = [doc for doc in docs if _matches(doc, key, wanted)]
    fields = req.get_param_as_list("fields")
    if fields:
        docs = [{k: v for k, v in doc.items() if k in fields} for doc in docs]
    resp.media = {collection: docs}


def _one(resp: falcon.Response, docs: list[dict], item_id: str, member: str,
         kind: str, label: str) -> None:
    found = [doc for doc in docs if doc["id"] == item_id]
    if not found:
        _error(resp, 404, kind, f"{label} {item_id} could not be found.")
        return
    resp.media = {member: found[0]}


class Versions:
    """GET /network: answered without a token, for discovery."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = views.version_doc(req.prefix)


class ExtensionCollection:
    """GET /network/v2.0/extensions: none beyond the core resources."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"extensions": []}


class NetworkCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _select(req, resp, [views.network()], "networks")


class NetworkItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, network_id: str) -> None:
        _one(resp, [views.network()], network_id, "network", "NetworkNotFound", "Network")


class SubnetCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _select(req, resp, [views.subnet()], "subnets")


class SubnetItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, subnet_id: str) -> None:
        _one(resp, [views.subnet()], subnet_id, "subnet", "SubnetNotFound", "Subnet")


def _ports(req: falcon.Request) -> list[dict]:
    """The ports the caller may see: its project's (every project's for an admin)."""
    ctxt = req.context.ctxt
    filters = {} if ctxt.is_admin else {"project_id": ctxt.project_id}
    device_ids = req.get_param_as_list("device_id")
    if device_ids:
        filters["instance_uuid"] = device_ids
    zones = availability_zones.host_zones()
    return [views.port(row, row["availability_zone"]
                       or availability_zones.zone_of(row["host"], zones))
            for row in db_fixed_ips.get_all(filters, with_instance=True)]


class PortCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _select(req, resp, _ports(req), "ports")


class PortItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, port_id: str) -> None:
        _one(resp, _ports(req), port_id, "port", "PortNotFound", "Port")


class SecurityGroupCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        group = views.default_security_group(req.context.ctxt.project_id)
        _select(req, resp, [group], "security_groups")


class SecurityGroupItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, group_id: str) -> None:
        group = views.default_security_group(req.context.ctxt.project_id)
        _one(resp, [group], group_id, "security_group", "SecurityGroupNotFound",
             "Security group")
