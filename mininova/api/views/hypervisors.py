"""Hypervisor views (os-hypervisors at microversion 2.1): a compute node, its service and
what live instances claim of it."""
import json

_NO_USAGE = {"instances": 0, "memory_mb": 0, "vcpus": 0, "root_gb": 0}


def basic(node, service, is_up: bool) -> dict:
    return {"id": node.id, "hypervisor_hostname": node.hypervisor_hostname,
            "state": "up" if is_up else "down",
            "status": "disabled" if service is not None and service.disabled else "enabled"}


def show(node, service, is_up: bool, usage: dict | None) -> dict:
    usage = usage or _NO_USAGE
    return {
        **basic(node, service, is_up),
        "hypervisor_type": node.hypervisor_type,
        "hypervisor_version": node.hypervisor_version,
        "host_ip": None,
        "vcpus": node.vcpus,
        "vcpus_used": usage["vcpus"],
        "memory_mb": node.memory_mb,
        "memory_mb_used": usage["memory_mb"],
        "free_ram_mb": node.memory_mb - usage["memory_mb"],
        "local_gb": node.local_gb,
        "local_gb_used": usage["root_gb"],
        "free_disk_gb": node.local_gb - usage["root_gb"],
        "disk_available_least": node.local_gb - usage["root_gb"],
        "running_vms": usage["instances"],
        "current_workload": 0,
        "cpu_info": json.dumps({}),
        "service": {"host": node.host,
                    "id": service.id if service is not None else None,
                    "disabled_reason": service.disabled_reason if service is not None
                    else None},
    }
