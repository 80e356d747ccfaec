"""The live migration server action: POST /servers/{id}/action {"os-migrateLive": {...}}
(admin), Nova's os-migrate-server migrate_live.

An entry of api/servers.py's action table: read the body as the microversion says,
check the policy, call compute/api.py (which casts to the conductor:
conductor/tasks/live_migrate.py), answer 202. ``block_migration`` "auto" (2.25) is None:
the hosts decide from their storage. A named host skips the scheduler's filters below
2.30 and, from 2.30 to 2.67, when ``force`` is true (Nova's rules); from 2.68 never.
"""
import falcon
from oslo_utils import strutils

from mininova import exception
from mininova.api import api_version
from mininova.api.schemas import live_migrate as schemas

schema = api_version.Versioned(
    ("2.1", schemas.migrate_live), ("2.25", schemas.migrate_live_v225),
    ("2.30", schemas.migrate_live_v230), ("2.68", schemas.migrate_live_v268))


def _block_migration(req: falcon.Request, body: dict) -> bool | None:
    value = body["block_migration"]
    if api_version.at_least(req, "2.25") and value == "auto":
        return None
    return strutils.bool_from_string(value, strict=True)


def _force(req: falcon.Request, body: dict, host: str | None) -> bool:
    if api_version.below(req, "2.30"):
        return host is not None
    if api_version.at_least(req, "2.68"):
        return False
    force = strutils.bool_from_string(body.get("force", False), strict=True)
    if force and not host:
        raise exception.Invalid(message="Can't force to a non-provided destination")
    return force


def live_migrate(compute_api, req: falcon.Request, instance, body: dict) -> None:
    """Start the live migration (202; the move itself is asynchronous)."""
    ctxt = req.context.ctxt
    host = body["host"]
    block_migration = _block_migration(req, body)
    force = _force(req, body, host)
    # NOTE: disk_over_commit (below 2.25) is read and ignored: the claim on the
    # destination counts the flavor's disk against the allocation ratio, as Nova's
    # placement claim does.
    ctxt.can("os_compute_api:os-migrate-server:migrate_live",
             {"project_id": instance.project_id})
    compute_api.live_migrate(ctxt, instance, host, block_migration, force)
