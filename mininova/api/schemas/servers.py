"""Request bodies of /servers, /servers/{id} and /servers/{id}/action, per microversion.

``create(at_least)`` and ``update(at_least)`` build the body schema for the version the
request asked for (``at_least("2.19")`` is True from 2.19 on), as Nova's versioned
schemas do.
"""
import copy
import functools
from collections.abc import Callable

from mininova.api.schemas import server_metadata

_uuid_or_id = {"type": "string", "minLength": 1, "maxLength": 255}

# A server name: no leading or trailing whitespace.
_name = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s)[\S\s]*(?<!\s)$"}

# A description (2.19): printable text, or null to clear it.
_description = {"type": ["string", "null"], "minLength": 0, "maxLength": 255,
                "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}

# A guest hostname: one DNS label (2.90), a fully qualified name from 2.94.
_hostname = {"type": "string", "minLength": 2, "maxLength": 63,
             "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"}
_fqdn = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^[a-zA-Z0-9-._]*$"}

# A server tag (2.26): Nova's limits.
tag = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}
_tags = {"type": "array", "items": tag, "maxItems": 50}

# user_data: base64 text of at most 64 KiB.
_user_data = {"type": "string", "maxLength": 65535,
              "pattern": r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"}

# Multi-create: counts of at least 1 (numeric strings too), and Nova's boolean values
# for return_reservation_id.
_positive_integer = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 1,
                     "minLength": 1}
_boolean = {"type": ["boolean", "string"],
            "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes",
                     "yes", "y", "t", False, "False", "FALSE", "false", "0", "OFF", "Off",
                     "off", "NO", "No", "no", "n", "f"]}

# OS-DCF:diskConfig at create and rebuild.
disk_config = {"type": "string", "enum": ["AUTO", "MANUAL"]}

# The addresses the owner says the server is reached at (accessIPv4/accessIPv6).
_access_ipv4 = {"type": "string", "format": "ipv4"}
_access_ipv6 = {"type": "string", "format": "ipv6"}

_networks_list = {"type": "array", "items": {
    "type": "object",
    "properties": {"uuid": {"type": "string", "format": "uuid"},
                   "port": {"oneOf": [{"type": "string", "format": "uuid"},
                                     {"type": "null"}]},
                   "fixed_ip": {"type": "string",
                                "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
                   "tag": tag},
    "additionalProperties": False}}

# NOTE: "auto" is one NIC on the cloud's flat network, "none" a server without NICs (see
# doc/networking.md).
_networks = {"oneOf": [_networks_list, {"type": "string", "enum": ["auto", "none"]}]}

# os:scheduler_hints: free-form like Nova's, with the well-known keys typed. They are
# stored and shown (2.100); the scheduler does not act on them.
_server_ids = {"oneOf": [{"type": "string", "format": "uuid"},
                         {"type": "array", "items": {"type": "string"}}]}
_scheduler_hints = {
    "type": "object",
    "properties": {
        "group": {"type": "string", "format": "uuid"},
        "different_host": _server_ids,
        "same_host": _server_ids,
        "query": {"type": ["string", "object"]},
        "target_cell": {"type": "string", "minLength": 1, "maxLength": 255},
        "different_cell": {"type": ["string", "array"], "items": {"type": "string"}},
        "build_near_host_ip": {"type": "string"},
        "cidr": {"type": "string", "pattern": "^/[0-9a-f.:]+$"},
    },
    "additionalProperties": True,
}

_create_v21 = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": _name,
                "imageRef": _uuid_or_id,
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "metadata": server_metadata.metadata,
                "networks": _networks,
                "accessIPv4": _access_ipv4,
                "OS-DCF:diskConfig": disk_config,
                "accessIPv6": _access_ipv6,
                "adminPass": {"type": "string"},
                "min_count": _positive_integer,
                "max_count": _positive_integer,
                "return_reservation_id": _boolean,
                "availability_zone": {"type": "string"},
                "security_groups": {"type": "array"},
                "user_data": _user_data,
                "key_name": _name,
                "config_drive": _boolean,
                # NOTE: the stock clients send the image-to-local-disk mapping that
                # imageRef already implies; no other mapping (volumes) is served.
                "block_device_mapping_v2": {"type": "array", "maxItems": 1, "items": {
                    "type": "object",
                    "properties": {
                        "uuid": _uuid_or_id,
                        "boot_index": {"type": ["integer", "string", "null"]},
                        "source_type": {"type": "string", "enum": ["image"]},
                        "destination_type": {"type": "string", "enum": ["local"]},
                        "delete_on_termination": {"type": ["boolean", "string"]},
                    },
                    "additionalProperties": False}},
            },
            "required": ["name", "imageRef", "flavorRef"],
            "additionalProperties": False,
        },
        "os:scheduler_hints": _scheduler_hints,
        "OS-SCH-HNT:scheduler_hints": _scheduler_hints,
    },
    "required": ["server"],
    "additionalProperties": False,
}


def create(at_least: Callable[[str], bool]) -> dict:
    """POST /servers at the request's version."""
    return _create(at_least("2.19"), at_least("2.37"), at_least("2.52"),
                   "fqdn" if at_least("2.94") else "name" if at_least("2.90") else None)


# NOTE: made once per combination, not deep-copied for each boot; nothing changes it.
@functools.cache
def _create(description: bool, networks: bool, tags: bool, hostname: str | None) -> dict:
    schema = copy.deepcopy(_create_v21)
    server = schema["properties"]["server"]
    props = server["properties"]
    if description:
        props["description"] = _description
    if networks:
        server["required"].append("networks")
    if tags:
        props["tags"] = _tags
    if hostname is not None:
        props["hostname"] = _fqdn if hostname == "fqdn" else _hostname
    return schema


def update(at_least: Callable[[str], bool]) -> dict:
    """PUT /servers/{id} at the request's version."""
    props = {"name": _name, "accessIPv4": _access_ipv4, "accessIPv6": _access_ipv6,
             "OS-DCF:diskConfig": disk_config}
    if at_least("2.19"):
        props["description"] = _description
    if at_least("2.90"):
        props["hostname"] = _fqdn if at_least("2.94") else _hostname
    return {
        "type": "object",
        "properties": {"server": {"type": "object", "properties": props,
                                  "additionalProperties": False}},
        "required": ["server"],
        "additionalProperties": False,
    }


# PUT /servers/{id}/tags
update_all_tags = {
    "type": "object",
    "properties": {"tags": {"type": "array", "items": tag}},
    "required": ["tags"],
    "additionalProperties": False,
}

# Actions: the body has exactly one key, the action's name.
# NOTE: Nova takes any value for os-start and os-stop at every microversion (clients send
# null, {} or more); the value is ignored.
start = {}
stop = {}
reboot = {
    "type": "object",
    "properties": {"type": {"type": "string",
                            "enum": ["SOFT", "Soft", "soft", "HARD", "Hard", "hard"]}},
    "required": ["type"],
    "additionalProperties": False,
}

get_console_output = {
    "type": "object",
    "properties": {"length": {"oneOf": [
        {"type": "integer", "minimum": -1},
        {"type": "string", "pattern": "^-?[0-9]+$"},
        {"type": "null"}]}},
    "additionalProperties": False,
}

# Below 2.73 Nova ignores the lock body; from 2.73 it may carry a reason.
lock_v21 = {}
lock_v273 = {
    "type": ["object", "null"],
    "properties": {"locked_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
    "additionalProperties": False,
}
unlock = {}
force_delete = {}

action = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
}

# The body-less routes still get a JSON object check from the common hook.
any_object = {"type": "object"}
