"""GET /v2.1/os-migrations (admin) and GET /v2.1/servers/{id}/migrations (2.23+).

os-migrations lists every migration record (resizes, cold and live migrations, each
kept after it ends) with Nova's filters, paging and views; /servers/{id}/migrations
shows, as Nova does, only the server's live migrations in progress, which an admin may
force to complete (POST .../migrations/{id}/action, 2.22) or abort (DELETE, 2.24).
"""
import falcon

from mininova import conf
from mininova import exception
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import live_migrate as schemas
from mininova.api.views import migrations as views
from mininova.db import compute_migrations as db_migrations

CONF = conf.CONF
_FILTERS = ("hidden", "host", "status", "instance_uuid", "migration_type",
            "source_compute")


def _allowed(req: falcon.Request) -> set[str] | None:
    """The query parameters of the request's version; None: anything (below 2.59)."""
    if api_version.below(req, "2.59"):
        return None
    allowed = {*_FILTERS, "limit", "marker", "changes-since"}
    if api_version.at_least(req, "2.66"):
        allowed.add("changes-before")
    if api_version.at_least(req, "2.80"):
        allowed |= {"user_id", "project_id"}
    return allowed


def _query(req: falcon.Request) -> tuple[dict, int | None, str | None]:
    allowed = _allowed(req)
    if allowed is not None and set(req.params) - allowed:
        unknown = ", ".join(sorted(set(req.params) - allowed))
        raise exception.Invalid(message=f"Invalid input for query parameters {unknown}.")
    names = _FILTERS if allowed is None else [
        name for name in allowed if name not in ("limit", "marker", "changes-since",
                                                 "changes-before")]
    filters = {name: req.get_param(name) for name in names
               if req.get_param(name) is not None}
    if allowed is None:
        return filters, None, None
    filters.update(changes_since=validation.time_param(req, "changes-since"),
                   changes_before=validation.time_param(req, "changes-before"))
    limit = req.get_param("limit")
    if limit is not None and not limit.isdigit():
        raise exception.ValidationError(field="limit", value=limit,
                                        reason="must be a non-negative integer")
    limit = min(int(limit), CONF.api.max_limit) if limit is not None else None
    return filters, limit, req.get_param("marker")


class MigrationCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.ctxt.can("os_compute_api:os-migrations:index")
        filters, limit, marker = _query(req)
        rows = db_migrations.migration_get_all(filters, limit=limit, marker=marker)
        body = [views.migration(req, mig) for mig in rows]
        resp.media = {"migrations": body}
        if limit and len(body) == limit:
            resp.media["migrations_links"] = [{
                "rel": "next",
                "href": f"{req.prefix}/v2.1/os-migrations?limit={limit}"
                        f"&marker={body[-1]['uuid']}"}]


def _server(req: falcon.Request, compute_api, server_id: str, rule: str):
    if api_version.below(req, "2.23") and rule in ("index", "show"):
        raise exception.NotFound(message="The resource could not be found.")
    instance = compute_api.get(req.context.ctxt, server_id)
    req.context.ctxt.can(f"os_compute_api:servers:migrations:{rule}",
                         {"project_id": instance.project_id})
    return instance


class ServerMigrations:
    """The server's in-progress live migrations."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str) -> None:
        instance = _server(req, self.compute_api, server_id, "index")
        rows = db_migrations.migration_get_in_progress_by_instance(instance.uuid,
                                                                   "live-migration")
        resp.media = {"migrations": [views.live_migration(req, mig) for mig in rows]}


class ServerMigrationItem:
    def __init__(self, compute_api):
        self.compute_api = compute_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, server_id: str,
               migration_id: str) -> None:
        instance = _server(req, self.compute_api, server_id, "show")
        for mig in db_migrations.migration_get_in_progress_by_instance(instance.uuid,
                                                                       "live-migration"):
            if str(mig.id) == migration_id:
                resp.media = {"migration": views.live_migration(req, mig)}
                return
        raise exception.MigrationNotFoundForInstance(migration_id=migration_id,
                                                     instance_id=instance.uuid)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, server_id: str,
                  migration_id: str) -> None:
        """Abort the live migration (2.24); the server stays on its source."""
        if api_version.below(req, "2.24"):
            raise exception.NotFound(message="The resource could not be found.")
        instance = _server(req, self.compute_api, server_id, "delete")
        self.compute_api.live_migrate_abort(
            req.context.ctxt, instance, migration_id,
            support_abort_in_queue=api_version.at_least(req, "2.65"))
        resp.status = falcon.HTTP_202


def _force_complete_schema(req: falcon.Request, params: dict) -> dict:
    if api_version.below(req, "2.22"):
        raise exception.NotFound(message="The resource could not be found.")
    return schemas.force_complete


class ServerMigrationAction:
    """POST /servers/{id}/migrations/{id}/action {"force_complete": null} (2.22)."""

    def __init__(self, compute_api):
        self.compute_api = compute_api

    @falcon.before(validation.schema_for(_force_complete_schema))
    def on_post(self, req: falcon.Request, resp: falcon.Response, server_id: str,
                migration_id: str) -> None:
        ctxt = req.context.ctxt
        instance = self.compute_api.get(ctxt, server_id)
        ctxt.can("os_compute_api:servers:migrations:force_complete",
                 {"project_id": instance.project_id})
        try:
            self.compute_api.live_migrate_force_complete(ctxt, instance, migration_id)
        except exception.MigrationNotFoundForInstance as exc:
            # NOTE: Nova answers 400 here (and 404 to an abort of the same).
            raise exception.Invalid(message=exc.message) from exc
        resp.status = falcon.HTTP_202
