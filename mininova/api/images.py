"""/v2.1/images: Nova's image proxy over the API side's image store.

List (with Nova's filters, paged), show and delete; an image's properties are its
metadata (api/image_metadata.py). Like Nova's other proxy APIs it ends at microversion
2.36: from there it answers 404 and clients talk to the Image API (here /image/v2)
themselves. Who may see and delete which image is the store's (Glance's) rule.
"""
import falcon
from oslo_utils import timeutils

from mininova import conf
from mininova import exception
from mininova.api import api_version
from mininova.api.views import images as views
from mininova.image import api as image_api

CONF = conf.CONF
# Nova's filter names -> the image's column (exact match) ...
_EXACT = {"name": "name", "status": "status"}
# ... its property (``server`` may be a server's link: its last segment is the id) ...
_PROPERTY = {"server": "instance_uuid", "type": "image_type"}
# ... or a column's lower bound.
_AT_LEAST = {"minRam": "min_ram", "minDisk": "min_disk"}


def _proxy_removed(req: falcon.Request, resp: falcon.Response, resource, params) -> None:
    if api_version.at_least(req, "2.36"):
        raise exception.NotFound(message="The resource could not be found.")


def _filters(req: falcon.Request) -> dict:
    """Nova's list filters as image_api.get_page takes them (400 for a malformed one)."""
    filters = {column: req.get_param(name) for name, column in _EXACT.items()
               if req.has_param(name)}
    if "status" in filters:
        # NOTE: Nova shows upper-case statuses but asks Glance in its lower case.
        filters["status"] = filters["status"].lower()
    properties = {prop: req.get_param(name).rsplit("/", 1)[-1]
                  for name, prop in _PROPERTY.items() if req.has_param(name)}
    # NOTE: Nova passes ``property-<name>`` filters through to Glance unchanged.
    properties.update({name[len("property-"):]: value for name, value in req.params.items()
                       if name.startswith("property-") and isinstance(value, str)})
    at_least = {column: req.get_param_as_int(name, min_value=0)
                for name, column in _AT_LEAST.items() if req.has_param(name)}
    if req.has_param("changes-since"):
        try:
            at_least["updated_at"] = timeutils.parse_isotime(req.get_param("changes-since"))
        except ValueError as exc:
            raise exception.Invalid(message=f"Invalid changes-since value: {exc}") from exc
    return {"filters": filters, "properties": properties, "at_least": at_least}


@falcon.before(_proxy_removed)
class ImageCollection:
    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = min(req.get_param_as_int("limit", min_value=0, default=CONF.api.max_limit),
                    CONF.api.max_limit)
        marker = req.get_param("marker")
        try:
            images = image_api.get_page(req.context.ctxt, limit=limit, marker=marker,
                                        **_filters(req))
        except exception.ImageNotFound as exc:
            raise exception.Invalid(message=f"marker [{marker}] not found") from exc
        render = views.show if self.detail else views.basic
        resp.media = {"images": [render(req.prefix, image) for image in images]}
        links = views.next_links(req, images, limit)
        if links:
            resp.media["images_links"] = links

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        # NOTE: ``DELETE /images/`` (tempest's blank id) arrives here once the trailing
        # slash is stripped: an image with an empty id, none such (Nova's 404).
        raise exception.ImageNotFound(image_id="")


class ImageDetail(ImageCollection):
    detail = True


@falcon.before(_proxy_removed)
class ImageItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        resp.media = {"image": views.show(req.prefix, image_api.get(req.context.ctxt,
                                                                     image_id))}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image_api.delete(req.context.ctxt, image_id)
        resp.status = falcon.HTTP_204
