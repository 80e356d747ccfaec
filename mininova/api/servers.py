"""/v2.1/servers: create, list, show, update, delete, and the server actions.

What each microversion adds to a server is the view's business (api/views/servers.py);
this module fetches what the view needs once per request, and validates the bodies and
query parameters of the request's version.
"""
import functools
import urllib.parse

import falcon
from oslo_utils import strutils

from mininova import availability_zones
from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import admin_actions
from mininova.api import api_version
from mininova.api import evacuate
from mininova.api import live_migrate
from mininova.api import server_filters
from mininova.api import server_rebuild
from mininova.api import server_resize
from mininova.api import unsupported_actions
from mininova.api import validation
from mininova.api.schemas import servers as schemas
from mininova.api.views import servers as views
from mininova.db import api as db_api
from mininova.db import instances as db_instances
from mininova.network import api as network_api
from mininova.objects import service as service_obj

CONF = conf.CONF


def _at_least(req: falcon.Request):
    return functools.partial(api_version.at_least, req)


def extras(req: falcon.Request, compute_api, instances) -> views.Extras:
    """Everything the views of ``instances`` need, in a few queries for the whole list."""
    ctxt = req.context.ctxt
    result = views.Extras(
        extended_attrs=ctxt.can("os_compute_api:os-extended-server-attributes",
                                fatal=False))
    result.zones = availability_zones.host_zones()
    result.default_zone = CONF.default_availability_zone
    uuids = [inst.uuid for inst in instances]
    errored = [inst.uuid for inst in instances if inst.vm_state == "error"]
    result.faults = objects.InstanceFault.get_latest_for_instances(ctxt, errored)
    result.metadata = compute_api.get_instances_metadata(ctxt, instances)
    if api_version.at_least(req, "2.26"):
        result.tags = objects.TagList.names_by_resource(ctxt, uuids)
    if api_version.at_least(req, "2.47"):
        result.extra_specs = ctxt.can("os_compute_api:os-flavor-extra-specs:index",
                                      fatal=False)
    if api_version.at_least(req, "2.16"):
        if ctxt.can("os_compute_api:servers:show:host_status", fatal=False):
            result.host_status = compute_api.get_instance_host_status(ctxt, instances)
        elif ctxt.can("os_compute_api:servers:show:host_status:unknown-only",
                      fatal=False):
            result.host_status = compute_api.get_instance_host_status(ctxt, instances)
            result.host_status_unknown_only = True
    if api_version.at_least(req, "2.98"):
        for image_id in {inst.image_ref for inst in instances}:
            try:
                record = objects.Image.get_by_id(ctxt, image_id)
            except exception.ImageNotFound:
                record = None
            result.images[image_id] = views.image_properties(record)
    return result


class _ServerList:
    """GET /servers and /servers/detail share filtering and paging."""

    detail = False

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        server_filters.check_known(req)
        try:
            filters = server_filters.filters(req, ctxt)
        except server_filters.MatchesNothing:
            resp.media = {"servers": []}
            return
        sort_key = req.get_param("sort_key") or "created_at"
        sort_dir = req.get_param("sort_dir") or "desc"
        if sort_key not in db_instances.SORT_KEYS or sort_dir not in ("asc", "desc"):
            raise exception.Invalid(reason=f"Invalid sort_key {sort_key!r} or sort_dir "
                                           f"{sort_dir!r}; sort_key is one of "
                                           f"{', '.join(db_instances.SORT_KEYS)}.")
        limit = req.get_param_as_int("limit", min_value=0)
        if limit == 0:
            # NOTE: Nova answers limit=0 with an empty page, not the default page size.
            resp.media = {"servers": []}
            return
        limit = min(limit or CONF.api.max_limit, CONF.api.max_limit)
        with db_api.reader():
            # NOTE: the brief list reads only the columns its view shows.
            instances = self.compute_api.get_all(
                ctxt, filters, limit=limit, marker=req.get_param("marker"),
                sort_key=sort_key, sort_dir=sort_dir,
                fields=None if self.detail else views.BASIC_FIELDS)
            if self.detail:
                more = extras(req, self.compute_api, instances)
                body = [views.show(req, inst, more) for inst in instances]
            else:
                body = [views.basic(req.prefix, inst) for inst in instances]
        resp.media = {"servers": body}
        if len(instances) == limit and instances:
            path = "servers/detail" if self.detail else "servers"
            query = urllib.parse.urlencode({**req.params, "limit": limit,
                                            "marker": instances[-1].uuid}, doseq=True)
            resp.media["servers_links"] = [{"rel": "next",
                                            "href": f"{req.prefix}/v2.1/{path}?{query}"}]


