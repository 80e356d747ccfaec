"""/v2.1/servers/{id}/os-instance-actions: what was asked of a server, and what happened.

From 2.21 the actions of a deleted server stay readable; from 2.58 the list pages
(limit, marker = a request id) and filters on updated_at (changes-since, and
changes-before from 2.66).
"""
import falcon

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.views import instance_actions as views
from mininova.db import instances as db_instances

CONF = conf.CONF


def _instance(req: falcon.Request, compute_api, server_id: str):
    """The server (uuid, project_id), a deleted one too from 2.21."""
    ctxt = req.context.ctxt
    try:
        return compute_api.get(ctxt, server_id)
    except exception.InstanceNotFound:
        if api_version.below(req, "2.21"):
            raise
    row = db_instances.instance_get_by_uuid(server_id, read_deleted=True)
    if not ctxt.is_admin and row.project_id != ctxt.project_id:
        raise exception.InstanceNotFound(instance_id=server_id)
    return row


def _filters(req: falcon.Request) -> dict:
    """limit, marker, changes_since, changes_before; unknown parameters are a 400."""
    allowed = {"limit", "marker", "changes-since"}
    if api_version.at_least(req, "2.66"):
        allowed.add("changes-before")
    unknown = set(req.params) - allowed
    if unknown:
        raise exception.Invalid(message="Invalid input for query parameters "
                                        f"{', '.join(sorted(unknown))}.")
    limit = req.get_param("limit")
    if limit is not None and not limit.isdigit():
        raise exception.ValidationError(field="limit", value=limit,
                                        reason="must be a non-negative integer")
    since = validation.time_param(req, "changes-since")
    before = validation.time_param(req, "changes-before")
    if since is not None and before is not None and before < since:
        raise exception.Invalid(message="The value of changes-since must be less than or "
                                        "equal to changes-before.")
    return {"limit": min(int(limit), CONF.api.max_limit) if limit is not None else None,
            "marker": req.get_param("marker"), "changes_since": since,
            "changes_before": before}


class InstanceActionCollection:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = _instance(req, self.compute_api, server_id)
        filters = _filters(req) if api_version.at_least(req, "2.58") else {}
        actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid,
                                                                  **filters)
        body = [views.action(req, act) for act in actions]
        resp.media = {"instanceActions": body}
        links = views.next_links(req, server_id, body, filters.get("limit"))
        if links:
            resp.media["links"] = links


class InstanceActionItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               request_id: str) -> None:
        ctxt = req.context.ctxt
        instance = _instance(req, self.compute_api, server_id)
        act = objects.InstanceAction.get_by_request_id(ctxt, instance.uuid, request_id)
        body = views.action(req, act)
        admin = ctxt.can("os_compute_api:os-instance-actions:events:details", fatal=False)
        if admin or api_version.at_least(req, "2.51"):
            events = objects.InstanceActionEventList.get_by_action(ctxt, act.id)
            project_id = act.project_id or instance.project_id
            body["events"] = [views.event(req, evt, project_id, admin) for evt in events]
        resp.media = {"instanceAction": body}
