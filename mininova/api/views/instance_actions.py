"""Instance action views (os-instance-actions) at the request's microversion.

2.51 shows events to the server's owner too (the traceback stays the admin's), 2.58 adds
the action's updated_at and list paging links, 2.62 an event's hostId (everyone) and
host (admin), 2.84 an event's details.
"""
import hashlib
from urllib import parse

import falcon

from mininova.api import api_version
from mininova.api.views import usage_time as _time


def action(req: falcon.Request, act) -> dict:
    body = {"action": act.action, "instance_uuid": act.instance_uuid,
            "request_id": act.request_id, "user_id": act.user_id,
            "project_id": act.project_id, "start_time": _time(act.start_time),
            "message": act.message}
    if api_version.at_least(req, "2.58"):
        body["updated_at"] = _time(act.updated_at or act.start_time)
    return body


def host_id(project_id: str, host: str | None) -> str:
    """Nova's obfuscated host: the same for one project's servers on one host."""
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def event(req: falcon.Request, evt, project_id: str, admin: bool) -> dict:
    body = {"event": evt.event, "start_time": _time(evt.start_time),
            "finish_time": _time(evt.finish_time), "result": evt.result}
    if admin:
        body["traceback"] = evt.traceback
    if api_version.at_least(req, "2.62"):
        if admin:
            body["host"] = evt.host
        body["hostId"] = host_id(project_id, evt.host)
    if api_version.at_least(req, "2.84"):
        body["details"] = evt.details
    return body


def next_links(req: falcon.Request, server_id: str, actions: list[dict],
               limit: int | None) -> list[dict]:
    """A "next" link when a page came back full (2.58)."""
    if limit is None or not actions or len(actions) < limit:
        return []
    query = {key: value for key, value in req.params.items() if key != "marker"}
    query["marker"] = actions[-1]["request_id"]
    return [{"rel": "next",
             "href": f"{req.prefix}/v2.1/servers/{server_id}/os-instance-actions?"
                     f"{parse.urlencode(query, doseq=True)}"}]
