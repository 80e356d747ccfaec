"""/v2.1/flavors: list, detail, show."""
import falcon

from mininova import objects
from mininova.api.views import flavors as views


class FlavorCollection:
    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        render = views.show if self.detail else views.basic
        flavors = objects.FlavorList.get_all(req.context.ctxt)
        resp.media = {"flavors": [render(req.prefix, f) for f in flavors if not f.disabled]}


class FlavorDetail(FlavorCollection):
    detail = True


class FlavorItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        flavor = objects.Flavor.get_by_flavor_id(req.context.ctxt, flavor_id)
        resp.media = {"flavor": views.show(req.prefix, flavor)}
