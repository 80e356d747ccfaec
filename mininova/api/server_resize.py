"""The resize server actions: POST /servers/{id}/action with ``resize``,
``confirmResize``, ``revertResize`` (owner) and ``migrate`` (admin; ``host`` from 2.56).

Entries of api/servers.py's action table: check the policy, call compute/api.py, answer
202 (the move itself is asynchronous: conductor/tasks/migrate.py, compute/resize.py).
"""
import falcon

from mininova.api import api_version
from mininova.api.schemas import server_resize as schemas

confirm_schema = schemas.confirm_resize
revert_schema = schemas.revert_resize
resize_schema = schemas.resize


migrate_schema = api_version.Versioned(("2.1", schemas.migrate_v21),
                                        ("2.56", schemas.migrate_v256))


def resize(compute_api, req: falcon.Request, instance, body: dict) -> None:
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:servers:resize", {"project_id": instance.project_id})
    disk_config = body.get("OS-DCF:diskConfig")
    compute_api.resize(ctxt, instance, flavor_id=str(body["flavorRef"]),
                       auto_disk_config=None if disk_config is None
                       else disk_config == "AUTO")


def confirm_resize(compute_api, req: falcon.Request, instance, body) -> None:
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:servers:confirm_resize", {"project_id": instance.project_id})
    compute_api.confirm_resize(ctxt, instance)


def revert_resize(compute_api, req: falcon.Request, instance, body) -> None:
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:servers:revert_resize", {"project_id": instance.project_id})
    compute_api.revert_resize(ctxt, instance)


def migrate(compute_api, req: falcon.Request, instance, body) -> None:
    """Cold migration, the same flavor on another host (admins only by default)."""
    ctxt = req.context.ctxt
    target = {"project_id": instance.project_id}
    ctxt.can("os_compute_api:os-migrate-server:migrate", target)
    # NOTE: below 2.56 Nova ignores the body.
    host = (body or {}).get("host") if api_version.at_least(req, "2.56") else None
    if host is not None:
        ctxt.can("os_compute_api:os-migrate-server:migrate:host", target)
    compute_api.resize(ctxt, instance, host=host)
