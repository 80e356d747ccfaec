"""Request body of POST /os-server-external-events, per microversion (Nova's names)."""
import copy

NAMES_V21 = ["network-changed", "network-vif-plugged", "network-vif-unplugged",
             "network-vif-deleted"]
_uuid = {"type": "string", "format": "uuid",
         "pattern": "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                    "[0-9a-fA-F]{12}$"}

create = {
    "type": "object",
    "properties": {"events": {
        "type": "array", "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "server_uuid": _uuid,
                "name": {"type": "string", "enum": NAMES_V21},
                "status": {"type": "string",
                           "enum": ["failed", "completed", "in-progress"]},
                "tag": {"type": "string", "maxLength": 255},
            },
            "required": ["server_uuid", "name"],
            "additionalProperties": False,
        },
    }},
    "required": ["events"],
    "additionalProperties": False,
}


def _with_names(*names: str) -> dict:
    schema = copy.deepcopy(create)
    schema["properties"]["events"]["items"]["properties"]["name"]["enum"] += names
    return schema


create_v251 = _with_names("volume-extended")
create_v276 = _with_names("volume-extended", "power-update")
create_v282 = _with_names("volume-extended", "power-update", "accelerator-request-bound")
create_v293 = _with_names("volume-extended", "power-update", "accelerator-request-bound",
                          "volume-reimaged")
