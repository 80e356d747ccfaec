"""Request bodies of the resize and migrate server actions (Nova's schemas)."""

_flavor_ref = {"type": ["string", "integer"], "minLength": 1}

resize = {
    "type": "object",
    "properties": {"flavorRef": _flavor_ref,
                   "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]}},
    "required": ["flavorRef"],
    "additionalProperties": False,
}

# Nova ignores the body of confirmResize and revertResize.
confirm_resize = {}
revert_resize = {}

# Below 2.56 Nova takes any body (clients send null or {}).
migrate_v21 = {}
# 2.56: an admin may name the destination host.
migrate_v256 = {
    "type": ["object", "null"],
    "properties": {"host": {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
                            "pattern": "^[a-zA-Z0-9-._]*$"}},
    "additionalProperties": False,
}
