"""/v2.1/flavors/{flavor_id}/os-flavor-access and the flavor actions addTenantAccess and
removeTenantAccess (Nova's os-flavor-access, admin only by default).

A private flavor (``os-flavor-access:is_public`` false at create) is seen and booted
only by admins and by the projects it is shared with here; its creator's project is not
added, as in Nova. The project ids are kept as given: mininova does not ask Keystone
whether they exist (Nova's check is a best effort that lets them through when Keystone
does not answer).
"""
import falcon

from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import flavor_access as schemas
from mininova.api.schemas import servers as server_schemas
from mininova.api.views import flavor_access as views

_POLICY = "os_compute_api:os-flavor-access"


class FlavorAccess:
    """GET: the projects a private flavor is shared with."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_POLICY)
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        if flavor.is_public:
            raise exception.NotFound(message="Access list not available for public "
                                             "flavors.")
        resp.media = views.access_list(flavor, flavor.get_access())


class FlavorAction:
    """POST /flavors/{id}/action: the body's single key names the action."""

    def __init__(self):
        # Each action: its body schema and its handler (returning the response body).
        self.actions = {
            "addTenantAccess": (schemas.tenant_access, self._add_tenant_access),
            "removeTenantAccess": (schemas.tenant_access, self._remove_tenant_access),
        }

    @falcon.before(validation.schema(server_schemas.action))
    def on_post(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ((name, body),) = req.context.body.items()
        if name not in self.actions:
            raise exception.Invalid(message=f"There is no such action: {name}")
        schema, handler = self.actions[name]
        validation.check(schema, body, field=name)
        resp.media = handler(req, flavor_id, body["tenant"])

    def _add_tenant_access(self, req: falcon.Request, flavor_id: str, tenant: str) -> dict:
        ctxt = req.context.ctxt
        ctxt.can(f"{_POLICY}:add_tenant_access")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        if flavor.is_public and api_version.at_least(req, "2.7"):
            raise exception.Conflict(message="Can not add access to a public flavor.")
        return views.access_list(flavor, flavor.add_access(tenant))

    def _remove_tenant_access(self, req: falcon.Request, flavor_id: str,
                              tenant: str) -> dict:
        ctxt = req.context.ctxt
        ctxt.can(f"{_POLICY}:remove_tenant_access")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        return views.access_list(flavor, flavor.remove_access(tenant))
