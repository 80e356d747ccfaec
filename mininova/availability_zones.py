"""Availability zones: a compute host's zone is the availability_zone metadata of its
aggregates, else [DEFAULT] default_availability_zone; other services (conductor,
scheduler) are in the internal zone. Only the API and scheduler (database holders) ask."""
from mininova import conf
from mininova.db import aggregates as db_aggregates
from mininova.objects import service as service_obj

CONF = conf.CONF


def host_zones() -> dict[str, str]:
    """The zones aggregates give hosts; look a host up with ``zone_of``."""
    return db_aggregates.host_zones()


def zone_of(host: str | None, zones: dict[str, str] | None = None,
            default: str | None = None) -> str:
    """The zone of compute ``host`` (``zones`` from host_zones(), read if not given;
    ``default``, the configured default zone, is for a caller asking for many hosts)."""
    if zones is None:
        zones = host_zones()
    zone = zones.get(host)
    if zone is not None:
        return zone
    return default if default is not None else CONF.default_availability_zone


def service_zone(binary: str, host: str, zones: dict[str, str]) -> str:
    if binary != service_obj.COMPUTE:
        return CONF.internal_service_availability_zone
    return zone_of(host, zones)

