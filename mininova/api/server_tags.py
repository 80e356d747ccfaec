"""/v2.1/servers/{id}/tags and /servers/{id}/tags/{tag} (microversion 2.26): a server's
free-form labels, at most 50 of at most 60 characters, without '/' or ','.

Reads work in any state; changes only while the server is ACTIVE or SHUTOFF (409
otherwise), as in Nova. Below 2.26 these routes do not exist (404).
"""
import falcon
import jsonschema

from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import servers as schemas
from mininova.objects import tag as tag_obj

_SINCE = "2.26"


def _require_version(req: falcon.Request) -> None:
    if api_version.below(req, _SINCE):
        raise exception.NotFound(message="The resource could not be found.")


def _update_all_schema(req: falcon.Request, params: dict) -> dict:
    _require_version(req)
    return schemas.update_all_tags


def _check_tag(tag: str) -> None:
    try:
        jsonschema.validate(tag, schemas.tag)
    except jsonschema.ValidationError as exc:
        raise exception.Invalid(
            message=f"Tag '{tag}' is invalid. It must be a non empty string without "
                    f"characters '/' and ','. Validation error message: {exc.message}"
        ) from exc


def _location(req: falcon.Request, server_id: str, tag: str) -> str:
    return f"{req.prefix}/v2.1/servers/{server_id}/tags/{tag}"


class ServerTags:
    """The whole tag list: show it, replace it, clear it."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        _require_version(req)
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        tags = objects.TagList.get_by_resource_id(ctxt, instance.uuid)
        resp.media = {"tags": [t.tag for t in tags]}

    @falcon.before(validation.schema_for(_update_all_schema))
    def on_put(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        tags = list(dict.fromkeys(req.context.body["tags"]))
        if len(tags) > tag_obj.MAX_TAG_COUNT:
            raise exception.Invalid(message=f"The number of tags exceeded the per-server "
                                            f"limit {tag_obj.MAX_TAG_COUNT}")
        self.compute_api.check_taggable(instance, "update tags")
        tags = objects.TagList.create(ctxt, instance.uuid, tags)
        resp.media = {"tags": [t.tag for t in tags]}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        _require_version(req)
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        self.compute_api.check_taggable(instance, "delete tags")
        objects.TagList.destroy(ctxt, instance.uuid)
        resp.status = falcon.HTTP_204


class ServerTag:
    """One tag: is it there (204/404), add it (201, or 204 if present), remove it."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               tag: str) -> None:
        _require_version(req)
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        if not objects.Tag.exists(ctxt, instance.uuid, tag):
            raise exception.NotFound(message=f"Server {server_id} has no tag '{tag}'")
        resp.status = falcon.HTTP_204

    def on_put(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               tag: str) -> None:
        _require_version(req)
        _check_tag(tag)
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        self.compute_api.check_taggable(instance, "update tag")
        created = objects.Tag.add(ctxt, instance.uuid, tag)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.set_header("Location", _location(req, instance.uuid, tag))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str,
                  tag: str) -> None:
        _require_version(req)
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        self.compute_api.check_taggable(instance, "delete tag")
        try:
            objects.Tag.destroy(ctxt, instance.uuid, tag)
        except exception.TagNotFound as exc:
            raise exception.NotFound(
                message=f"Server {server_id} has no tag '{tag}'") from exc
        resp.status = falcon.HTTP_204
