"""/v2.1/os-hypervisors: the compute nodes, their services and usage (admin only).

Microversions: 2.33 pages lists (limit, marker); 2.53 names nodes by UUID, filters with
hypervisor_hostname_pattern, lists servers with with_servers and retires the /search and
/servers sub-resources; 2.88 retires /statistics and /uptime and shows uptime in GET
/os-hypervisors/{id}, asked of the compute host over RPC (a call).
"""
import falcon
from oslo_log import log as logging
from oslo_utils import strutils
from oslo_utils import uuidutils

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api.schemas import MAX_INT
from mininova.api.views import hypervisors as views
from mininova.db import allocations as db_allocations
from mininova.db import services as db_services
from mininova.objects import service as service_obj

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def _services(ctxt) -> dict:
    return {svc.host: svc for svc in objects.ServiceList.get_all(ctxt, service_obj.COMPUTE)}


def _is_up(svc) -> bool:
    return svc is not None and svc.is_up(CONF.service_down_time)


def _not_found(ident: str):
    return exception.HypervisorNotFound(hypervisor_id=ident)


def _with_servers(req: falcon.Request) -> bool:
    if api_version.below(req, "2.53"):
        return False
    value = req.get_param("with_servers", default="false")
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as exc:
        raise exception.ValidationError(field="with_servers", value=value,
                                        reason="not a boolean") from exc


def _page(req: falcon.Request) -> tuple[int | None, str | None]:
    """limit and marker (2.33); the marker is a node id, a UUID from 2.53."""
    if api_version.below(req, "2.33"):
        return None, None
    limit = req.get_param("limit")
    if limit is not None and not limit.isdigit():
        raise exception.ValidationError(field="limit", value=limit,
                                        reason="must be a non-negative integer")
    # NOTE: as Nova does, a page is at most [api] max_limit long.
    limit = min(int(limit), CONF.api.max_limit) if limit is not None else None
    return limit, req.get_param("marker")


class _Listing:
    """GET /os-hypervisors and /detail share their filters and paging."""
    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-hypervisors:list")
        limit, marker = _page(req)
        pattern = (req.get_param("hypervisor_hostname_pattern")
                   if api_version.at_least(req, "2.53") else None)
        if pattern is not None and (limit is not None or marker is not None):
            raise exception.Invalid(message="Paging over hypervisors with the "
                                            "hypervisor_hostname_pattern query parameter "
                                            "is not supported.")
        nodes = objects.ComputeNodeList.get_all(
            ctxt, hostname_pattern=pattern, limit=limit, marker=marker,
            marker_is_uuid=api_version.at_least(req, "2.53"))
        if pattern is not None and not nodes:
            raise exception.HypervisorNotFoundByPattern(pattern=pattern)
        resp.media = _render(req, ctxt, nodes, self.detail, _with_servers(req))
        links = views.next_links(req, resp.media["hypervisors"], limit)
        if links:
            resp.media["hypervisors_links"] = links


class HypervisorCollection(_Listing):
    detail = False


class HypervisorDetail(_Listing):
    detail = True


def _render(req: falcon.Request, ctxt, nodes, detail: bool, with_servers: bool) -> dict:
    services = _services(ctxt)
    # NOTE: the scheduler's view of usage: the allocations claimed on each host.
    usage = db_allocations.usage_by_host() if detail else {}
    body = []
    for node in nodes:
        svc = services.get(node.host)
        servers = db_services.instances_on_host(node.host) if with_servers else None
        if detail:
            body.append(views.show(req, node, svc, _is_up(svc), usage.get(node.host),
                                   servers))
        else:
            body.append(views.basic(req, node, svc, _is_up(svc), servers))
    return {"hypervisors": body}


