"""Hypervisor views (os-hypervisors): a compute node, its service and the allocations
claimed on it (db/allocations.py), at the request's microversion.

2.28 cpu_info is an object (a JSON string before), 2.53 ids are UUIDs (node and service),
2.75 ``servers`` is [] rather than absent when asked for and none run there, 2.88 the
resource and usage fields leave (placement's job in Nova) and show gains ``uptime``.
"""
import json
from urllib import parse

import falcon

from mininova.api import api_version

_NO_USAGE = {"instances": 0, "memory_mb": 0, "vcpus": 0, "disk_gb": 0}


def basic(req: falcon.Request, node, service, is_up: bool,
          servers: list[tuple[str, str]] | None = None) -> dict:
    body = {"id": node.uuid if api_version.at_least(req, "2.53") else node.id,
            "hypervisor_hostname": node.hypervisor_hostname,
            "state": "up" if is_up else "down",
            "status": "disabled" if service is not None and service.disabled else "enabled"}
    if servers or (servers is not None and api_version.at_least(req, "2.75")):
        body["servers"] = [{"uuid": uuid, "name": name} for uuid, name in servers]
    return body


def show(req: falcon.Request, node, service, is_up: bool, usage: dict | None,
         servers: list[tuple[str, str]] | None = None) -> dict:
    body = {
        **basic(req, node, service, is_up, servers),
        "hypervisor_type": node.hypervisor_type,
        "hypervisor_version": node.hypervisor_version,
        "host_ip": node.host_ip,
        "service": {"host": node.host,
                    "id": _service_id(req, service),
                    "disabled_reason": service.disabled_reason if service is not None
                    else None},
    }
    if api_version.below(req, "2.88"):
        body.update(_resources(req, node, usage or _NO_USAGE))
    return body


def _service_id(req: falcon.Request, service):
    if service is None:
        return None
    return service.uuid if api_version.at_least(req, "2.53") else service.id


def _resources(req: falcon.Request, node, usage: dict) -> dict:
    cpu_info = node.cpu_info_dict()
    return {
        "vcpus": node.vcpus,
        "vcpus_used": usage["vcpus"],
        "memory_mb": node.memory_mb,
        "memory_mb_used": usage["memory_mb"],
        "free_ram_mb": node.memory_mb - usage["memory_mb"],
        "local_gb": node.local_gb,
        "local_gb_used": usage["disk_gb"],
        "free_disk_gb": node.local_gb - usage["disk_gb"],
        "disk_available_least": node.local_gb - usage["disk_gb"],
        "running_vms": usage["instances"],
        "current_workload": 0,
        "cpu_info": cpu_info if api_version.at_least(req, "2.28") else json.dumps(cpu_info),
    }


def statistics(nodes: list, usages: dict) -> dict:
    """The sums over every node (GET /os-hypervisors/statistics, below 2.88)."""
    totals = {"count": len(nodes), "vcpus": 0, "vcpus_used": 0, "memory_mb": 0,
              "memory_mb_used": 0, "free_ram_mb": 0, "local_gb": 0, "local_gb_used": 0,
              "free_disk_gb": 0, "disk_available_least": 0, "running_vms": 0,
              "current_workload": 0}
    for node in nodes:
        usage = usages.get(node.host) or _NO_USAGE
        for key, value in (("vcpus", node.vcpus), ("vcpus_used", usage["vcpus"]),
                           ("memory_mb", node.memory_mb),
                           ("memory_mb_used", usage["memory_mb"]),
                           ("free_ram_mb", node.memory_mb - usage["memory_mb"]),
                           ("local_gb", node.local_gb), ("local_gb_used", usage["disk_gb"]),
                           ("free_disk_gb", node.local_gb - usage["disk_gb"]),
                           ("disk_available_least", node.local_gb - usage["disk_gb"]),
                           ("running_vms", usage["instances"])):
            totals[key] += value
    return totals


def next_links(req: falcon.Request, items: list[dict], limit: int | None) -> list[dict]:
    """Nova's ``hypervisors_links``: a "next" link when a page came back full."""
    if limit is None or not items or len(items) < limit:
        return []
    query = {key: value for key, value in req.params.items() if key != "marker"}
    query["marker"] = items[-1]["id"]
    return [{"rel": "next",
             "href": f"{req.prefix}{req.path}?{parse.urlencode(query, doseq=True)}"}]
