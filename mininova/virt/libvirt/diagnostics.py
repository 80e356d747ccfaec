"""Read one libvirt guest's diagnostics: domain info, per-vCPU times, memory statistics,
and the block and interface counters of the devices its XML names.

Each reading the hypervisor does not offer (the test driver has no balloon statistics, a
QEMU guest may refuse a counter) becomes None or is left out rather than failing the
whole answer, as Nova's libvirt driver does.
"""
from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import libvirt
from oslo_log import log as logging

from mininova.compute import power_state
from mininova.virt import diagnostics as diag
from mininova.virt.libvirt import host as libvirt_host

LOG = logging.getLogger(__name__)


def _optional(read, *args) -> Any:
    try:
        return read(*args)
    except libvirt.libvirtError as exc:
        LOG.debug("Diagnostics reading %s%s not offered: %s", read.__name__, args, exc)
        return None


def _uptime(launched_at: datetime.datetime | None) -> int | None:
    if launched_at is None:
        return None
    if launched_at.tzinfo is None:
        launched_at = launched_at.replace(tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    return max(0, int((now - launched_at).total_seconds()))


def _cpus(domain: libvirt.virDomain, num_cpu: int) -> list[diag.CpuDiagnostics]:
    vcpus = _optional(domain.vcpus)
    if not vcpus:
        return [diag.CpuDiagnostics(id=number) for number in range(num_cpu)]
    return [diag.CpuDiagnostics(id=number, time=cpu_time)
            for number, _state, cpu_time, _host_cpu in vcpus[0]]


def _disks(domain: libvirt.virDomain, tree: ET.Element) -> list[diag.DiskDiagnostics]:
    disks = []
    for target in tree.findall("./devices/disk/target"):
        name = target.get("dev")
        stats = _optional(domain.blockStats, name) or (None,) * 5
        rd_req, rd_bytes, wr_req, wr_bytes, errors = stats
        disks.append(diag.DiskDiagnostics(name=name, read_bytes=rd_bytes,
                                          read_requests=rd_req, write_bytes=wr_bytes,
                                          write_requests=wr_req, errors_count=errors))
    return disks


def _nics(domain: libvirt.virDomain, tree: ET.Element) -> list[diag.NicDiagnostics]:
    nics = []
    for interface in tree.findall("./devices/interface"):
        target, mac = interface.find("target"), interface.find("mac")
        name = target.get("dev") if target is not None else None
        stats = (_optional(domain.interfaceStats, name) if name else None) or (None,) * 8
        rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop = stats
        nics.append(diag.NicDiagnostics(
            name=name or "", mac_address=mac.get("address") if mac is not None else None,
            rx_octets=rx_bytes, rx_errors=rx_errs, rx_drop=rx_drop, rx_packets=rx_packets,
            tx_octets=tx_bytes, tx_errors=tx_errs, tx_drop=tx_drop, tx_packets=tx_packets))
    return nics


def read(domain: libvirt.virDomain, hypervisor: str,
         launched_at: datetime.datetime | None) -> diag.Diagnostics:
    """The diagnostics of ``domain`` (libvirt errors of the required readings propagate)."""
    state, max_mem_kb, mem_kb, num_cpu, _cpu_time = domain.info()
    tree = ET.fromstring(domain.XMLDesc(0))
    return diag.Diagnostics(
        state=power_state.STATE_MAP.get(libvirt_host.to_power_state(state), "pending"),
        driver="libvirt", hypervisor=hypervisor, hypervisor_os="linux",
        uptime=_uptime(launched_at), config_drive=False,
        memory_max_mb=max_mem_kb // 1024, memory_used_mb=mem_kb // 1024,
        memory_max_kb=max_mem_kb, memory_stats=dict(_optional(domain.memoryStats) or {}),
        cpu_details=_cpus(domain, num_cpu), disk_details=_disks(domain, tree),
        nic_details=_nics(domain, tree))
