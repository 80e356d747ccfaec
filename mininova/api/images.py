"""/v2.1/images: Nova's read-only image proxy over the API side's image store."""
import falcon

from mininova import objects
from mininova.api.views import images as views


class ImageCollection:
    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        render = views.show if self.detail else views.basic
        images = objects.ImageList.get_all(req.context.ctxt)
        resp.media = {"images": [render(req.prefix, image) for image in images]}


class ImageDetail(ImageCollection):
    detail = True


class ImageItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = objects.Image.get_by_id(req.context.ctxt, image_id)
        resp.media = {"image": views.show(req.prefix, image)}