def _get_node(req: falcon.Request, ctxt, hypervisor_id: str):
    """The node named by an integer id (below 2.53) or a UUID (from 2.53)."""
    ctxt.can("os_compute_api:os-hypervisors:list")
    if api_version.at_least(req, "2.53"):
        if not uuidutils.is_uuid_like(hypervisor_id):
            raise exception.Invalid(message=f"Invalid uuid {hypervisor_id}")
        return objects.ComputeNode.get_by_uuid(ctxt, hypervisor_id)
    if not hypervisor_id.isdigit() or int(hypervisor_id) > MAX_INT:
        raise _not_found(hypervisor_id)
    return objects.ComputeNode.get_by_id(ctxt, int(hypervisor_id))


class HypervisorItem:
    def __init__(self, compute_rpcapi):
        self.compute_rpcapi = compute_rpcapi

    def on_get(self, req: falcon.Request, resp: falcon.Response, hypervisor_id: str) -> None:
        ctxt = req.context.ctxt
        node = _get_node(req, ctxt, hypervisor_id)
        svc = _services(ctxt).get(node.host)
        servers = db_services.instances_on_host(node.host) if _with_servers(req) else None
        usage = db_allocations.usage_by_host().get(node.host)
        body = views.show(req, node, svc, _is_up(svc), usage, servers)
        if api_version.at_least(req, "2.88"):
            body["uptime"] = self._uptime_or_none(ctxt, node, svc)
        resp.media = {"hypervisor": body}

    def _uptime_or_none(self, ctxt, node, svc) -> str | None:
        """Show's uptime: None when the host cannot say (down, or not answering)."""
        if not _is_up(svc):
            return None
        try:
            return self.compute_rpcapi.get_host_uptime(ctxt, node.host)
        except (exception.RPCTimeout, exception.ServiceUnavailable) as exc:
            LOG.warning("No uptime from %s: %s", node.host, exc)
            return None


class HypervisorUptime:
    """GET /os-hypervisors/{id}/uptime (below 2.88): a call to the compute host."""

    def __init__(self, compute_rpcapi):
        self.compute_rpcapi = compute_rpcapi

    def on_get(self, req: falcon.Request, resp: falcon.Response, hypervisor_id: str) -> None:
        if api_version.at_least(req, "2.88"):
            raise exception.NotFound(message="The resource could not be found.")
        ctxt = req.context.ctxt
        node = _get_node(req, ctxt, hypervisor_id)
        svc = _services(ctxt).get(node.host)
        if not _is_up(svc):
            raise exception.Invalid(message=f"Compute service of {node.host} is unavailable "
                                            "at this time.")
        uptime = self.compute_rpcapi.get_host_uptime(ctxt, node.host)
        resp.media = {"hypervisor": {**views.basic(req, node, svc, True), "uptime": uptime}}


class HypervisorStatistics:
    """GET /os-hypervisors/statistics (below 2.88): totals over every node."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if api_version.at_least(req, "2.88"):
            raise exception.NotFound(message="The resource could not be found.")
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-hypervisors:list")
        nodes = objects.ComputeNodeList.get_all(ctxt)
        usage = db_allocations.usage_by_host()
        resp.media = {"hypervisor_statistics": views.statistics(nodes, usage)}


class HypervisorSearch:
    """GET /os-hypervisors/{pattern}/search and /servers (below 2.53): nodes whose
    hostname contains the pattern (404 when none), with their servers for /servers."""

    def __init__(self, with_servers: bool):
        self.with_servers = with_servers

    def on_get(self, req: falcon.Request, resp: falcon.Response, hypervisor_id: str) -> None:
        # NOTE: the URL segment is a hostname pattern; falcon wants one field name there.
        pattern = hypervisor_id
        if api_version.at_least(req, "2.53"):
            raise exception.NotFound(message="The resource could not be found.")
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-hypervisors:list")
        nodes = objects.ComputeNodeList.get_all(ctxt, hostname_pattern=pattern)
        if not nodes:
            raise exception.HypervisorNotFoundByPattern(pattern=pattern)
        services = _services(ctxt)
        resp.media = {"hypervisors": [views.basic(
            req, node, services.get(node.host), _is_up(services.get(node.host)),
            db_services.instances_on_host(node.host) if self.with_servers else None)
            for node in nodes]}
