"""Availability zones: a compute host's zone is the availability_zone metadata of its
aggregates, else [DEFAULT] default_availability_zone; other services (conductor,
scheduler) are in the internal zone. Only the API and scheduler (database holders) ask."""
from mininova import conf
from mininova.db import aggregates as db_aggregates

CONF = conf.CONF
COMPUTE_BINARY = "nova-compute"


def host_zones() -> dict[str, str]:
    """The zones aggregates give hosts; look a host up with ``zone_of``."""
    return db_aggregates.host_zones()


def zone_of(host: str | None, zones: dict[str, str] | None = None) -> str:
    """The zone of compute ``host`` (``zones`` from host_zones(), read if not given)."""
    if zones is None:
        zones = host_zones()
    return zones.get(host, CONF.default_availability_zone)


def service_zone(binary: str, host: str, zones: dict[str, str]) -> str:
    if binary != COMPUTE_BINARY:
        return CONF.internal_service_availability_zone
    return zone_of(host, zones)


def zone_exists(name: str, compute_hosts: list[str]) -> bool:
    """Whether ``name`` is a zone some compute host of ``compute_hosts`` is in, or one an
    aggregate names."""
    zones = host_zones()
    return (name in db_aggregates.zone_names()
            or any(zone_of(h, zones) == name for h in compute_hosts))
