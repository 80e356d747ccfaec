"""/image: the subset of the Image API v2 (Glance) the stock clients use.

``openstack server create --image NAME`` resolves NAME through ``/v2/images?name=``, and
``openstack image create --file`` creates a record then PUTs its bits; both are served
here from the API side's image store (mininova/image/), under the root ``/image`` with its
own version document, the way devstack lays out Glance.
"""
import urllib.parse

import falcon

from mininova import conf
from mininova.api import validation
from mininova.api.schemas import image_v2 as schemas
from mininova.api.views import image_v2 as views
from mininova.image import api as image_api

CONF = conf.CONF
_FILTERS = ("name", "status", "owner", "disk_format", "container_format")


class Versions:
    """GET /image and /image/versions: answered without a token, for discovery."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = views.version_doc(req.prefix)


class ImageCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        filters = {key: req.get_param(key) for key in _FILTERS if req.get_param(key)}
        visibility = req.get_param("visibility")
        if visibility and visibility != "all":
            filters["visibility"] = visibility
        limit = min(req.get_param_as_int("limit", min_value=0) or CONF.api.max_limit,
                    CONF.api.max_limit)
        images = image_api.get_page(req.context.ctxt, filters, limit,
                                    req.get_param("marker"))
        next_query = None
        if images and len(images) == limit:
            params = {k: v for k, v in req.params.items() if k not in ("limit", "marker")}
            params.update(limit=limit, marker=images[-1].id)
            next_query = urllib.parse.urlencode(params, doseq=True)
        resp.media = views.index(images, next_query)

    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        image = image_api.create(req.context.ctxt, req.context.body)
        resp.status = falcon.HTTP_201
        resp.set_header("Location", f"{req.prefix}/image/v2/images/{image.id}")
        resp.media = views.show(image)


class ImageItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        resp.media = views.show(image_api.get(req.context.ctxt, image_id))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image_api.delete(req.context.ctxt, image_id)
        resp.status = falcon.HTTP_204


class ImageFile:
    """PUT streams the request body into the store; GET streams it back."""

    def on_put(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        # NOTE: a chunked body has no Content-Length; the WSGI server ends the stream.
        data = req.bounded_stream if req.content_length is not None else req.stream
        image_api.upload(req.context.ctxt, image_id, data)
        resp.status = falcon.HTTP_204

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = image_api.get(req.context.ctxt, image_id)
        if image.status != image_api.ACTIVE or not image.file_path:
            resp.status = falcon.HTTP_204
            return
        resp.content_type = "application/octet-stream"
        resp.set_header("Content-MD5", image.checksum or "")
        resp.set_stream(open(image.file_path, "rb"), image.size)
