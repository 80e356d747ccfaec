"""/v2.1/os-services: the services, whether they are up, and (admin) turning compute
services off for scheduling or declaring them down.

Below 2.53 a service is named by host and binary in the body of an action URL (PUT
/os-services/enable, disable, disable-log-reason, and force-down from 2.11) and by its
integer id for DELETE; from 2.53 by its UUID: PUT and DELETE /os-services/{uuid}.
A disabled compute service gets no new instances (the scheduler's ComputeFilter); a
forced-down one is reported down at once, as if its heartbeat had stopped.
"""
import falcon
from oslo_utils import uuidutils

from mininova import availability_zones
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import services as schemas
from mininova.api.views import services as views
from mininova.objects import service as service_obj

_COMPUTE = service_obj.COMPUTE
_ACTIONS = {"enable": schemas.enable_disable, "disable": schemas.enable_disable,
            "disable-log-reason": schemas.disable_log_reason}


class ServiceCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-services:list")
        services = objects.ServiceList.get_all(ctxt, req.get_param("binary"),
                                               req.get_param("host"))
        zones = availability_zones.host_zones()
        resp.media = {"services": [views.show(req, svc, zones) for svc in services]}


def _body_schema(req: falcon.Request, params: dict) -> dict:
    """The schema of PUT /os-services/{service_id}: by version, then by action URL."""
    service_id = params["service_id"]
    if api_version.at_least(req, "2.53"):
        _check_uuid(service_id)
        return schemas.update
    if service_id == "force-down" and api_version.at_least(req, "2.11"):
        return schemas.force_down
    if service_id not in _ACTIONS:
        raise exception.NotFound(message=f"Unknown action {service_id}")
    return _ACTIONS[service_id]


def _check_uuid(service_id: str) -> None:
    if not uuidutils.is_uuid_like(service_id):
        raise exception.Invalid(message=f"Invalid uuid {service_id}")


class ServiceItem:
    @falcon.before(validation.schema_for(_body_schema))
    def on_put(self, req: falcon.Request, resp: falcon.Response, service_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-services:update")
        body = req.context.body
        if api_version.at_least(req, "2.53"):
            svc = objects.Service.get_by_uuid(ctxt, service_id)
            _update(svc, body)
            resp.media = {"service": views.show(req, svc)}
            return
        svc = objects.Service.get_by_host_and_binary(ctxt, body["host"], body["binary"])
        if service_id == "force-down":
            svc.forced_down = body["forced_down"]
        else:
            svc.disabled = service_id != "enable"
            svc.disabled_reason = body.get("disabled_reason")
        svc.save()
        answer = {"host": svc.host, "binary": svc.binary}
        if service_id == "force-down":
            answer["forced_down"] = svc.forced_down
        else:
            answer["status"] = "disabled" if svc.disabled else "enabled"
        if service_id == "disable-log-reason":
            answer["disabled_reason"] = svc.disabled_reason
        resp.media = {"service": answer}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, service_id: str) -> None:
        """Forget a service (a compute service with its node; 409 while it has instances).
        A service still running registers itself again when it restarts."""
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-services:delete")
        if api_version.at_least(req, "2.53"):
            _check_uuid(service_id)
            svc = objects.Service.get_by_uuid(ctxt, service_id)
        elif service_id.isdigit():
            svc = objects.Service.get_by_id(ctxt, int(service_id))
        else:
            raise exception.Invalid(message=f"Invalid ID {service_id}")
        svc.destroy()
        resp.status = falcon.HTTP_204


def _update(svc, body: dict) -> None:
    """2.53 PUT: status (with an optional reason) and/or forced_down, compute only."""
    if "disabled_reason" in body and body.get("status") != "disabled":
        raise exception.Invalid(message="Specifying 'disabled_reason' with status "
                                        "'enabled' is invalid.")
    if svc.binary != _COMPUTE:
        raise exception.Invalid(message=f"Updating a {svc.binary} service is not supported. "
                                        f"Only {_COMPUTE} is.")
    if "status" in body:
        svc.disabled = body["status"] == "disabled"
        svc.disabled_reason = body.get("disabled_reason") if svc.disabled else None
    if "forced_down" in body:
        svc.forced_down = body["forced_down"]
    svc.save()
