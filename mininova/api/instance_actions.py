"""/v2.1/servers/{id}/os-instance-actions: what was asked of a server, and what happened."""
import falcon

from mininova import objects
from mininova.api.views import instance_actions as views


class InstanceActionCollection:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid)
        resp.media = {"instanceActions": [views.action(act) for act in actions]}


class InstanceActionItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               request_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        act = objects.InstanceAction.get_by_request_id(ctxt, instance.uuid, request_id)
        events = objects.InstanceActionEventList.get_by_action(ctxt, act.id)
        body = views.action(act)
        details = ctxt.can("os_compute_api:os-instance-actions:events:details", fatal=False)
        body["events"] = [views.event(evt, details) for evt in events]
        resp.media = {"instanceAction": body}
