"""Aggregate views: Nova's fields (uuid from 2.41); the zone is both a field and the
availability_zone metadata key. Aggregates are never soft-deleted here, so deleted is
always false."""
import falcon

from mininova.api import api_version
from mininova.api.views import usage_time
from mininova.db import aggregates as db_aggregates


def show(req: falcon.Request, row, full: bool = True) -> dict:
    """``full`` False is create's answer, which has no hosts or metadata."""
    metadata = {m.key: m.value for m in row.metadata_items}
    body = {"id": row.id, "name": row.name,
            "availability_zone": metadata.get(db_aggregates.AZ_KEY),
            "created_at": usage_time(row.created_at),
            "updated_at": usage_time(row.updated_at),
            "deleted_at": None, "deleted": False}
    if api_version.at_least(req, "2.41"):
        body["uuid"] = row.uuid
    if full:
        body["hosts"] = sorted(h.host for h in row.hosts)
        body["metadata"] = metadata
    return body
