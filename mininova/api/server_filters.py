"""GET /servers and /servers/detail query parameters: which a caller may use at which
microversion, and the database filters they become.

As in Nova, an admin may filter on everything; other callers only on the parameters
their microversion opens to them, the rest being silently dropped. From 2.75 a
parameter that is no filter at all is a 400.
"""
import re

import falcon
from oslo_utils import strutils
from oslo_utils import timeutils

from mininova import availability_zones
from mininova import exception
from mininova.api import api_version
from mininova.api.views import servers as views
from mininova.db import services as db_services
from mininova.objects import service as service_obj

# Paging and sorting: never filters, always allowed.
PAGING = ("limit", "marker", "sort_key", "sort_dir", "all_tenants")

# parameter -> (kind, database key, microversion from which non-admins may use it;
# None: admins only). Kinds: "exact" column, "regex" on a column, "int" column,
# "none" (mininova has no such data: matches nothing), "ignored", "ip" (a regular
# expression an address of the server matches from its start), and the special ones
# handled in _apply() by name. ``deleted=true`` (admins) lists deleted servers only.
FILTERS = {
    "name": ("regex", "display_name", "2.1"),
    "status": ("status", "vm_state", "2.1"),
    "image": ("exact", "image_ref", "2.1"),
    "flavor": ("exact", "flavor_id", "2.1"),
    "reservation_id": ("exact", "reservation_id", "2.1"),
    "changes-since": ("time", "changes_since", "2.1"),
    "ip": ("ip", "ip", "2.1"),
    # NOTE: the flat network is IPv4 only: no server has an IPv6 address to match.
    "ip6": ("none", None, "2.5"),
    "tags": ("tags", "tags", "2.26"),
    "tags-any": ("tags", "tags_any", "2.26"),
    "not-tags": ("tags", "not_tags", "2.26"),
    "not-tags-any": ("tags", "not_tags_any", "2.26"),
    "changes-before": ("time", "changes_before", "2.66"),
    "locked": ("bool", "locked", "2.73"),
    "availability_zone": ("zone", "host", "2.83"),
    "config_drive": ("none", None, "2.83"),
    "key_name": ("exact", "key_name", "2.83"),
    "created_at": ("regex", "created_at", "2.83"),
    "launched_at": ("regex", "launched_at", "2.83"),
    "terminated_at": ("regex", "terminated_at", "2.83"),
    "power_state": ("int", "power_state", "2.83"),
    "task_state": ("exact", "task_state", "2.83"),
    "vm_state": ("exact", "vm_state", "2.83"),
    "progress": ("progress", None, "2.83"),
    "user_id": ("exact", "user_id", "2.83"),
    "hostname": ("regex", "hostname", "2.90"),
    "host": ("exact", "host", None),
    "node": ("exact", "node", None),
    "project_id": ("exact", "project_id", None),
    "tenant_id": ("exact", "project_id", None),
    "uuid": ("exact", "uuid", None),
    "image_ref": ("exact", "image_ref", None),
    "display_name": ("regex", "display_name", None),
    "description": ("regex", "description", None),
    "display_description": ("regex", "description", None),
    "launch_index": ("int", "launch_index", None),
    "kernel_id": ("exact", "kernel_id", None),
    "ramdisk_id": ("exact", "ramdisk_id", None),
    "root_device_name": ("exact", "root_device_name", None),
    "locked_by": ("exact", "locked_by", None),
    "deleted": ("bool", "deleted", None),
    "access_ip_v4": ("regex", "access_ip_v4", None),
    "access_ip_v6": ("regex", "access_ip_v6", None),
    # NOTE: Nova accepts these and ignores them (joined tables, soft delete, disk config).
    "soft_deleted": ("ignored", None, None),
    "auto_disk_config": ("ignored", None, None),
    "block_device_mapping": ("ignored", None, None),
    "services": ("ignored", None, None),
    "metadata": ("ignored", None, None),
    "pci_devices": ("ignored", None, None),
    "security_groups": ("ignored", None, None),
    "info_cache": ("ignored", None, None),
}

class MatchesNothing(Exception):
    """A filter no server can pass (an unknown status, an address with no networks)."""


def check_known(req: falcon.Request) -> None:
    """From 2.75, a parameter that is neither a filter nor paging is a 400."""
    if api_version.below(req, "2.75"):
        return
    unknown = sorted(set(req.params) - set(FILTERS) - set(PAGING))
    if unknown:
        raise exception.ValidationError(
            field="query", value=", ".join(unknown),
            reason=f"Additional properties are not allowed ({', '.join(map(repr, unknown))} "
                   f"{'was' if len(unknown) == 1 else 'were'} unexpected)")


def filters(req: falcon.Request, ctxt) -> dict:
    """The database filters of the request's query; raises MatchesNothing."""
    admin = ctxt.can("os_compute_api:servers:index:get_all_tenants", fatal=False)
    result: dict = {}
    for param, (kind, key, since) in FILTERS.items():
        value = req.get_param(param)
        if not value:
            continue
        if not admin and (since is None or api_version.below(req, since)):
            continue
        _apply(result, kind, key, param, value)
    if (result.get("changes_since") and result.get("changes_before")
            and result["changes_since"] > result["changes_before"]):
        raise exception.Invalid(message="The value of changes-since must be less than or "
                                        "equal to changes-before.")
    if req.get_param_as_bool("all_tenants", blank_as_true=True):
        # NOTE: as in Nova, asking for every project without the right is a 403, not
        # a quiet fallback to one's own project.
        ctxt.can("os_compute_api:servers:index:get_all_tenants")
        result["all_tenants"] = True
    return result


def _apply(result: dict, kind: str, key: str | None, param: str, value: str) -> None:
    if kind == "ignored":
        return
    if kind == "none":
        raise MatchesNothing()
    if kind == "progress":
        if value != "0":
            raise MatchesNothing()
    elif kind == "exact":
        result[key] = value
    elif kind in ("regex", "ip"):
        try:
            re.compile(value)
        except re.error as exc:
            raise exception.Invalid(
                reason=f"Invalid {param} regular expression: {exc}") from exc
        if kind == "ip":
            result[key] = value
        else:
            result.setdefault("regex", {})[key] = value
    elif kind == "int":
        try:
            result[key] = int(value)
        except ValueError as exc:
            raise exception.Invalid(reason=f"Invalid {param} value {value!r}") from exc
    elif kind == "bool":
        try:
            result[key] = strutils.bool_from_string(value, strict=True)
        except ValueError as exc:
            raise exception.Invalid(
                message=f"Invalid value '{value}' for '{param}' filter") from exc
    elif kind == "time":
        try:
            result[key] = timeutils.parse_isotime(value)
        except ValueError as exc:
            raise exception.Invalid(reason=f"Invalid {param} value {value!r}") from exc
    elif kind == "tags":
        result[key] = [tag.strip() for tag in value.split(",") if tag.strip()]
    elif kind == "zone":
        # NOTE: a server is in the zone of its host, so: the compute hosts of that zone.
        zones = availability_zones.host_zones()
        hosts = [svc.host for svc in db_services.service_get_all(binary=service_obj.COMPUTE)
                 if availability_zones.zone_of(svc.host, zones) == value]
        if not hosts:
            raise MatchesNothing()
        result.setdefault("regex", {})[key] = f"^({'|'.join(map(re.escape, hosts))})$"
    elif kind == "status":
        status = value.upper()
        if status not in views.STATUS_TO_VM_STATE:
            raise MatchesNothing()
        result[key] = views.STATUS_TO_VM_STATE[status]
