"""Request bodies of /flavors (os-flavor-manage) and the list's query parameters."""
import copy

from mininova.api.schemas import BOOLEAN
from mininova.api.schemas import MAX_INT

# Nova's sort keys for flavor lists.
SORT_KEYS = ("created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
             "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
             "updated_at", "vcpu_weight", "vcpus")

_non_negative = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 0,
                 "maximum": MAX_INT}
_positive = {"type": ["integer", "string"], "pattern": "^[0-9]*[1-9][0-9]*$", "minimum": 1,
             "maximum": MAX_INT}
# NOTE: printable text; tabs and line breaks allowed, other control characters not.
_description = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535,
                "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}

create = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": r"^(?!\s)[\S\s]*(?<!\s)$"},
                # NOTE: absent, null or "auto" means: make up a UUID; a number is kept
                # as its text.
                "id": {"type": ["string", "number", "null"], "minLength": 1,
                       "maxLength": 255, "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
                "ram": _positive,
                "vcpus": _positive,
                "disk": _non_negative,
                "OS-FLV-EXT-DATA:ephemeral": _non_negative,
                "swap": {"oneOf": [_non_negative, {"type": "string", "enum": [""]}]},
                # NOTE: accepted and checked as Nova does, but not stored: every flavor
                # shows 1.0 (mininova has no network bandwidth to share).
                "rxtx_factor": {"type": ["number", "string"],
                                "pattern": r"^[0-9]+(\.[0-9]+)?$", "exclusiveMinimum": 0,
                                "maximum": 3.40282e+38},
                "os-flavor-access:is_public": BOOLEAN,
                # NOTE: clients send an explicit null below 2.55; a value needs 2.55.
                "description": {"type": "null"},
            },
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

create_v255 = copy.deepcopy(create)
create_v255["properties"]["flavor"]["properties"]["description"] = _description

# PUT /flavors/{id} (2.55): the description is the only thing that may change.
update = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {"description": _description},
            "required": ["description"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

# GET /flavors and /flavors/detail: each parameter as the list of its values (a repeated
# parameter is allowed; the last value counts, as in Nova).
def _multi(item: dict) -> dict:
    return {"type": "array", "items": item}


index_query = {
    "type": "object",
    "properties": {
        "limit": _multi({"type": "string", "pattern": "^[0-9]+$"}),
        "marker": _multi({"type": "string"}),
        "is_public": _multi({"type": "string"}),
        "minRam": _multi({"type": "string"}),
        "minDisk": _multi({"type": "string"}),
        "sort_key": _multi({"type": "string", "enum": list(SORT_KEYS)}),
        "sort_dir": _multi({"type": "string", "enum": ["asc", "desc"]}),
    },
    # NOTE: unknown parameters are ignored below 2.75, a 400 from 2.75 (Nova's).
    "additionalProperties": True,
}

index_query_v275 = copy.deepcopy(index_query)
index_query_v275["additionalProperties"] = False
