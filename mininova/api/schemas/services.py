"""Request bodies of /os-services: the action URLs below 2.53 (enable, disable,
disable-log-reason, force-down) and PUT /os-services/{uuid} from 2.53."""

_name = {"type": "string", "minLength": 1, "maxLength": 255}
_reason = {"type": "string", "minLength": 1, "maxLength": 255}


def _host_binary(**extra: dict) -> dict:
    return {"type": "object",
            "properties": {"host": _name, "binary": _name, **extra},
            "required": ["host", "binary", *extra],
            "additionalProperties": False}


enable_disable = _host_binary()
disable_log_reason = _host_binary(disabled_reason=_reason)
force_down = _host_binary(forced_down={"type": "boolean"})

# PUT /os-services/{uuid} (2.53): status and/or forced_down; a reason only with disabled.
update = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": _reason,
        "forced_down": {"type": "boolean"},
    },
    "anyOf": [{"required": ["status"]}, {"required": ["forced_down"]}],
    "additionalProperties": False,
}
