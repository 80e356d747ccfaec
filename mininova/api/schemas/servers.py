"""Request bodies of /servers and /servers/{id}/action."""

_uuid_or_id = {"type": "string", "minLength": 1, "maxLength": 255}

create = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"^(?!\s)[\S\s]*(?<!\s)$"},
                "imageRef": _uuid_or_id,
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "metadata": {"type": "object",
                             "additionalProperties": {"type": "string", "maxLength": 255}},
                "networks": {"oneOf": [{"type": "array"},
                                       {"type": "string", "enum": ["auto", "none"]}]},
                "min_count": {"type": ["integer", "string"]},
                "max_count": {"type": ["integer", "string"]},
                "availability_zone": {"type": "string"},
                "security_groups": {"type": "array"},
            },
            "required": ["name", "imageRef", "flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}

# Actions: the body has exactly one key, the action's name.
start = {"type": "null"}
stop = {"type": "null"}
reboot = {
    "type": "object",
    "properties": {"type": {"type": "string", "enum": ["SOFT", "HARD", "soft", "hard"]}},
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

action = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
}
