"""/v2.1/os-services: the services and whether they are up (admin only)."""
import falcon

from mininova import conf
from mininova import objects
from mininova.api.views import isotime

CONF = conf.CONF


class ServiceCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-services:list")
        services = objects.ServiceList.get_all(ctxt, req.get_param("binary"))
        resp.media = {"services": [{
            "id": svc.id, "binary": svc.binary, "host": svc.host,
            "zone": "nova" if svc.binary == "mininova-compute" else "internal",
            "status": "disabled" if svc.disabled else "enabled",
            "state": "up" if svc.is_up(CONF.service_down_time) else "down",
            "updated_at": isotime(svc.last_seen_up),
            "disabled_reason": svc.disabled_reason,
        } for svc in services if not req.get_param("host") or svc.host == req.get_param("host")]}
