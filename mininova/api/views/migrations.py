"""A migration as os-migrations and /servers/{id}/migrations show it, per microversion."""
import falcon

from mininova.api import api_version

_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def _time(value):
    return value.strftime(_TIME) if value is not None else None


def migration(req: falcon.Request, mig) -> dict:
    """One row of GET /os-migrations: migration_type and links from 2.23, uuid from
    2.59, user_id and project_id from 2.80."""
    body = {key: getattr(mig, key) for key in (
        "id", "status", "instance_uuid", "source_node", "source_compute", "dest_node",
        "dest_compute", "dest_host", "old_instance_type_id", "new_instance_type_id")}
    body.update(created_at=_time(mig.created_at), updated_at=_time(mig.updated_at))
    if api_version.at_least(req, "2.23"):
        body["migration_type"] = mig.migration_type
        if mig.migration_type == "live-migration" and mig.status not in (
                "completed", "done", "error", "failed", "cancelled"):
            path = f"servers/{mig.instance_uuid}/migrations/{mig.id}"
            body["links"] = [{"rel": "self", "href": f"{req.prefix}/v2.1/{path}"},
                             {"rel": "bookmark", "href": f"{req.prefix}/{path}"}]
    if api_version.at_least(req, "2.59"):
        body["uuid"] = mig.uuid
    if api_version.at_least(req, "2.80"):
        body.update(user_id=mig.user_id, project_id=mig.project_id)
    return body


def live_migration(req: falcon.Request, mig) -> dict:
    """One in-progress live migration of GET /servers/{id}/migrations (2.23+)."""
    body = {key: getattr(mig, key) for key in (
        "id", "status", "source_node", "source_compute", "dest_node", "dest_compute",
        "dest_host", "memory_total", "memory_processed", "memory_remaining",
        "disk_total", "disk_processed", "disk_remaining")}
    for key in ("memory_total", "memory_processed", "memory_remaining", "disk_total",
                "disk_processed", "disk_remaining"):
        body[f"{key}_bytes"] = body.pop(key)
    body.update(server_uuid=mig.instance_uuid, created_at=_time(mig.created_at),
                updated_at=_time(mig.updated_at))
    if api_version.at_least(req, "2.59"):
        body["uuid"] = mig.uuid
    if api_version.at_least(req, "2.80"):
        body.update(user_id=mig.user_id, project_id=mig.project_id)
    return body
