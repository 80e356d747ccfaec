"""What a driver reports of one guest for GET /servers/{id}/diagnostics.

The fields are Nova's 2.48 diagnostics model; the device names, the maximum memory in KiB
and the raw memory statistics are kept too, because the older (below 2.48) answer is the
libvirt driver's flat dict built from them (api/views/server_diagnostics.py). The manager
sends ``dataclasses.asdict()`` of it over RPC.
"""
import dataclasses


@dataclasses.dataclass
class CpuDiagnostics:
    id: int | None = None
    time: int | None = None  # NOTE: nanoseconds, as libvirt counts them.
    utilisation: int | None = None


@dataclasses.dataclass
class NicDiagnostics:
    name: str = ""
    mac_address: str | None = None
    rx_octets: int | None = None
    rx_errors: int | None = None
    rx_drop: int | None = None
    rx_packets: int | None = None
    rx_rate: int | None = None
    tx_octets: int | None = None
    tx_errors: int | None = None
    tx_drop: int | None = None
    tx_packets: int | None = None
    tx_rate: int | None = None


@dataclasses.dataclass
class DiskDiagnostics:
    name: str = ""
    read_bytes: int | None = None
    read_requests: int | None = None
    write_bytes: int | None = None
    write_requests: int | None = None
    errors_count: int | None = None


@dataclasses.dataclass
class Diagnostics:
    """``state`` is Nova's name of the power state (running, paused, shutdown, ...);
    memory in MiB, ``uptime`` in seconds."""

    state: str
    driver: str
    hypervisor: str | None = None
    hypervisor_os: str | None = None
    uptime: int | None = None
    config_drive: bool = False
    memory_max_mb: int | None = None
    memory_used_mb: int | None = None
    memory_max_kb: int | None = None
    memory_stats: dict = dataclasses.field(default_factory=dict)
    cpu_details: list[CpuDiagnostics] = dataclasses.field(default_factory=list)
    nic_details: list[NicDiagnostics] = dataclasses.field(default_factory=list)
    disk_details: list[DiskDiagnostics] = dataclasses.field(default_factory=list)
