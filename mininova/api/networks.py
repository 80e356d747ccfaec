"""/v2.1/os-networks: Nova's deprecated network proxy (to Neutron), below 2.36 only.

mininova has no networking, so the list is empty and every network id is unknown (404);
from 2.36 the whole API is a 404, as Nova's proxy APIs are. Nova answers the
nova-network writes (create, delete, associate) 410 Gone; so does mininova.
"""
import falcon

from mininova import exception
from mininova.api import api_version


def _proxy(req: falcon.Request, rule: str) -> None:
    if api_version.at_least(req, "2.36"):
        raise exception.NotFound(message="The resource could not be found.")
    req.context.ctxt.can(f"os_compute_api:os-networks:{rule}")


def _gone(resource, req: falcon.Request, resp: falcon.Response, **params) -> None:
    """A responder (a method of each resource) for the removed nova-network writes."""
    _proxy(req, "list")
    raise falcon.HTTPGone(description="This resource is no longer available. No "
                                      "forwarding address is given.")


class NetworkCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _proxy(req, "list")
        resp.media = {"networks": []}

    on_post = _gone


class NetworkItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, network_id: str) -> None:
        _proxy(req, "show")
        raise exception.NetworkNotFound(network_id=network_id)

    on_delete = _gone


class NetworkAction:
    on_post = _gone
