"""/v2.1/images/{id}/metadata and /images/{id}/metadata/{key}: an image's properties as
Nova's image-metadata proxy shows them (below microversion 2.39; 404 from there).

Reads need only that the caller may see the image; changes are for its owner or an
admin (Glance's rule, 403 otherwise) and keep at most ``metadata_items`` properties (403
beyond). The properties mininova's own boot path reads (kernel_id, ramdisk_id,
os_command_line) are ordinary properties here, as they are in Glance.
"""
import falcon

from mininova import exception
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import image_metadata as schemas
from mininova.image import api as image_api


def _proxy_removed(req: falcon.Request, resp: falcon.Response, resource, params) -> None:
    if api_version.at_least(req, "2.39"):
        raise exception.NotFound(message="The resource could not be found.")


@falcon.before(_proxy_removed)
class ImageMetadata:
    """The whole metadata: list it, merge into it (POST), replace it (PUT)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = image_api.get(req.context.ctxt, image_id)
        resp.media = {"metadata": dict(image.properties)}

    # NOTE: 200, not 201, for a POST that creates items: Nova's answer.
    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = image_api.update_properties(req.context.ctxt, image_id,
                                            req.context.body["metadata"])
        resp.media = {"metadata": dict(image.properties)}

    @falcon.before(validation.schema(schemas.update_all))
    def on_put(self, req: falcon.Request, resp: falcon.Response, image_id: str) -> None:
        image = image_api.update_properties(req.context.ctxt, image_id,
                                            req.context.body["metadata"], replace=True)
        resp.media = {"metadata": dict(image.properties)}


@falcon.before(_proxy_removed)
class ImageMetadataItem:
    """One key: show it, set it (the body's one key must be the URL's), remove it."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str,
               key: str) -> None:
        properties = image_api.get(req.context.ctxt, image_id).properties
        if key not in properties:
            raise exception.MetadataItemNotFound()
        resp.media = {"meta": {key: properties[key]}}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, image_id: str,
               key: str) -> None:
        item = req.context.body["meta"]
        if key not in item:
            raise exception.Invalid(message="Request body and URI mismatch")
        image_api.update_properties(req.context.ctxt, image_id, item)
        resp.media = {"meta": item}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str,
                  key: str) -> None:
        ctxt = req.context.ctxt
        if key not in image_api.get(ctxt, image_id).properties:
            raise exception.MetadataItemNotFound(message="Invalid metadata key")
        image_api.update_properties(ctxt, image_id, {key: None})
        resp.status = falcon.HTTP_204
