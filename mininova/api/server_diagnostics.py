"""GET /v2.1/servers/{id}/diagnostics (admin): what the hypervisor reports of the guest.

A call to the instance's host through compute/api.py; 409 while the server has no host
or its guest is not running; Nova's 2.48 body from 2.48, the libvirt driver's flat dict
before.
"""
import falcon

from mininova.api import api_version
from mininova.api.views import server_diagnostics as views


class ServerDiagnostics:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        ctxt.can("os_compute_api:os-server-diagnostics", {"project_id": instance.project_id})
        diag = self.compute_api.get_instance_diagnostics(ctxt, instance)
        resp.media = (views.show(diag) if api_version.at_least(req, "2.48")
                      else views.legacy(diag))
