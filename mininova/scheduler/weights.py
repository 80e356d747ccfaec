"""Weighers: order the hosts that passed the filters; the heaviest wins."""
from mininova.scheduler.host_manager import HostState


def ram_weight(host: HostState) -> float:
    """Most free RAM first; with equal RAM, the host with fewer instances (spread)."""
    return host.free_ram_mb - host.num_instances * 1e-3


def sort_hosts(hosts: list[HostState], ram_multiplier: float) -> list[HostState]:
    return sorted(hosts, key=lambda h: ram_multiplier * ram_weight(h), reverse=True)
