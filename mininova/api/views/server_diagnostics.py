"""Diagnostics views: Nova's 2.48 body, and the libvirt driver's flat dict below 2.48.

Both are built from the compute's reading (virt/diagnostics.py, as a dict).
"""

_CPU = ("id", "time", "utilisation")
_NIC = ("mac_address", "rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate",
        "tx_octets", "tx_errors", "tx_drop", "tx_packets", "tx_rate")
_DISK = ("read_bytes", "read_requests", "write_bytes", "write_requests", "errors_count")

# Legacy key suffix -> reading, as Nova's libvirt get_diagnostics names them.
_LEGACY_DISK = (("_read_req", "read_requests"), ("_read", "read_bytes"),
                ("_write_req", "write_requests"), ("_write", "write_bytes"),
                ("_errors", "errors_count"))
_LEGACY_NIC = (("_rx", "rx_octets"), ("_rx_packets", "rx_packets"),
               ("_rx_errors", "rx_errors"), ("_rx_drop", "rx_drop"), ("_tx", "tx_octets"),
               ("_tx_packets", "tx_packets"), ("_tx_errors", "tx_errors"),
               ("_tx_drop", "tx_drop"))


def show(diag: dict) -> dict:
    """GET /servers/{id}/diagnostics from 2.48."""
    return {
        "state": diag["state"],
        "driver": diag["driver"],
        "hypervisor": diag["hypervisor"],
        "hypervisor_os": diag["hypervisor_os"],
        "uptime": diag["uptime"],
        "config_drive": diag["config_drive"],
        "num_cpus": len(diag["cpu_details"]),
        "num_disks": len(diag["disk_details"]),
        "num_nics": len(diag["nic_details"]),
        "memory_details": {"maximum": diag["memory_max_mb"], "used": diag["memory_used_mb"]},
        "cpu_details": [{key: cpu[key] for key in _CPU} for cpu in diag["cpu_details"]],
        "nic_details": [{key: nic[key] for key in _NIC} for nic in diag["nic_details"]],
        "disk_details": [{key: disk[key] for key in _DISK} for disk in diag["disk_details"]],
    }


def legacy(diag: dict) -> dict:
    """Below 2.48: ``cpu0_time``, ``vda_read``, ``vnet0_rx``, ``memory`` (KiB),
    ``memory-<stat>`` ... (readings the hypervisor did not offer are left out)."""
    body = {f"cpu{cpu['id']}_time": cpu["time"] for cpu in diag["cpu_details"]
            if cpu["time"] is not None}
    for disk in diag["disk_details"]:
        body.update({disk["name"] + suffix: disk[key] for suffix, key in _LEGACY_DISK
                     if disk[key] is not None})
    body["memory"] = diag["memory_max_kb"]
    for nic in diag["nic_details"]:
        body.update({nic["name"] + suffix: nic[key] for suffix, key in _LEGACY_NIC
                     if nic[key] is not None})
    body.update({f"memory-{key}": value for key, value in diag["memory_stats"].items()})
    return body
