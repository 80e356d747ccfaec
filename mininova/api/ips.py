"""/v2.1/servers/{id}/ips and /ips/{network}: a server's addresses by network name,
without the OS-EXT-IPS fields the server views add (Nova's ips API)."""
import falcon

from mininova import exception
from mininova.api.views import addresses as views


class IpCollection:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        ctxt.can("os_compute_api:ips:index", {"project_id": instance.project_id})
        resp.media = {"addresses": views.index(instance.network_info)}


class IpItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               network_label: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        ctxt.can("os_compute_api:ips:show", {"project_id": instance.project_id})
        body = views.show(instance.network_info, network_label)
        if body is None:
            raise exception.NotFound(message="Instance is not a member of specified network")
        resp.media = body
