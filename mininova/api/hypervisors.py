"""/v2.1/os-hypervisors: the compute nodes, their services and usage (admin only)."""
import falcon

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api.views import hypervisors as views
from mininova.db import api as db_api

CONF = conf.CONF


def _hypervisors(ctxt) -> list[tuple]:
    """(node, its compute service or None, service up?) for every compute node."""
    ctxt.can("os_compute_api:os-hypervisors:list")
    services = {svc.host: svc
                for svc in objects.ServiceList.get_all(ctxt, "mininova-compute")}
    return [(node, services.get(node.host),
             node.host in services and services[node.host].is_up(CONF.service_down_time))
            for node in objects.ComputeNodeList.get_all(ctxt)]


class HypervisorCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hypervisors": [views.basic(node, svc, up)
                                      for node, svc, up in _hypervisors(req.context.ctxt)]}


class HypervisorDetail:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        hypervisors = _hypervisors(req.context.ctxt)
        # NOTE: the scheduler's view of usage: what live instances claim per host.
        usage = db_api.host_usage()
        resp.media = {"hypervisors": [views.show(node, svc, up, usage.get(node.host))
                                      for node, svc, up in hypervisors]}


class HypervisorItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, hypervisor_id: str) -> None:
        for node, svc, up in _hypervisors(req.context.ctxt):
            if str(node.id) == hypervisor_id:
                usage = db_api.host_usage().get(node.host)
                resp.media = {"hypervisor": views.show(node, svc, up, usage)}
                return
        raise exception.NotFound(message=f"Hypervisor with ID {hypervisor_id} could not be "
                                         "found.")
