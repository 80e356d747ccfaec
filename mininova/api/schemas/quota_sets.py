"""Request bodies of PUT /os-quota-sets/{project_id} and PUT /os-quota-class-sets/{id}.

Every quota Nova lists at the request's microversion is accepted: the network quotas
until 2.36 (2.50 for quota classes), the injected-file ones until 2.57.
"""
import copy

from mininova.api.schemas import MAX_INT

_limit = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
          "maximum": MAX_INT}
# NOTE: Nova's boolean: JSON booleans and its boolean strings.
_boolean = {"type": ["boolean", "string"],
            "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes",
                     "yes", False, "False", "FALSE", "false", "0", "OFF", "Off", "off",
                     "NO", "No", "no"]}
NETWORK = ("floating_ips", "fixed_ips", "security_groups", "security_group_rules")
INJECTED_FILES = ("injected_files", "injected_file_content_bytes",
                  "injected_file_path_bytes")
_resources = {name: _limit for name in (
    "instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
    "server_group_members", *NETWORK, *INJECTED_FILES)}


def _body(key: str, dropped: tuple[str, ...], extra: dict) -> dict:
    properties = {**copy.deepcopy(_resources), **extra}
    for name in dropped:
        del properties[name]
    return {
        "type": "object",
        "properties": {key: {"type": "object", "properties": properties,
                             "additionalProperties": False}},
        "required": [key],
        "additionalProperties": False,
    }


update = _body("quota_set", (), {"force": _boolean})
update_v236 = _body("quota_set", NETWORK, {"force": _boolean})
update_v257 = _body("quota_set", NETWORK + INJECTED_FILES, {"force": _boolean})

class_update = _body("quota_class_set", (), {})
class_update_v250 = _body("quota_class_set", NETWORK, {})
class_update_v257 = _body("quota_class_set", NETWORK + INJECTED_FILES, {})
