"""Body of POST /servers/{id}/action {"rebuild": {...}} per microversion, as Nova's:
description from 2.19, key_name from 2.54, user_data from 2.57 (personality goes),
trusted_image_certificates from 2.63, hostname from 2.90 (a FQDN from 2.94)."""
import copy
from collections.abc import Callable

from mininova.api.schemas import BOOLEAN
from mininova.api.schemas import server_metadata
from mininova.api.schemas import servers

# NOTE: mininova injects no files (as at create, where personality is refused), so only
# an empty list is taken rather than files silently dropped.
_personality = {"type": "array", "maxItems": 0}

_rebuild_v21 = {
    "type": "object",
    "properties": {
        "name": servers._name,
        "imageRef": servers._uuid_or_id,
        "adminPass": {"type": "string"},
        "metadata": server_metadata.metadata,
        "preserve_ephemeral": BOOLEAN,
        "OS-DCF:diskConfig": servers.disk_config,
        "accessIPv4": servers._access_ipv4,
        "accessIPv6": servers._access_ipv6,
        "personality": _personality,
    },
    "required": ["imageRef"],
    "additionalProperties": False,
}


def rebuild(at_least: Callable[[str], bool]) -> dict:
    """The "rebuild" value at the request's version."""
    schema = copy.deepcopy(_rebuild_v21)
    props = schema["properties"]
    if at_least("2.19"):
        props["description"] = servers._description
    if at_least("2.54"):
        props["key_name"] = {"oneOf": [servers._name, {"type": "null"}]}
    if at_least("2.57"):
        props["user_data"] = {"oneOf": [servers._user_data, {"type": "null"}]}
        del props["personality"]
    if at_least("2.63"):
        # NOTE: mininova verifies no image signatures, so only "no certificates" is
        # accepted (Nova's shape is a list of 1-50 unique certificate ids, or null).
        props["trusted_image_certificates"] = {"type": "null"}
    if at_least("2.90"):
        props["hostname"] = servers._fqdn if at_least("2.94") else servers._hostname
    return schema
