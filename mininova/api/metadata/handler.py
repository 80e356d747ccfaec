"""mininova-metadata's falcon app: a guest asks, its source address says who it is.

A request from a guest (``GET http://169.254.169.254/openstack/latest/meta_data.json``,
``/latest/meta-data/local-ipv4``, ...) is answered from that guest's own record: the
source address names a fixed IP (``db.fixed_ips.get_by_address``), the fixed IP its
server, and ``api/metadata/base.py`` the answer. Like nova-api-metadata it reads the
database directly. An address no server holds gets 404, and so does anything asked
about another server: no header or path can name another guest, so no project ever
sees another's data. Only GET (and HEAD) is served.
"""
from __future__ import annotations

from collections.abc import Callable

import falcon
from oslo_log import log as logging

from mininova import context as mn_context
from mininova import exception
from mininova import objects
from mininova.api.metadata import base
from mininova.db import fixed_ips
from mininova.db import instance_metadata as db_metadata

LOG = logging.getLogger(__name__)

FixedIpLookup = Callable[[object, str], "dict | None"]


class MetadataResource:
    """Every path: find the asking guest, then its answer for the path."""

    def __init__(self, find_fixed_ip: FixedIpLookup) -> None:
        self.find_fixed_ip = find_fixed_ip

    def _instance_metadata(self, address: str) -> base.InstanceMetadata:
        ctxt = mn_context.get_admin_context()
        fixed_ip = self.find_fixed_ip(ctxt, address) if address else None
        if not fixed_ip or not fixed_ip.get("instance_uuid"):
            LOG.info("Metadata request from %s, which no server holds", address)
            raise falcon.HTTPNotFound()
        try:
            instance = objects.Instance.get_by_uuid(ctxt, fixed_ip["instance_uuid"])
        except exception.InstanceNotFound as exc:
            raise falcon.HTTPNotFound() from exc
        # NOTE: the allocation and the server must agree on the project; a stale or
        # reused row must never hand one project's data to another's guest.
        if fixed_ip.get("project_id") not in (None, instance.project_id):
            LOG.warning("Fixed IP %s belongs to project %s, server %s to %s: refused",
                        address, fixed_ip.get("project_id"), instance.uuid,
                        instance.project_id)
            raise falcon.HTTPNotFound()
        return base.InstanceMetadata(instance, db_metadata.metadata_get(instance.uuid))

    def on_get(self, req: falcon.Request, resp: falcon.Response, path: str = "") -> None:
        metadata = self._instance_metadata(req.remote_addr)
        try:
            body = metadata.lookup(path)
        except base.NotFound as exc:
            raise falcon.HTTPNotFound() from exc
        resp.data = body
        resp.content_type = ("application/json" if path.endswith(".json")
                             else "text/plain; charset=UTF-8")

    on_head = on_get


def create_app(conf, find_fixed_ip: FixedIpLookup | None = None) -> falcon.App:
    """The metadata app; ``find_fixed_ip(context, address)`` (default: the fixed_ips
    table) returns the allocation of an address, or None."""
    objects.register_all()
    app = falcon.App()
    resource = MetadataResource(find_fixed_ip or fixed_ips.get_by_address)
    app.add_route("/", resource)
    app.add_route("/{path:path}", resource)
    return app
