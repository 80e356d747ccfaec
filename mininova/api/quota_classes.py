"""/v2.1/os-quota-class-sets/{id}: the limits of a quota class.

Only the class ``default`` matters: its limits are what every project without a limit of
its own gets (over the [quota] options). Fields by microversion as Nova: before 2.50 the
network and injected-file quotas without the server group ones; from 2.50 the server
group quotas and no network ones; from 2.57 no injected-file ones either.
"""
import falcon

from mininova import exception
from mininova import quota
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import quota_sets as schemas

_SERVER_GROUPS = ("server_groups", "server_group_members")


def _quota_class_set(req: falcon.Request, limits: dict[str, int]) -> dict[str, int]:
    """The quotas this microversion shows, with their values."""
    shown = list(quota.RESOURCES)
    if api_version.below(req, "2.50"):
        shown = [name for name in shown if name not in _SERVER_GROUPS]
        shown += quota.NETWORK
    if api_version.below(req, "2.57"):
        shown += quota.INJECTED_FILES
    return {resource: limits[resource] for resource in shown}


class QuotaClassSetItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, class_name: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-class-sets:show",
                             {"quota_class": class_name})
        limits = quota.get_class_limits(class_name)
        resp.media = {"quota_class_set": {"id": class_name,
                                          **_quota_class_set(req, limits)}}

    @falcon.before(validation.versioned_schema(
        ("2.1", schemas.class_update), ("2.50", schemas.class_update_v250),
        ("2.57", schemas.class_update_v257)))
    def on_put(self, req: falcon.Request, resp: falcon.Response, class_name: str) -> None:
        req.context.ctxt.can("os_compute_api:os-quota-class-sets:update",
                             {"quota_class": class_name})
        if len(class_name) > 255:
            raise exception.Invalid(message="quota_class_name has more than 255 characters.")
        body = req.context.body["quota_class_set"]
        quota.update_class(class_name, {key: int(value) for key, value in body.items()})
        limits = quota.get_class_limits(class_name)
        resp.media = {"quota_class_set": _quota_class_set(req, limits)}
