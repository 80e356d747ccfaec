"""Flavor views: what a flavor looks like at the request's microversion.

2.55 adds ``description`` (list included); 2.61 adds ``extra_specs`` to the detailed
views (show, detail, create and update answers) when the caller may see them (policy
os_compute_api:os-flavor-extra-specs:index; the resource asks, as Nova does, and the
key is left out otherwise); 2.75 shows no swap as 0 instead of "".
"""
import falcon

from mininova.api import api_version
from mininova.api.views import links


def basic(req: falcon.Request, flavor) -> dict:
    body = {"id": flavor.flavorid, "name": flavor.name,
            "links": links(req.prefix, "flavors", flavor.flavorid)}
    if api_version.at_least(req, "2.55"):
        body["description"] = flavor.description
    return body


def show(req: falcon.Request, flavor, extra_specs: bool = False) -> dict:
    """The detailed flavor; ``extra_specs``: the caller may see them (from 2.61)."""
    swap = flavor.swap if api_version.at_least(req, "2.75") else flavor.swap or ""
    body = {**basic(req, flavor), "ram": flavor.memory_mb, "vcpus": flavor.vcpus,
            "disk": flavor.root_gb, "swap": swap,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
            "OS-FLV-DISABLED:disabled": flavor.disabled,
            "os-flavor-access:is_public": flavor.is_public, "rxtx_factor": 1.0}
    if extra_specs and api_version.at_least(req, "2.61"):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def extra_specs(flavor) -> dict:
    """GET /flavors/{id}/os-extra_specs: every key, values as stored (strings)."""
    return {"extra_specs": dict(flavor.extra_specs)}
