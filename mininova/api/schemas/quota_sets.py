"""Request body of PUT /os-quota-sets/{project_id}."""

_limit = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1}

update = {
    "type": "object",
    "properties": {
        "quota_set": {
            "type": "object",
            "properties": {"instances": _limit, "cores": _limit, "ram": _limit,
                           "force": {"type": ["boolean", "string"]}},
            "additionalProperties": False,
        },
    },
    "required": ["quota_set"],
    "additionalProperties": False,
}
