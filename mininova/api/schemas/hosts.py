"""PUT /os-hosts/{host_name} (below 2.43): status and/or maintenance_mode."""

_switch = {"type": "string",
           "enum": ["enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE"]}

update = {
    "type": "object",
    "properties": {"status": _switch, "maintenance_mode": _switch},
    "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
    "additionalProperties": False,
}
