"""Request bodies of /flavors/{flavor_id}/os-extra_specs, with Nova's rules.

A key is 1 to 255 of letters, digits, ``_``, ``:``, ``.``, space and ``-``; a value is a
string of at most 255 characters or, as Nova allows, a number (stored as its string,
whose length the resource checks: a schema cannot bound a number's length).
"""
import copy

_KEY = r"^[a-zA-Z0-9_:. -]{1,255}$"

extra_specs = {
    "type": "object",
    "patternProperties": {_KEY: {"type": ["string", "number"], "maxLength": 255}},
    "additionalProperties": False,
}

# POST /flavors/{flavor_id}/os-extra_specs: add or overwrite any number of keys.
create = {
    "type": "object",
    "properties": {"extra_specs": extra_specs},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

# PUT /flavors/{flavor_id}/os-extra_specs/{key}: exactly one key, the URL's.
update = copy.deepcopy(extra_specs)
update.update({"minProperties": 1, "maxProperties": 1})
