"""Request bodies of /servers/{id}/metadata and /servers/{id}/metadata/{key}, and the
metadata object POST /servers takes: Nova's key and value limits."""
import copy

# Keys of 1 to 255 letters, digits and "-_:. "; values of at most 255 characters.
metadata = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255},
    },
    "additionalProperties": False,
}

_one_item = copy.deepcopy(metadata)
_one_item.update({"minProperties": 1, "maxProperties": 1})

# POST /servers/{id}/metadata (merge) and PUT /servers/{id}/metadata (replace all).
create = {
    "type": "object",
    "properties": {"metadata": metadata},
    "required": ["metadata"],
    "additionalProperties": False,
}
update_all = create

# PUT /servers/{id}/metadata/{key}: exactly one item, the URL's key.
update = {
    "type": "object",
    "properties": {"meta": _one_item},
    "required": ["meta"],
    "additionalProperties": False,
}
