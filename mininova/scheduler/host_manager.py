"""HostState: what the scheduler knows of each compute host, built from the
compute_nodes rows, the services rows, and the allocations claimed on each host."""
import contextlib
import dataclasses
import threading
from collections.abc import Iterator

from mininova import availability_zones
from mininova import conf
from mininova import objects
from mininova.db import allocations as db_allocations
from mininova.objects import service as service_obj

CONF = conf.CONF


@dataclasses.dataclass
class HostState:
    host: str
    up: bool
    disabled: bool
    total_vcpus: int
    total_memory_mb: int
    total_disk_gb: int
    used_vcpus: int = 0
    used_memory_mb: int = 0
    used_disk_gb: int = 0
    num_instances: int = 0
    zone: str = ""

    @property
    def free_ram_mb(self) -> float:
        total = self.total_memory_mb * CONF.ram_allocation_ratio
        return total - CONF.reserved_host_memory_mb - self.used_memory_mb

    @property
    def free_vcpus(self) -> float:
        return self.total_vcpus * CONF.cpu_allocation_ratio - self.used_vcpus

    @property
    def free_disk_gb(self) -> float:
        return self.total_disk_gb * CONF.disk_allocation_ratio - self.used_disk_gb

    def limits(self) -> db_allocations.Resources:
        """The most the host's allocations may add up to: capacity times allocation
        ratio, less the reserved memory (what the claim checks, as the filters do)."""
        return db_allocations.Resources(
            vcpus=int(self.total_vcpus * CONF.cpu_allocation_ratio),
            memory_mb=int(self.total_memory_mb * CONF.ram_allocation_ratio
                          - CONF.reserved_host_memory_mb),
            disk_gb=int(self.total_disk_gb * CONF.disk_allocation_ratio))

    def consume(self, instance) -> None:
        wanted = db_allocations.requested(instance)
        self.used_memory_mb += wanted.memory_mb
        self.used_vcpus += wanted.vcpus
        self.used_disk_gb += wanted.disk_gb
        self.num_instances += 1


def get_host_states(context) -> list[HostState]:
    """One HostState per compute host that has reported its resources."""
    services = {svc.host: svc for svc in objects.ServiceList.get_all(
        context, service_obj.COMPUTE)}
    usage = db_allocations.usage_by_host()
    zones = availability_zones.host_zones()
    states = []
    for node in objects.ComputeNodeList.get_all(context):
        svc = services.get(node.host)
        used = usage.get(node.host, {})
        states.append(HostState(
            host=node.host,
            up=svc is not None and svc.is_up(CONF.service_down_time),
            disabled=svc is None or svc.disabled,
            total_vcpus=node.vcpus, total_memory_mb=node.memory_mb,
            total_disk_gb=node.local_gb,
            used_vcpus=used.get("vcpus", 0), used_memory_mb=used.get("memory_mb", 0),
            used_disk_gb=used.get("disk_gb", 0), num_instances=used.get("instances", 0),
            zone=availability_zones.zone_of(node.host, zones)))
    return states


class ClaimsInFlight:
    """The claims this scheduler has decided on and not yet committed, per host.

    Concurrent decisions read the same usage from the database, so without this a burst
    of builds would all weigh the same host best and queue on its claim lock one after
    the other. Weighed as if made already (Nova's HostState.consume_from_request), they
    spread over the hosts instead. Weighing only: the filters and the claim itself read
    the database, so a count here can reorder hosts but never refuses one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_host: dict[str, tuple[db_allocations.Resources, int]] = {}

    def weighed(self, hosts: list[HostState]) -> list[HostState]:
        """Copies of ``hosts`` that count this scheduler's claims in flight as used."""
        with self._lock:
            pending = dict(self._by_host)
        result = []
        for host in hosts:
            if host.host not in pending:
                result.append(host)
                continue
            amount, count = pending[host.host]
            result.append(dataclasses.replace(
                host, used_vcpus=host.used_vcpus + amount.vcpus,
                used_memory_mb=host.used_memory_mb + amount.memory_mb,
                used_disk_gb=host.used_disk_gb + amount.disk_gb,
                num_instances=host.num_instances + count))
        return result

    @contextlib.contextmanager
    def claiming(self, host: str, wanted: db_allocations.Resources) -> Iterator[None]:
        """Count ``wanted`` on ``host`` while its claim runs (committed or not after)."""
        self._add(host, wanted, 1)
        try:
            yield
        finally:
            self._add(host, db_allocations.Resources(*(-v for v in wanted)), -1)

    def _add(self, host: str, amount: db_allocations.Resources, count: int) -> None:
        with self._lock:
            held, held_count = self._by_host.get(host, (db_allocations.Resources(0, 0, 0), 0))
            held_count += count
            if held_count:
                self._by_host[host] = (db_allocations.Resources(
                    *(a + b for a, b in zip(held, amount, strict=True))), held_count)
            else:
                self._by_host.pop(host, None)
