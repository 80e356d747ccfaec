"""/v2.1/os-hosts (deprecated; served below 2.43, 404 from it): the hosts of the
services, a compute host's resources, and enabling or disabling its compute service.

Maintenance mode and the power actions (startup, shutdown, reboot) are what the libvirt
driver does not implement in Nova: 501 for a known host, 404 for an unknown one.
"""
import falcon

from mininova import availability_zones
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import hosts as schemas
from mininova.db import instances as db_instances
from mininova.db import services as db_services
from mininova.objects import service as service_obj

_RULE = "os_compute_api:os-hosts:"


def _check_version(req: falcon.Request) -> None:
    if api_version.at_least(req, "2.43"):
        raise exception.NotFound()


def _compute_service(host: str):
    svc = db_services.service_get_by_host_and_binary(host, service_obj.COMPUTE)
    if svc is None:
        raise exception.ComputeHostNotFound(host=host)
    return svc


class HostCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _check_version(req)
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "list")
        zones = availability_zones.host_zones()
        hosts = [{"host_name": svc.host, "service": svc.topic,
                  "zone": availability_zones.service_zone(svc.binary, svc.host, zones)}
                 for svc in objects.ServiceList.get_all(ctxt, None, None)]
        # NOTE: a blank zone is no filter (Nova).
        zone = req.get_param("zone")
        if zone:
            hosts = [h for h in hosts if h["zone"] == zone]
        resp.media = {"hosts": hosts}


def _row(host: str, project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict:
    return {"resource": {"host": host, "project": project, "cpu": cpu,
                         "memory_mb": memory_mb, "disk_gb": disk_gb}}


class HostItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, host_name: str) -> None:
        """Nova's resource table: (total), (used_now), (used_max), then one row per
        project with instances on the host."""
        _check_version(req)
        req.context.ctxt.can(_RULE + "show")
        nodes = [n for n in db_services.compute_node_get_all() if n.host == host_name]
        if not nodes:
            raise exception.ComputeHostNotFound(host=host_name)
        node = nodes[0]
        projects = db_instances.host_usage_by_project(host_name)
        used = {key: sum(p[key] for p in projects.values())
                for key in ("cpu", "memory_mb", "disk_gb")}
        rows = [_row(host_name, "(total)", node.vcpus, node.memory_mb, node.local_gb),
                _row(host_name, "(used_now)", **used), _row(host_name, "(used_max)", **used)]
        rows += [_row(host_name, project, **usage) for project, usage in projects.items()]
        resp.media = {"host": rows}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, host_name: str) -> None:
        _check_version(req)
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "update")
        body = req.context.body
        svc = _compute_service(host_name)
        if "maintenance_mode" in body:
            raise exception.HostNotImplemented(
                reason="Putting a host in maintenance mode is not implemented.")
        disabled = body["status"].lower() == "disable"
        db_services.service_update(svc.id, {"disabled": disabled})
        resp.media = {"host": host_name, "status": "disabled" if disabled else "enabled"}


class HostPowerAction:
    def __init__(self, action: str, rule: str) -> None:
        self._action = action
        self._rule = rule

    def on_get(self, req: falcon.Request, resp: falcon.Response, host_name: str) -> None:
        _check_version(req)
        req.context.ctxt.can(_RULE + self._rule)
        _compute_service(host_name)
        raise exception.HostNotImplemented(
            reason=f"The {self._action} action is not implemented by this hypervisor.")
