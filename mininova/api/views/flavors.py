"""Flavor views."""
from mininova.api.views import links


def basic(base_url: str, flavor) -> dict:
    return {"id": flavor.flavorid, "name": flavor.name,
            "links": links(base_url, "flavors", flavor.flavorid)}


def show(base_url: str, flavor) -> dict:
    return {**basic(base_url, flavor), "ram": flavor.memory_mb, "vcpus": flavor.vcpus,
            "disk": flavor.root_gb, "swap": flavor.swap or "",
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
            "OS-FLV-DISABLED:disabled": flavor.disabled,
            "os-flavor-access:is_public": flavor.is_public, "rxtx_factor": 1.0}