def _create_schema(req: falcon.Request, params: dict) -> dict:
    return schemas.create(_at_least(req))


def _update_schema(req: falcon.Request, params: dict) -> dict:
    return schemas.update(_at_least(req))


def _zone_available(ctxt, zone: str) -> bool:
    """A zone an enabled compute service is in (Nova's available zones)."""
    hosts = [svc.host for svc in objects.ServiceList.get_all(ctxt, service_obj.COMPUTE)
             if not svc.disabled]
    zones = availability_zones.host_zones()
    return any(availability_zones.zone_of(host, zones) == zone for host in hosts)


class ServerCollection(_ServerList):
    @falcon.before(validation.schema_for(_create_schema))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        server = req.context.body["server"]
        zone = server.get("availability_zone")
        if zone is not None and not _zone_available(req.context.ctxt, zone):
            raise exception.Invalid(message="The requested availability zone is not "
                                            "available")
        min_count, max_count = _counts(server)
        requested_networks = network_api.validate_networks(
            req.context.ctxt, server.get("networks"), max_count)
        hints = (req.context.body.get("os:scheduler_hints")
                 or req.context.body.get("OS-SCH-HNT:scheduler_hints"))
        instance = self.compute_api.create(
            req.context.ctxt, server["name"], str(server["flavorRef"]), server["imageRef"],
            description=server.get("description"), tags=server.get("tags"),
            hostname=server.get("hostname"), user_data=server.get("user_data"),
            availability_zone=zone, scheduler_hints=hints, key_name=server.get("key_name"),
            metadata=server.get("metadata"), min_count=min_count, max_count=max_count,
            auto_disk_config=server.get("OS-DCF:diskConfig") == "AUTO",
            config_drive=strutils.bool_from_string(server.get("config_drive", False)),
            requested_networks=requested_networks, **validation.access_ips(server))
        resp.status = falcon.HTTP_202
        if strutils.bool_from_string(server.get("return_reservation_id", False)):
            resp.media = {"reservation_id": instance.reservation_id}
            return
        resp.set_header("Location", f"{req.prefix}/v2.1/servers/{instance.uuid}")
        resp.media = {"server": views.create(
            req.prefix, instance, server.get("adminPass"),
            with_password=CONF.api.enable_instance_password)}


def _counts(server: dict) -> tuple[int, int]:
    """min_count and max_count of a multi-create (the schema made them positive)."""
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if min_count > max_count:
        raise exception.Invalid(message="min_count must be <= max_count")
    return min_count, max_count


class ServerDetail(_ServerList):
    detail = True


class ServerItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        with db_api.reader():
            instance = self.compute_api.get(req.context.ctxt, server_id)
            resp.media = {"server": views.show(req, instance,
                                               extras(req, self.compute_api, [instance]),
                                               server_groups=True)}

    @falcon.before(validation.schema_for(_update_schema))
    def on_put(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        """Rename, describe (2.19), re-hostname (2.90) a server or set its access IPs;
        from 2.75 the answer is the whole server, as GET shows it."""
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        body = req.context.body["server"]
        updates = {"display_name": body["name"]} if "name" in body else {}
        for key in ("description", "hostname"):
            if key in body:
                updates[key] = body[key]
        updates.update(validation.access_ips(body))
        if "OS-DCF:diskConfig" in body:
            updates["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
        instance = self.compute_api.update(ctxt, instance, updates)
        resp.media = {"server": views.show(req, instance,
                                           extras(req, self.compute_api, [instance]),
                                           full=api_version.at_least(req, "2.75"),
                                           server_groups=True)}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ctxt = req.context.ctxt
        self.compute_api.delete(ctxt, self.compute_api.get(ctxt, server_id))
        resp.status = falcon.HTTP_204


# Actions Nova answers 202 with a body (and the server's Location), not 200.
ACCEPTED_WITH_BODY = {"rebuild"}
# Actions Nova answers 204, not 202.
NO_CONTENT = {"confirmResize"}
# Actions Nova answers 200 even without a body (evacuate from 2.14).
OK_WITHOUT_BODY = {"evacuate"}


class ServerAction:
    """POST /servers/{id}/action: the body's single key names the action."""

    def __init__(self, compute_api):
        self.compute_api = compute_api
        # Each action: its body schema (or a function of the request giving it), and a
        # handler returning the response body (if any).
        self.actions = {
            "os-start": (schemas.start, lambda req, inst, _: compute_api.start(
                req.context.ctxt, inst)),
            "os-stop": (schemas.stop, lambda req, inst, _: compute_api.stop(
                req.context.ctxt, inst)),
            "reboot": (schemas.reboot, lambda req, inst, body: compute_api.reboot(
                req.context.ctxt, inst, body["type"].upper())),
            "os-getConsoleOutput": (schemas.get_console_output, self._console_output),
            "lock": (_lock_schema, self._lock),
            "unlock": (schemas.unlock, self._unlock),
            "rebuild": (server_rebuild.schema, functools.partial(
                server_rebuild.rebuild, compute_api, extras)),
            "os-resetState": (admin_actions.reset_state_schema, functools.partial(
                admin_actions.reset_state, compute_api)),
            "forceDelete": (schemas.force_delete, self._force_delete),
            "resize": (server_resize.resize_schema, functools.partial(
                server_resize.resize, compute_api)),
            "confirmResize": (server_resize.confirm_schema, functools.partial(
                server_resize.confirm_resize, compute_api)),
            "revertResize": (server_resize.revert_schema, functools.partial(
                server_resize.revert_resize, compute_api)),
            "migrate": (server_resize.migrate_schema, functools.partial(
                server_resize.migrate, compute_api)),
            "evacuate": (evacuate.schema, functools.partial(evacuate.evacuate,
                                                            compute_api)),
            "os-migrateLive": (live_migrate.schema, functools.partial(
                live_migrate.live_migrate, compute_api)),
        }

    @falcon.before(validation.schema(schemas.action))
    def on_post(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        ((name, body),) = req.context.body.items()
        if name in unsupported_actions.NAMES:
            unsupported_actions.refuse(
                name, self.compute_api.get(req.context.ctxt, server_id))
        if name not in self.actions:
            raise exception.Invalid(message=f"There is no such action: {name}")
        schema, handler = self.actions[name]
        validation.check(schema(req) if callable(schema) else schema, body, field=name)
        instance = self.compute_api.get(req.context.ctxt, server_id)
        result = handler(req, instance, body)
        if result is None:
            resp.status = (falcon.HTTP_204 if name in NO_CONTENT
                           else falcon.HTTP_200 if name in OK_WITHOUT_BODY
                           else falcon.HTTP_202)
        else:
            resp.media = result
        if name in ACCEPTED_WITH_BODY:
            resp.status = falcon.HTTP_202
            resp.set_header("Location", f"{req.prefix}/v2.1/servers/{instance.uuid}")

    def _console_output(self, req: falcon.Request, instance, body) -> dict:
        length = (body or {}).get("length")
        length = None if length is None or int(length) == -1 else int(length)
        return {"output": self.compute_api.get_console_output(req.context.ctxt, instance,
                                                              length)}

    def _force_delete(self, req: falcon.Request, instance, body) -> None:
        """Nova force-deletes in any vm_state; without soft delete that is a delete."""
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-deferred-delete:force",
                 {"project_id": instance.project_id})
        self.compute_api.delete(ctxt, instance)

    def _lock(self, req: falcon.Request, instance, body) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-lock-server:lock", {"project_id": instance.project_id})
        reason = None
        if api_version.at_least(req, "2.73") and body:
            reason = body.get("locked_reason")
        self.compute_api.lock(ctxt, instance, reason=reason)

    def _unlock(self, req: falcon.Request, instance, body) -> None:
        ctxt = req.context.ctxt
        target = {"project_id": instance.project_id}
        ctxt.can("os_compute_api:os-lock-server:unlock", target)
        if not self.compute_api.is_expected_locked_by(ctxt, instance):
            ctxt.can("os_compute_api:os-lock-server:unlock:unlock_override", target)
        self.compute_api.unlock(ctxt, instance)


_lock_schema = api_version.Versioned(("2.1", schemas.lock_v21), ("2.73", schemas.lock_v273))
