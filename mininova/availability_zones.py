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


def zone_of(host: str | None, zones: dict[str, str] | None = None) -> str:
    """The zone of compute ``host`` (``zones`` from host_zones(), read if not given)."""
    if zones is None:
        zones = host_zones()
    return zones.get(host, CONF.default_availability_zone)


def service_zone(binary: str, host: str, zones: dict[str, str]) -> str:
    if binary != service_obj.COMPUTE:
        return CONF.internal_service_availability_zone
    return zone_of(host, zones)

