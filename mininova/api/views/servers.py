"""Server views: status from vm_state/task_state, and Nova's field names."""
import hashlib

from mininova.api.views import isotime
from mininova.api.views import links
from mininova.api.views import usage_time
from mininova.compute import task_states
from mininova.compute import vm_states

# Nova's API status: the vm_state's default, unless the task overrides it.
_STATUS = {
    vm_states.ACTIVE: {"default": "ACTIVE", task_states.REBOOTING: "REBOOT",
                       task_states.REBOOTING_HARD: "HARD_REBOOT"},
    vm_states.BUILDING: {"default": "BUILD"},
    vm_states.STOPPED: {"default": "SHUTOFF", task_states.REBOOTING_HARD: "HARD_REBOOT"},
    vm_states.ERROR: {"default": "ERROR", task_states.REBOOTING_HARD: "HARD_REBOOT"},
    vm_states.DELETED: {"default": "DELETED"},
}

# API status -> vm_state, for the ?status= filter.
STATUS_TO_VM_STATE = {"ACTIVE": vm_states.ACTIVE, "BUILD": vm_states.BUILDING,
                      "SHUTOFF": vm_states.STOPPED, "ERROR": vm_states.ERROR}


def status(vm_state: str, task_state: str | None) -> str:
    by_task = _STATUS.get(vm_state, {"default": "UNKNOWN"})
    return by_task.get(task_state, by_task["default"])


def basic(base_url: str, instance) -> dict:
    return {"id": instance.uuid, "name": instance.display_name,
            "links": links(base_url, "servers", instance.uuid)}


def show(base_url: str, instance, fault=None, host_fields: bool = False) -> dict:
    """The full server; ``host_fields`` adds OS-EXT-SRV-ATTR:* (admin by policy)."""
    host_id = ""
    if instance.host:
        host_id = hashlib.sha224((instance.project_id + instance.host).encode()).hexdigest()
    server = {
        **basic(base_url, instance),
        "status": status(instance.vm_state, instance.task_state),
        "tenant_id": instance.project_id,
        "user_id": instance.user_id,
        "metadata": {},
        "hostId": host_id,
        "image": {"id": instance.image_ref,
                  "links": [{"rel": "bookmark",
                             "href": f"{base_url}/images/{instance.image_ref}"}]},
        "flavor": {"id": instance.flavor_id,
                   "links": [{"rel": "bookmark",
                              "href": f"{base_url}/flavors/{instance.flavor_id}"}]},
        "created": isotime(instance.created_at),
        "updated": isotime(instance.updated_at or instance.created_at),
        "addresses": {},
        "accessIPv4": "",
        "accessIPv6": "",
        "progress": 0,
        "key_name": None,
        "config_drive": "",
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "nova" if instance.host else "",
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:power_state": instance.power_state,
        "OS-SRV-USG:launched_at": usage_time(instance.launched_at),
        "OS-SRV-USG:terminated_at": usage_time(instance.terminated_at),
        "os-extended-volumes:volumes_attached": [],
    }
    if host_fields:
        server["OS-EXT-SRV-ATTR:host"] = instance.host
        server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.node
        server["OS-EXT-SRV-ATTR:instance_name"] = instance.name
    if fault is not None and instance.vm_state == vm_states.ERROR:
        server["fault"] = {"code": fault.code, "message": fault.message,
                           "created": isotime(fault.created_at)}
        if host_fields or fault.code != 500:
            server["fault"]["details"] = fault.details or ""
    return server
