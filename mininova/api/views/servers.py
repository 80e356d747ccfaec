"""Server views: status from vm_state/task_state, Nova's field names, and what each
microversion from 2.1 to 2.100 adds to a server.

A view needs a few things besides the instance (faults, tags, host statuses, images,
and the policy answers); the resource fetches them once per request into ``Extras``.
"""
import dataclasses
import hashlib
import re
import secrets
import string

import falcon

from mininova import availability_zones
from mininova.api import api_version
from mininova.api.views import addresses
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
    vm_states.RESIZED: {"default": "VERIFY_RESIZE",
                        task_states.RESIZE_REVERTING: "REVERT_RESIZE"},
}
# A rebuild shows REBUILD from whichever state it started in.
_REBUILD = {task_states.REBUILDING: "REBUILD", task_states.REBUILD_SPAWNING: "REBUILD"}
_STATUS[vm_states.ACTIVE].update(_REBUILD)
_STATUS[vm_states.STOPPED].update(_REBUILD)
_STATUS[vm_states.ERROR].update(_REBUILD)
# A resize or cold migration shows RESIZE until it waits for confirmation.
_RESIZE = {task: "RESIZE" for task in (task_states.RESIZE_PREP, task_states.RESIZE_MIGRATING,
                                       task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH)}
_STATUS[vm_states.ACTIVE].update(_RESIZE)
_STATUS[vm_states.STOPPED].update(_RESIZE)
_STATUS[vm_states.ACTIVE][task_states.MIGRATING] = "MIGRATING"

# API status -> vm_state, for the ?status= filter.
STATUS_TO_VM_STATE = {"ACTIVE": vm_states.ACTIVE, "BUILD": vm_states.BUILDING,
                      "SHUTOFF": vm_states.STOPPED, "ERROR": vm_states.ERROR,
                      "VERIFY_RESIZE": vm_states.RESIZED}

# Image properties a server shows (2.98): Nova's key shape, string values.
_IMAGE_PROPERTY_KEY = re.compile(r"^[a-zA-Z0-9_:. ]{1,255}$")

@dataclasses.dataclass
class Extras:
    """What the views of one request need beyond the instances themselves.

    ``host_status`` is None when the caller may not see it, and ``host_status_unknown_only``
    shows it only when it is UNKNOWN (Nova's two host_status policies).
    """

    faults: dict = dataclasses.field(default_factory=dict)
    tags: dict = dataclasses.field(default_factory=dict)
    metadata: dict = dataclasses.field(default_factory=dict)
    # NOTE: image id -> image_properties() (2.98).
    images: dict = dataclasses.field(default_factory=dict)
    host_status: dict | None = None
    host_status_unknown_only: bool = False
    extended_attrs: bool = False
    extra_specs: bool = False
    # NOTE: availability_zones.host_zones(): the zones aggregates put hosts in, and the
    # zone of the others, read once for a listing.
    zones: dict = dataclasses.field(default_factory=dict)
    default_zone: str | None = None


def status(vm_state: str, task_state: str | None) -> str:
    by_task = _STATUS.get(vm_state, {"default": "UNKNOWN"})
    return by_task.get(task_state, by_task["default"])


# The instance fields basic() reads: all a brief list loads (GET /servers).
BASIC_FIELDS = ("uuid", "display_name")


def basic(base_url: str, instance) -> dict:
    return {"id": instance.uuid, "name": instance.display_name,
            "links": links(base_url, "servers", instance.uuid)}


def create(base_url: str, instance, admin_password: str | None = None,
           with_password: bool = True) -> dict:
    """The 202 answer to POST /servers. ``with_password`` (Nova's
    ``[api] enable_instance_password``) adds adminPass: the one asked for, else a
    generated one.

    NOTE: the password is not stored: mininova has no guest agent to set it with.
    """
    server = {"id": instance.uuid, "links": links(base_url, "servers", instance.uuid),
              "OS-DCF:diskConfig": disk_config(instance)}
    if with_password:
        server["adminPass"] = admin_password if admin_password is not None else password()
    return server


def disk_config(instance) -> str:
    """OS-DCF:diskConfig as the server was created or rebuilt with it."""
    return "AUTO" if instance.auto_disk_config else "MANUAL"


