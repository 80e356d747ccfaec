"""/v2.1/servers: create, list, show, delete, and the server actions."""
import re
import urllib.parse

import falcon
from oslo_utils import timeutils

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import validation
from mininova.api.schemas import servers as schemas
from mininova.api.views import servers as views
from mininova.db import api as db_api

CONF = conf.CONF


def _faults(ctxt, instances) -> dict:
    uuids = [inst.uuid for inst in instances if inst.vm_state == "error"]
    return objects.InstanceFault.get_latest_for_instances(ctxt, uuids)


def _host_fields(ctxt) -> bool:
    return ctxt.can("os_compute_api:os-extended-server-attributes", fatal=False)


class _ServerList:
    """GET /servers and /servers/detail share filtering and paging."""

    detail = False

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        filters = _filters(req, ctxt)
        if filters is None:
            resp.media = {"servers": []}
            return
        sort_key = req.get_param("sort_key") or "created_at"
        sort_dir = req.get_param("sort_dir") or "desc"
        if sort_key not in db_api.SORT_KEYS or sort_dir not in ("asc", "desc"):
            raise exception.Invalid(reason=f"Invalid sort_key {sort_key!r} or sort_dir "
                                           f"{sort_dir!r}; sort_key is one of "
                                           f"{', '.join(db_api.SORT_KEYS)}.")
        limit = min(req.get_param_as_int("limit", min_value=0) or CONF.api.max_limit,
                    CONF.api.max_limit)
        instances = self.compute_api.get_all(ctxt, filters, limit=limit,
                                             marker=req.get_param("marker"),
                                             sort_key=sort_key, sort_dir=sort_dir)
        if self.detail:
            faults = _faults(ctxt, instances)
            body = [views.show(req.prefix, inst, faults.get(inst.uuid), _host_fields(ctxt))
                    for inst in instances]
        else:
            body = [views.basic(req.prefix, inst) for inst in instances]
        resp.media = {"servers": body}
        if len(instances) == limit and instances:
            path = "servers/detail" if self.detail else "servers"
            query = urllib.parse.urlencode({**req.params, "limit": limit,
                                            "marker": instances[-1].uuid}, doseq=True)
            resp.media["servers_links"] = [{"rel": "next",
                                            "href": f"{req.prefix}/v2.1/{path}?{query}"}]


def _filters(req: falcon.Request, ctxt) -> dict | None:
    """The list filters a caller may use; None when they can match nothing."""
    filters = {}
    if req.get_param("status"):
        status = req.get_param("status").upper()
        if status not in views.STATUS_TO_VM_STATE:
            return None
        filters["vm_state"] = views.STATUS_TO_VM_STATE[status]
    if req.get_param("name"):
        try:
            re.compile(req.get_param("name"))
        except re.error as exc:
            raise exception.Invalid(reason=f"Invalid name regular expression: {exc}") from exc
        filters["name"] = req.get_param("name")
    if req.get_param("changes-since"):
        since = req.get_param("changes-since")
        try:
            filters["changes_since"] = timeutils.parse_isotime(since)
        except ValueError as exc:
            raise exception.Invalid(reason=f"Invalid changes-since value {since!r}") from exc
    if ctxt.can("os_compute_api:servers:index:get_all_tenants", fatal=False):
        if req.get_param_as_bool("all_tenants", blank_as_true=True):
            filters["all_tenants"] = True
        for key in ("host", "project_id"):
            if req.get_param(key):
                filters[key] = req.get_param(key)
    return filters


class ServerCollection(_ServerList):
    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = req.context.body["server"]
        instance = self.compute_api.create(req.context.ctxt, body["name"],
                                           str(body["flavorRef"]), body["imageRef"])
        resp.status = falcon.HTTP_202
        resp.set_header("Location", f"{req.prefix}/v2.1/servers/{instance.uuid}")
        resp.media = {"server": {**views.basic(req.prefix, instance),
                                 "OS-DCF:diskConfig": "MANUAL"}}


class ServerDetail(_ServerList):
    detail = True


class ServerItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        fault = _faults(ctxt, [instance]).get(instance.uuid)
        resp.media = {"server": views.show(req.prefix, instance, fault, _host_fields(ctxt))}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        self.compute_api.delete(ctxt, self.compute_api.get(ctxt, server_id))
        resp.status = falcon.HTTP_204


class ServerAction:
    """POST /servers/{id}/action: the body's single key names the action."""

    def __init__(self, compute_api):
        self.compute_api = compute_api
        # Each action: its body schema, and a handler returning the response body (if any).
        self.actions = {
            "os-start": (schemas.start, lambda ctxt, inst, _: compute_api.start(ctxt, inst)),
            "os-stop": (schemas.stop, lambda ctxt, inst, _: compute_api.stop(ctxt, inst)),
            "reboot": (schemas.reboot, lambda ctxt, inst, body: compute_api.reboot(
                ctxt, inst, body["type"].upper())),
            "os-getConsoleOutput": (schemas.get_console_output, self._console_output),
        }

    @falcon.before(validation.schema(schemas.action))
    def on_post(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ((name, body),) = req.context.body.items()
        if name not in self.actions:
            raise exception.Invalid(message=f"There is no such action: {name}")
        schema, handler = self.actions[name]
        validation.check(schema, body, field=name)
        ctxt = req.context.ctxt
        result = handler(ctxt, self.compute_api.get(ctxt, server_id), body)
        if result is None:
            resp.status = falcon.HTTP_202
        else:
            resp.media = result

    def _console_output(self, ctxt, instance, body) -> dict:
        length = (body or {}).get("length")
        length = None if length is None or int(length) == -1 else int(length)
        return {"output": self.compute_api.get_console_output(ctxt, instance, length)}
