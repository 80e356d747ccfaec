"""Bodies of the evacuate server action, per microversion (Nova's four)."""
from mininova.api.schemas import BOOLEAN

# Nova's parameter_types.fqdn and admin_password.
_host = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": "^[a-zA-Z0-9-._]*$"}
_admin_pass = {"type": "string"}


def _body(required: tuple = (), **extra: dict) -> dict:
    return {
        "type": "object",
        "properties": {"host": _host, "adminPass": _admin_pass, **extra},
        "required": list(required),
        "additionalProperties": False,
    }


# 2.1-2.13: the caller says whether the disks are on shared storage.
evacuate = _body(("onSharedStorage",), onSharedStorage=BOOLEAN)
# 2.14-2.28: the compute finds that out itself.
evacuate_v214 = _body()
# 2.29-2.67: force (skip the scheduler's check of the host asked for).
evacuate_v229 = _body(force=BOOLEAN)
# 2.68 onwards: no force.
evacuate_v268 = _body()
