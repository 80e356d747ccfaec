"""The rebuild server action: POST /servers/{id}/action {"rebuild": {...}}.

An entry of api/servers.py's action table: validate (api/schemas/server_rebuild.py),
call compute/api.py, and answer 202 with the server as Nova does: the PUT view below
2.75 (plus key_name from 2.54 and user_data from 2.57), the whole server from 2.75 (with
user_data in place of OS-EXT-SRV-ATTR:user_data), and the adminPass.
"""

import falcon
from oslo_utils import strutils

from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import server_rebuild as schemas
from mininova.api.views import servers as views

# Body key -> compute_api.rebuild keyword, and the version that brings it.
_UPDATES = (("name", "display_name", "2.1"), ("description", "description", "2.19"),
            ("metadata", "metadata", "2.1"), ("key_name", "key_name", "2.54"),
            ("user_data", "user_data", "2.57"), ("hostname", "hostname", "2.90"))


def schema(req: falcon.Request) -> dict:
    return schemas.rebuild(lambda version: api_version.at_least(req, version))


def rebuild(compute_api, extras, req: falcon.Request, instance, body: dict) -> dict:
    """Start the rebuild and render the 202 body (``extras`` is api/servers.extras)."""
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:servers:rebuild", {"project_id": instance.project_id})
    updates = {kwarg: body[key] for key, kwarg, version in _UPDATES
               if key in body and api_version.at_least(req, version)}
    updates.update(validation.access_ips(body))
    if "OS-DCF:diskConfig" in body:
        updates["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
    compute_api.rebuild(
        ctxt, instance, body["imageRef"],
        preserve_ephemeral=strutils.bool_from_string(body.get("preserve_ephemeral")),
        **updates)
    instance = compute_api.get(ctxt, instance.uuid)
    full = api_version.at_least(req, "2.75")
    server = views.show(req, instance, extras(req, compute_api, [instance]), full=full,
                        server_groups=True)
    if full:
        server.pop("OS-EXT-SRV-ATTR:user_data", None)

    if api_version.at_least(req, "2.54"):
        server["key_name"] = instance.key_name
    if api_version.at_least(req, "2.57"):
        server["user_data"] = instance.user_data
    server["adminPass"] = body.get("adminPass") or views.password()
    return {"server": server}
