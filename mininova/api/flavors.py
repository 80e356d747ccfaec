"""/v2.1/flavors: list, detail, show; create, update (2.55) and delete (os-flavor-manage,
admin only). A flavor's extra specs have their own resource (api/flavors_extraspecs.py)."""
import functools
import uuid

import falcon

from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import flavors as schemas
from mininova.api.views import flavors as views


def _shows_extra_specs(req: falcon.Request) -> bool:
    """Whether flavor bodies carry extra_specs (2.61): only for who may list them."""
    return (api_version.at_least(req, "2.61") and
            req.context.ctxt.can("os_compute_api:os-flavor-extra-specs:index",
                                 fatal=False))


class _FlavorList:
    """GET /flavors and /flavors/detail share the listing; only the view differs."""

    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        render = (functools.partial(views.show, extra_specs=_shows_extra_specs(req))
                  if self.detail else views.basic)
        flavors = objects.FlavorList.get_all(req.context.ctxt)
        resp.media = {"flavors": [render(req, f) for f in flavors if not f.disabled]}


class FlavorCollection(_FlavorList):

    @falcon.before(validation.versioned_schema(("2.1", schemas.create),
                                               ("2.55", schemas.create_v255)))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:create")
        body = req.context.body["flavor"]
        flavorid = body.get("id")
        if flavorid in (None, "auto"):
            flavorid = str(uuid.uuid4())
        flavor = objects.Flavor(
            ctxt, flavorid=str(flavorid), name=body["name"], memory_mb=int(body["ram"]),
            vcpus=int(body["vcpus"]), root_gb=int(body["disk"]),
            ephemeral_gb=int(body.get("OS-FLV-EXT-DATA:ephemeral") or 0),
            swap=int(body.get("swap") or 0), disabled=False,
            is_public=body.get("os-flavor-access:is_public", True),
            description=body.get("description"))
        flavor.create()
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}


class FlavorDetail(_FlavorList):
    """GET only: POST /flavors/detail is a 405, as in Nova."""

    detail = True


class FlavorItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        flavor = objects.Flavor.get_by_flavor_id(req.context.ctxt, flavor_id)
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}

    def on_put(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        """2.55: change a flavor's description (nothing else of a flavor may change)."""
        if api_version.below(req, "2.55"):
            raise exception.NotFound(message="The resource could not be found.")
        self._update(req, resp, flavor_id)

    @falcon.before(validation.schema(schemas.update))
    def _update(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:update")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        flavor.description = req.context.body["flavor"]["description"]
        flavor.save()
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:delete")
        objects.Flavor.get_by_flavor_id(ctxt, flavor_id).destroy()
        resp.status = falcon.HTTP_202
