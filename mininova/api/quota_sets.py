"""/v2.1/os-quota-sets/{project_id} (+ /defaults, /detail) and /v2.1/limits."""
import falcon

from mininova import conf
from mininova import quota
from mininova.api import validation
from mininova.api.schemas import quota_sets as schemas

CONF = conf.CONF


class QuotaSetItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        resp.media = {"quota_set": {"id": project_id, **quota.get_limits(project_id)}}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:update",
                             {"project_id": project_id})
        values = {key: int(value) for key, value in req.context.body["quota_set"].items()
                  if key in quota.RESOURCES}
        quota.update(project_id, values)
        resp.media = {"quota_set": quota.get_limits(project_id)}


class QuotaSetDetail:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        limits, usage = quota.get_limits(project_id), quota.get_usage(project_id)
        resp.media = {"quota_set": {"id": project_id, **{
            resource: {"limit": limits[resource], "in_use": usage[resource], "reserved": 0}
            for resource in quota.RESOURCES}}}


class QuotaSetDefaults:
    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        resp.media = {"quota_set": {"id": project_id, **{
            resource: getattr(CONF.quota, resource) for resource in quota.RESOURCES}}}


class Limits:
    """A project's absolute limits and usage (Nova's names, for the ones we enforce).

    The caller's own project; ``?tenant_id=`` names another one, for whoever may show that
    project's quotas (an admin: ``openstack limits show --absolute --project P``).
    """

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        project_id = req.get_param("tenant_id") or ctxt.project_id
        if project_id != ctxt.project_id:
            ctxt.can("os_compute_api:os-quota-sets:show", {"project_id": project_id})
        limits, usage = quota.get_limits(project_id), quota.get_usage(project_id)
        resp.media = {"limits": {"rate": [], "absolute": {
            "maxTotalInstances": limits["instances"], "totalInstancesUsed": usage["instances"],
            "maxTotalCores": limits["cores"], "totalCoresUsed": usage["cores"],
            "maxTotalRAMSize": limits["ram"], "totalRAMUsed": usage["ram"],
        }}}
