"""/v2.1/os-quota-sets/{project_id} (+ /defaults, /detail) and /v2.1/limits.

mininova enforces instances, cores, ram, metadata_items and key_pairs, and stores the
server group limits. Every other quota Nova reports is answered with Nova's default and
cannot be set (a 400, not a silent no-op), so each microversion's
response carries the fields its clients expect: the network quotas until 2.36, the
injected-file (personality) quotas until 2.57; /limits likewise drops the network limits
at 2.36, maxImageMeta at 2.39 and the personality limits at 2.57.
"""
import falcon

from mininova import conf
from mininova import quota
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import quota_sets as schemas

CONF = conf.CONF

# NOTE: Nova's defaults for what mininova has no resource for (file injection,
# nova-network): shown, never enforced.
_INJECTED_FILES = {"injected_files": 5, "injected_file_content_bytes": 10240,
                   "injected_file_path_bytes": 255}
_NETWORK = {"floating_ips": 10, "fixed_ips": -1, "security_groups": 10,
            "security_group_rules": 20}


def _shown(req: falcon.Request) -> dict[str, int]:
    """The not-enforced quotas this microversion shows, with their values."""
    shown = {}
    if api_version.below(req, "2.57"):
        shown.update(_INJECTED_FILES)
    if api_version.below(req, "2.36"):
        shown.update(_NETWORK)
    return shown


def _quota_set(req: falcon.Request, limits: dict[str, int]) -> dict[str, int]:
    return {**_shown(req), **{resource: limits[resource] for resource in quota.RESOURCES}}


class QuotaSetItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        resp.media = {"quota_set": {"id": project_id,
                                    **_quota_set(req, quota.get_limits(project_id))}}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:update",
                             {"project_id": project_id})
        values = {key: int(value) for key, value in req.context.body["quota_set"].items()
                  if key in quota.RESOURCES}
        quota.update(project_id, values)
        resp.media = {"quota_set": _quota_set(req, quota.get_limits(project_id))}


class QuotaSetDetail:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        limits, usage = quota.get_limits(project_id), quota.get_usage(project_id)
        resp.media = {"quota_set": {"id": project_id, **{
            resource: {"limit": limit, "in_use": usage.get(resource, 0), "reserved": 0}
            for resource, limit in _quota_set(req, limits).items()}}}


class QuotaSetDefaults:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        defaults = {resource: getattr(CONF.quota, resource) for resource in quota.RESOURCES}
        resp.media = {"quota_set": {"id": project_id, **_quota_set(req, defaults)}}


class Limits:
    """A project's absolute limits and usage, with Nova's names.

    The caller's own project; ``?tenant_id=`` names another one, for whoever may show that
    project's quotas (an admin: ``openstack limits show --absolute --project P``).
    """

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        project_id = req.get_param("tenant_id") or ctxt.project_id
        if project_id != ctxt.project_id:
            ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        limits, usage = quota.get_limits(project_id), quota.get_usage(project_id)
        resp.media = {"limits": {"rate": [],
                                 "absolute": _absolute(req, limits, usage)}}


def _absolute(req: falcon.Request, limits: dict, usage: dict) -> dict:
    absolute = {
        "maxTotalInstances": limits["instances"], "totalInstancesUsed": usage["instances"],
        "maxTotalCores": limits["cores"], "totalCoresUsed": usage["cores"],
        "maxTotalRAMSize": limits["ram"], "totalRAMUsed": usage["ram"],
        "maxServerMeta": limits["metadata_items"],
        "maxTotalKeypairs": limits["key_pairs"],
        "maxServerGroups": limits["server_groups"],
        "maxServerGroupMembers": limits["server_group_members"],
        "totalServerGroupsUsed": 0,
    }
    if api_version.below(req, "2.39"):
        absolute["maxImageMeta"] = limits["metadata_items"]
    if api_version.below(req, "2.57"):
        absolute["maxPersonality"] = _INJECTED_FILES["injected_files"]
        absolute["maxPersonalitySize"] = _INJECTED_FILES["injected_file_content_bytes"]
    if api_version.below(req, "2.36"):
        absolute.update({
            "maxSecurityGroups": _NETWORK["security_groups"],
            "maxSecurityGroupRules": _NETWORK["security_group_rules"],
            "maxTotalFloatingIps": _NETWORK["floating_ips"],
            "totalFloatingIpsUsed": 0, "totalSecurityGroupsUsed": 0})
    return absolute
