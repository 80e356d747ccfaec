"""/v2.1/servers/{id}/metadata and /servers/{id}/metadata/{key}: a server's user
metadata, key/value strings the owner sets (Nova's server-metadata API).

Reads work in any state; changes only while the server is ACTIVE or SHUTOFF with no
task running (409 otherwise) and not locked (409 for non-admins). At most
``metadata_items`` keys per server (403 beyond). Every answer is the whole metadata,
except the one-key routes, which answer ``{"meta": {key: value}}``.
"""
import falcon

from mininova import exception
from mininova.api import validation
from mininova.api.schemas import server_metadata as schemas


def _authorize(ctxt, rule: str, instance) -> None:
    ctxt.can(f"os_compute_api:server-metadata:{rule}", {"project_id": instance.project_id})


class ServerMetadata:
    """The whole metadata: list it, merge into it (POST), replace it (PUT)."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        _authorize(ctxt, "index", instance)
        resp.media = {"metadata": self.compute_api.get_instance_metadata(ctxt, instance)}

    # NOTE: 200, not 201, for a POST that creates items: Nova's answer, kept for
    # compatibility.
    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        self._update(req, resp, server_id, "create", delete=False)

    @falcon.before(validation.schema(schemas.update_all))
    def on_put(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        self._update(req, resp, server_id, "update_all", delete=True)

    def _update(self, req: falcon.Request, resp: falcon.Response, server_id: str,
                rule: str, delete: bool) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        _authorize(ctxt, rule, instance)
        metadata = self.compute_api.update_instance_metadata(
            ctxt, instance, req.context.body["metadata"], delete=delete)
        resp.media = {"metadata": metadata}


class ServerMetadataItem:
    """One key: show it, set it (the body's one key must be the URL's), remove it."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               key: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        _authorize(ctxt, "show", instance)
        metadata = self.compute_api.get_instance_metadata(ctxt, instance)
        if key not in metadata:
            raise exception.MetadataItemNotFound()
        resp.media = {"meta": {key: metadata[key]}}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               key: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        _authorize(ctxt, "update", instance)
        item = req.context.body["meta"]
        if key not in item:
            raise exception.Invalid(message="Request body and URI mismatch")
        self.compute_api.update_instance_metadata(ctxt, instance, item)
        resp.media = {"meta": item}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str,
                  key: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        _authorize(ctxt, "delete", instance)
        if key not in self.compute_api.get_instance_metadata(ctxt, instance):
            raise exception.MetadataItemNotFound()
        self.compute_api.delete_instance_metadata(ctxt, instance, key)
        resp.status = falcon.HTTP_204
