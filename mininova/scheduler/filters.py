"""Host filters: each says whether a host can take the instance, and why not."""
from mininova.db import allocations as db_allocations
from mininova.scheduler.host_manager import HostState


class BaseFilter:
    """``host_passes`` returns True, or False after setting ``self.reason``."""

    reason = ""

    def host_passes(self, host: HostState, instance) -> bool:
        raise NotImplementedError


class AvailabilityZoneFilter(BaseFilter):
    """Only hosts in the zone the user asked for at create, if any."""

    reason = "not in the requested availability zone"

    def host_passes(self, host: HostState, instance) -> bool:
        try:
            wanted = instance.availability_zone
        except (AttributeError, NotImplementedError):
            wanted = None
        return not wanted or host.zone == wanted


class ComputeFilter(BaseFilter):
    reason = "compute service is down or disabled"

    def host_passes(self, host: HostState, instance) -> bool:
        return host.up and not host.disabled


class RamFilter(BaseFilter):
    reason = "not enough free RAM"

    def host_passes(self, host: HostState, instance) -> bool:
        return host.free_ram_mb >= instance.memory_mb


class CoreFilter(BaseFilter):
    reason = "not enough free vCPUs"

    def host_passes(self, host: HostState, instance) -> bool:
        return host.free_vcpus >= instance.vcpus


class DiskFilter(BaseFilter):
    reason = "not enough free disk"

    def host_passes(self, host: HostState, instance) -> bool:
        return host.free_disk_gb >= db_allocations.requested(instance).disk_gb


ALL_FILTERS = {cls.__name__: cls for cls in (AvailabilityZoneFilter, ComputeFilter, RamFilter,
                                             CoreFilter, DiskFilter)}


def load_filters(names: list[str]) -> list[BaseFilter]:
    """Instantiate the filters named in ``[filter_scheduler] enabled_filters``."""
    unknown = [name for name in names if name not in ALL_FILTERS]
    if unknown:
        raise ValueError(f"Unknown scheduler filters: {', '.join(unknown)}")
    return [ALL_FILTERS[name]() for name in names]
