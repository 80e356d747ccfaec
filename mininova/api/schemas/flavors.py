"""Request bodies of /flavors (os-flavor-manage)."""
import copy

from mininova.api.schemas import MAX_INT

_non_negative = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0,
                 "maximum": MAX_INT}
_positive = {"type": ["integer", "string"], "pattern": "^[0-9]*[1-9][0-9]*$", "minimum": 1,
             "maximum": MAX_INT}
# NOTE: printable text; tabs and line breaks allowed, other control characters not.
_description = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535,
                "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}

create = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"^(?!\s)[\S\s]*(?<!\s)$"},
                # NOTE: absent, null or "auto" means: make up a UUID.
                "id": {"type": ["string", "integer", "null"], "minLength": 1,
                       "maxLength": 255, "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
                "ram": _positive,
                "vcpus": _positive,
                "disk": _non_negative,
                "OS-FLV-EXT-DATA:ephemeral": _non_negative,
                "swap": {"oneOf": [_non_negative, {"type": "string", "enum": [""]}]},
                "rxtx_factor": {"type": ["number", "string"], "minimum": 0},
                "os-flavor-access:is_public": {"type": "boolean"},
                # NOTE: clients send an explicit null below 2.55; a value needs 2.55.
                "description": {"type": "null"},
            },
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

create_v255 = copy.deepcopy(create)
create_v255["properties"]["flavor"]["properties"]["description"] = _description

# PUT /flavors/{id} (2.55): the description is the only thing that may change.
update = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {"description": _description},
            "required": ["description"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}
