"""Request body of PUT /os-quota-sets/{project_id}."""
from mininova.api.schemas import MAX_INT

_limit = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
          "maximum": MAX_INT}

update = {
    "type": "object",
    "properties": {
        "quota_set": {
            "type": "object",
            "properties": {"instances": _limit, "cores": _limit, "ram": _limit,
                           "metadata_items": _limit, "key_pairs": _limit,
                           "server_groups": _limit, "server_group_members": _limit,
                           "force": {"type": ["boolean", "string"]}},
            "additionalProperties": False,
        },
    },
    "required": ["quota_set"],
    "additionalProperties": False,
}
