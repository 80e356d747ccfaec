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
