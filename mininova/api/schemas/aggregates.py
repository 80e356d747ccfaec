"""Request bodies of /v2.1/os-aggregates and its actions (Nova's shapes)."""

_name = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"}
# NOTE: a zone name may not hold ':' (Nova reserves it for zone:host at server create).
_zone = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?! )[^:\x00-\x1f]*(?<! )$"}
_host = {"type": "string", "minLength": 1, "maxLength": 255}


def _wrapped(key: str, inner: dict) -> dict:
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


create = _wrapped("aggregate", {
    "type": "object",
    "properties": {"name": _name, "availability_zone": {"oneOf": [_zone, {"type": "null"}]}},
    "required": ["name"], "additionalProperties": False})

update = _wrapped("aggregate", {
    "type": "object",
    "properties": {"name": _name, "availability_zone": {"oneOf": [_zone, {"type": "null"}]}},
    "anyOf": [{"required": ["name"]}, {"required": ["availability_zone"]}],
    "additionalProperties": False})

_host_action = {"type": "object", "properties": {"host": _host}, "required": ["host"],
                "additionalProperties": False}
add_host = _wrapped("add_host", _host_action)
remove_host = _wrapped("remove_host", _host_action)

set_metadata = _wrapped("set_metadata", {
    "type": "object",
    "properties": {"metadata": {
        "type": "object",
        "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": {
            "oneOf": [{"type": "string", "maxLength": 255}, {"type": "null"}]}},
        "additionalProperties": False}},
    "required": ["metadata"], "additionalProperties": False})

# POST /os-aggregates/{id}/action: exactly one of the actions.
action = {"type": "object",
          "properties": {"add_host": _host_action, "remove_host": _host_action,
                         "set_metadata": set_metadata["properties"]["set_metadata"]},
          "minProperties": 1, "maxProperties": 1, "additionalProperties": False}
