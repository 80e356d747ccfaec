"""Request bodies of /flavors (os-flavor-manage)."""

_non_negative = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0}
_positive = {"type": ["integer", "string"], "pattern": "^[0-9]*[1-9][0-9]*$", "minimum": 1}

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
                "description": {"type": "null"},
            },
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}
