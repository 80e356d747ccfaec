"""/v2.1/os-availability-zone: the zones compute services are in and whether each is
available (it has an enabled compute service); /detail (admin) adds each zone's hosts
with their services, the internal zone (conductor, scheduler) included."""
import falcon

from mininova import availability_zones
from mininova import conf
from mininova import objects
from mininova.api.views import isotime

CONF = conf.CONF


def _zones(ctxt) -> dict[str, list]:
    """Zone name -> its services, in service order."""
    zones = availability_zones.host_zones()
    by_zone: dict[str, list] = {}
    for svc in objects.ServiceList.get_all(ctxt, None, None):
        by_zone.setdefault(availability_zones.service_zone(svc.binary, svc.host, zones),
                           []).append(svc)
    return by_zone


def _available(services: list) -> bool:
    return any(not svc.disabled for svc in services)


class AvailabilityZoneCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-availability-zone:list")
        internal = CONF.internal_service_availability_zone
        resp.media = {"availabilityZoneInfo": [
            {"zoneName": name, "zoneState": {"available": _available(services)},
             "hosts": None}
            for name, services in sorted(_zones(ctxt).items()) if name != internal]}


class AvailabilityZoneDetail:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-availability-zone:detail")
        info = []
        for name, services in sorted(_zones(ctxt).items()):
            hosts: dict[str, dict] = {}
            for svc in services:
                hosts.setdefault(svc.host, {})[svc.binary] = {
                    "available": svc.is_up(CONF.service_down_time),
                    "active": not svc.disabled,
                    "updated_at": isotime(svc.last_seen_up)}
            available = _available(services)
            info.append({"zoneName": name, "zoneState": {"available": available},
                         "hosts": hosts if available else None})
        resp.media = {"availabilityZoneInfo": info}