def password(length: int = 12) -> str:
    """A generated adminPass (create and rebuild), as Nova makes one."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def show(req: falcon.Request, instance, extras: Extras, full: bool = True,
         server_groups: bool = False) -> dict:
    """The server at the request's microversion.

    ``full=False`` is Nova's PUT and rebuild response below 2.75 (no OS-EXT-*,
    OS-SRV-USG, key_name, config_drive nor volumes, and plain addresses);
    ``server_groups`` adds that list (2.71, in show and update, not in lists).
    """
    server = _common(req, instance, extras)
    if full:
        server.update(_full(req, instance, extras))
    else:
        server["addresses"] = addresses.index(instance.network_info)
    if api_version.at_least(req, "2.9"):
        server["locked"] = bool(instance.locked)
    if api_version.at_least(req, "2.73"):
        server["locked_reason"] = instance.locked_reason
    if api_version.at_least(req, "2.19"):
        server["description"] = instance.description
    if api_version.at_least(req, "2.26"):
        server["tags"] = extras.tags.get(instance.uuid, [])
    if api_version.at_least(req, "2.63"):
        server["trusted_image_certificates"] = None
    if api_version.at_least(req, "2.90") and "OS-EXT-SRV-ATTR:hostname" not in server:
        server["OS-EXT-SRV-ATTR:hostname"] = _hostname(instance)
    if server_groups and api_version.at_least(req, "2.71"):
        server["server_groups"] = []
    if api_version.at_least(req, "2.96"):
        server["pinned_availability_zone"] = instance.availability_zone
    if api_version.at_least(req, "2.100"):
        server["scheduler_hints"] = instance.scheduler_hints or {}
    return server


def _common(req: falcon.Request, instance, extras: Extras) -> dict:
    base_url = req.prefix
    host_id = ""
    if instance.host:
        host_id = hashlib.sha224((instance.project_id + instance.host).encode()).hexdigest()
    server = {
        **basic(base_url, instance),
        "status": status(instance.vm_state, instance.task_state),
        "tenant_id": instance.project_id,
        "user_id": instance.user_id,
        "metadata": extras.metadata.get(instance.uuid, {}),
        "hostId": host_id,
        "image": _image(req, instance, extras),
        "flavor": _flavor(req, instance, extras),
        "created": isotime(instance.created_at),
        "updated": isotime(instance.updated_at or instance.created_at),
        "addresses": addresses.index(instance.network_info, extended=True),
        "accessIPv4": instance.access_ip_v4 or "",
        "accessIPv6": instance.access_ip_v6 or "",
        "progress": 0,
        "OS-DCF:diskConfig": disk_config(instance),
    }
    fault = extras.faults.get(instance.uuid)
    if fault is not None and instance.vm_state == vm_states.ERROR:
        server["fault"] = {"code": fault.code, "message": fault.message,
                           "created": isotime(fault.created_at)}
        if extras.extended_attrs or fault.code != 500:
            server["fault"]["details"] = fault.details or ""
    return server


def _full(req: falcon.Request, instance, extras: Extras) -> dict:
    """The fields GET shows and PUT (below 2.75) does not."""
    server = {
        "key_name": instance.key_name,
        # NOTE: Nova's column is a string: "True" for a config drive, "" without.
        "config_drive": "True" if instance.config_drive else "",
        "OS-EXT-AZ:availability_zone": (
            availability_zones.zone_of(instance.host, extras.zones, extras.default_zone)
            if instance.host else ""),
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:power_state": instance.power_state,
        "OS-SRV-USG:launched_at": usage_time(instance.launched_at),
        "OS-SRV-USG:terminated_at": usage_time(instance.terminated_at),
        "os-extended-volumes:volumes_attached": [],
    }
    if instance.network_info:
        # NOTE: every port is in its project's default group (api/network_v2.py).
        server["security_groups"] = [{"name": "default"}]
    if extras.extended_attrs:
        server["OS-EXT-SRV-ATTR:host"] = instance.host
        server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.node
        server["OS-EXT-SRV-ATTR:instance_name"] = instance.name
        if api_version.at_least(req, "2.3"):
            server.update({
                "OS-EXT-SRV-ATTR:reservation_id": instance.reservation_id,
                "OS-EXT-SRV-ATTR:launch_index": instance.launch_index,
                "OS-EXT-SRV-ATTR:hostname": _hostname(instance),
                "OS-EXT-SRV-ATTR:kernel_id": instance.kernel_id or "",
                "OS-EXT-SRV-ATTR:ramdisk_id": instance.ramdisk_id or "",
                "OS-EXT-SRV-ATTR:root_device_name": instance.root_device_name,
                "OS-EXT-SRV-ATTR:user_data": instance.user_data,
            })
    if api_version.at_least(req, "2.16") and extras.host_status is not None:
        host_status = extras.host_status.get(instance.uuid, "")
        if not extras.host_status_unknown_only or host_status == "UNKNOWN":
            server["host_status"] = host_status
    return server


def _hostname(instance) -> str:
    # NOTE: servers created before migration 0005 have no stored hostname.
    return instance.hostname or ""


def _image(req: falcon.Request, instance, extras: Extras) -> dict | str:
    if not instance.image_ref:
        return ""
    image = {"id": instance.image_ref,
             "links": [{"rel": "bookmark",
                        "href": f"{req.prefix}/images/{instance.image_ref}"}]}
    if api_version.at_least(req, "2.98"):
        image["properties"] = extras.images.get(instance.image_ref, {})
    return image


def image_properties(record) -> dict:
    """The properties a server shows of its image (2.98; none for a deleted image):
    made once per image for a listing, not once per server."""
    if record is None:
        return {}
    return {key: value for key, value in record.properties.items()
            if _IMAGE_PROPERTY_KEY.match(key) and (value is None or len(value) <= 255)}


def _flavor(req: falcon.Request, instance, extras: Extras) -> dict:
    """A link to the flavor below 2.47; from 2.47 the sizes the server was built with."""
    if api_version.below(req, "2.47"):
        return {"id": instance.flavor_id,
                "links": [{"rel": "bookmark",
                           "href": f"{req.prefix}/flavors/{instance.flavor_id}"}]}
    flavor = {"vcpus": instance.vcpus, "ram": instance.memory_mb, "disk": instance.root_gb,
              "ephemeral": instance.ephemeral_gb, "swap": instance.swap,
              "original_name": instance.flavor_name}
    if extras.extra_specs:
        # NOTE: the copy taken at create, as Nova's flavor snapshot in the instance.
        flavor["extra_specs"] = dict(instance.flavor_extra_specs)
    return flavor
