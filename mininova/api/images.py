"""/v2.1/images: Nova's read-only image proxy over the API side's image store.

Like Nova's other proxy APIs it ends at microversion 2.36: from there it answers 404 and
clients talk to the Image API (here /image/v2) themselves.
"""
import falcon

from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api.views import images as views


def _proxy_removed(req: falcon.Request, resp: falcon.Response, resource, params) -> None:
    if api_version.at_least(req, "2.36"):
        raise exception.NotFound(message="The resource could not be found.")


@falcon.before(_proxy_removed)
class ImageCollection:
    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        render = views.show if self.detail else views.basic
        images = objects.ImageList.get_all(req.context.ctxt)
        resp.media = {"images": [render(req.prefix, image) for image in images]}


class ImageDetail(ImageCollection):
    detail = True


@falcon.before(_proxy_removed)
class ImageItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = objects.Image.get_by_id(req.context.ctxt, image_id)
        resp.media = {"image": views.show(req.prefix, image)}
