"""The evacuate server action: POST /servers/{id}/action {"evacuate": {...}} (admin).

An entry of api/servers.py's action table, as Nova's os-evacuate: rebuild a server whose
host is down on another host (compute/api.py -> conductor/tasks/evacuate.py). Nova
answers 200: below 2.14 with the adminPass (when [api] enable_instance_password), from
2.14 with no body. From 2.95 the evacuated server ends stopped (unless it was in ERROR).
"""
import falcon
from oslo_utils import strutils

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api.schemas import evacuate as schemas
from mininova.api.views import servers as views
from mininova.compute import vm_states
from mininova.objects import service as service_obj

CONF = conf.CONF


schema = api_version.Versioned(("2.1", schemas.evacuate), ("2.14", schemas.evacuate_v214),
                                ("2.29", schemas.evacuate_v229),
                                ("2.68", schemas.evacuate_v268))


def _password(req: falcon.Request, body: dict) -> str | None:
    """Nova's adminPass rules: below 2.14 none may be given for shared storage (a disk
    that stays cannot get a new password) and none is made for it."""
    if api_version.below(req, "2.14"):
        shared = strutils.bool_from_string(body["onSharedStorage"])
        if "adminPass" in body:
            if shared:
                raise exception.Invalid(
                    message="admin password can't be changed on existing disk")
            return body["adminPass"]
        return None if shared else views.password()
    return body.get("adminPass") or views.password()


def _check_host(ctxt, host: str) -> None:
    """404 unless ``host`` runs a compute service (Nova's message)."""
    try:
        objects.Service.get_by_host_and_binary(ctxt, host, service_obj.COMPUTE)
    except exception.NotFound as exc:
        raise exception.NotFound(message=f"Compute host {host} not found.") from exc


def evacuate(compute_api, req: falcon.Request, instance, body: dict) -> dict | None:
    """Start the evacuation; the answer body (None: 200 without one)."""
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:os-evacuate",
             {"project_id": instance.project_id, "user_id": instance.user_id})
    host = body.get("host")
    if (api_version.at_least(req, "2.29") and api_version.below(req, "2.68")
            and strutils.bool_from_string(body.get("force", False), strict=True)
            and not host):
        raise exception.Invalid(message="Can't force to a non-provided destination")
    password = _password(req, body)
    if host is not None:
        _check_host(ctxt, host)
    if instance.host == host:
        raise exception.Invalid(message="The target host can't be the same one.")
    target_state = vm_states.STOPPED if api_version.at_least(req, "2.95") else None
    compute_api.evacuate(ctxt, instance, host, target_state=target_state)
    if api_version.below(req, "2.14") and CONF.api.enable_instance_password:
        return {"adminPass": password}
    return None
