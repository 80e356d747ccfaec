"""/v2.1/os-quota-sets/{project_id} (+ /defaults, /detail) and /v2.1/limits.

mininova enforces instances, cores, ram, metadata_items and key_pairs, and stores the
server group limits. Nova's other quotas are stored and shown but never enforced, so
each microversion's response carries the fields its clients expect: the network quotas
until 2.36, the injected-file (personality) quotas until 2.57; /limits likewise drops
the network limits at 2.36, maxImageMeta at 2.39 and the personality limits at 2.57.
``?user_id=`` shows, sets, or drops one user's limits inside the project (its own rows,
else the project's).
"""
import falcon
from oslo_utils import strutils

from mininova import quota
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import quota_sets as schemas


def _quota_set(req: falcon.Request, limits: dict[str, int]) -> dict[str, int]:
    """The quotas this microversion shows, with their values."""
    shown = list(quota.RESOURCES)
    if api_version.below(req, "2.57"):
        shown += quota.INJECTED_FILES
    if api_version.below(req, "2.36"):
        shown += quota.NETWORK
    return {resource: limits[resource] for resource in shown}


class QuotaSetItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        limits = quota.get_limits(project_id, req.get_param("user_id"))
        resp.media = {"quota_set": {"id": project_id, **_quota_set(req, limits)}}

    @falcon.before(validation.versioned_schema(
        ("2.1", schemas.update), ("2.36", schemas.update_v236),
        ("2.57", schemas.update_v257)))
    def on_put(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:update",
                             {"project_id": project_id})
        user_id = req.get_param("user_id")
        body = dict(req.context.body["quota_set"])
        force = strutils.bool_from_string(body.pop("force", False))
        quota.update(project_id, {key: int(value) for key, value in body.items()},
                     force=force, user_id=user_id)
        resp.media = {"quota_set": _quota_set(req, quota.get_limits(project_id, user_id))}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:delete",
                             {"project_id": project_id})
        quota.delete(project_id, req.get_param("user_id"))
        resp.status = falcon.HTTP_202


class QuotaSetDetail:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:detail",
                             {"project_id": project_id})
        user_id = req.get_param("user_id")
        limits = quota.get_limits(project_id, user_id)
        usage = quota.get_usage(project_id, user_id)
        resp.media = {"quota_set": {"id": project_id, **{
            resource: {"limit": limit, "in_use": usage.get(resource, 0), "reserved": 0}
            for resource, limit in _quota_set(req, limits).items()}}}


class QuotaSetDefaults:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:defaults",
                             {"project_id": project_id})
        resp.media = {"quota_set": {"id": project_id,
                                    **_quota_set(req, quota.get_defaults())}}


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
        absolute["maxPersonality"] = limits["injected_files"]
        absolute["maxPersonalitySize"] = limits["injected_file_content_bytes"]
    if api_version.below(req, "2.36"):
        absolute.update({
            "maxSecurityGroups": limits["security_groups"],
            "maxSecurityGroupRules": limits["security_group_rules"],
            "maxTotalFloatingIps": limits["floating_ips"],
            "totalFloatingIpsUsed": 0, "totalSecurityGroupsUsed": 0})
    return absolute
