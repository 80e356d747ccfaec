"""Aggregate views: Nova's fields (uuid from 2.41); the zone is both a field and the
availability_zone metadata key. Aggregates are never soft-deleted here, so deleted is
always false."""
import falcon

from mininova.api import api_version
from mininova.api.views import usage_time


def show(req: falcon.Request, aggregate, full: bool = True) -> dict:
    """``full`` False is create's answer, which has no hosts or metadata."""
    body = {"id": aggregate.id, "name": aggregate.name,
            "availability_zone": aggregate.availability_zone,
            "created_at": usage_time(aggregate.created_at),
            "updated_at": usage_time(aggregate.updated_at),
            "deleted_at": None, "deleted": False}
    if api_version.at_least(req, "2.41"):
        body["uuid"] = aggregate.uuid
    if full:
        body["hosts"] = list(aggregate.hosts)
        body["metadata"] = dict(aggregate.metadata)
    return body
