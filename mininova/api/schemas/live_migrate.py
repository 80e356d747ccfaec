"""Bodies of the os-migrateLive server action, per microversion (Nova's four)."""
import copy

from mininova.api.schemas import BOOLEAN

# Nova's parameter_types.fqdn, or null (the scheduler picks the host).
_host = {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
         "pattern": "^[a-zA-Z0-9-._]*$"}
_block_auto = copy.deepcopy(BOOLEAN)
_block_auto["enum"].append("auto")


def _body(required: tuple, **properties: dict) -> dict:
    return {
        "type": "object",
        "properties": {"host": _host, **properties},
        "required": ["host", *required],
        "additionalProperties": False,
    }


# 2.1-2.24: block_migration and disk_over_commit, both required.
migrate_live = _body(("block_migration", "disk_over_commit"), block_migration=BOOLEAN,
                     disk_over_commit=BOOLEAN)
# 2.25-2.29: no disk_over_commit; block_migration may be "auto".
migrate_live_v225 = _body(("block_migration",), block_migration=_block_auto)
# 2.30-2.67: force (skip the scheduler's check of the host asked for).
migrate_live_v230 = _body(("block_migration",), block_migration=_block_auto, force=BOOLEAN)
# 2.68 onwards: no force.
migrate_live_v268 = _body(("block_migration",), block_migration=_block_auto)

# POST /servers/{id}/migrations/{id}/action (2.22).
force_complete = {
    "type": "object",
    "properties": {"force_complete": {"type": "null"}},
    "required": ["force_complete"],
    "additionalProperties": False,
}
