"""Service views (os-services): id is the integer row id below 2.53, the UUID from 2.53;
forced_down appears at 2.11."""
import falcon

from mininova import availability_zones
from mininova import conf
from mininova.api import api_version
from mininova.api.views import isotime

CONF = conf.CONF


def show(req: falcon.Request, svc, zones: dict[str, str] | None = None) -> dict:
    """``zones``: availability_zones.host_zones(), read here when not given."""
    body = {
        "id": svc.uuid if api_version.at_least(req, "2.53") else svc.id,
        "binary": svc.binary, "host": svc.host,
        "zone": availability_zones.service_zone(
            svc.binary, svc.host, availability_zones.host_zones() if zones is None else zones),
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up" if svc.is_up(CONF.service_down_time) else "down",
        "updated_at": isotime(svc.last_seen_up),
        "disabled_reason": svc.disabled_reason,
    }
    if api_version.at_least(req, "2.11"):
        body["forced_down"] = svc.forced_down
    return body
