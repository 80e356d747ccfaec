"""/v2.1/os-aggregates: host aggregates (admin only), named groups of compute hosts
with metadata; the availability_zone metadata key puts the hosts in that zone.

Actions: add_host (404 when no compute service runs on the host, 409 when already in),
remove_host (404 when not in), set_metadata (a null value deletes a key). An aggregate
that still has hosts cannot be deleted (400, as Nova). cache_images (2.81) needs image
pre-caching on the computes, which mininova does not do: 501.
"""
import falcon

from mininova import exception
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import aggregates as schemas
from mininova.api.views import aggregates as views
from mininova.db import aggregates as db_aggregates
from mininova.db import services as db_services
from mininova.objects import service as service_obj

_RULE = "os_compute_api:os-aggregates:"


def _aggregate_id(aggregate_id: str) -> int:
    try:
        return int(aggregate_id)
    except ValueError:
        raise exception.Invalid(message=f"Invalid aggregate id {aggregate_id}") from None


def _check_compute_host(host: str) -> None:
    if db_services.service_get_by_host_and_binary(host, service_obj.COMPUTE) is None:
        raise exception.ComputeHostNotFound(host=host)


def _add_host(agg_id: int, host: str):
    """Add ``host``; a zone conflict with another aggregate of it is a 409 here (Nova)."""
    try:
        return db_aggregates.aggregate_host_add(agg_id, host)
    except exception.InvalidAggregateAction as err:
        raise exception.Conflict(message=err.message) from err


class AggregateCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.ctxt.can(_RULE + "index")
        resp.media = {"aggregates": [views.show(req, row)
                                     for row in db_aggregates.aggregate_get_all()]}

    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.ctxt.can(_RULE + "create")
        body = req.context.body["aggregate"]
        row = db_aggregates.aggregate_create(body["name"], body.get("availability_zone"))
        resp.media = {"aggregate": views.show(req, row, full=False)}


class AggregateItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        req.context.ctxt.can(_RULE + "show")
        row = db_aggregates.aggregate_get(_aggregate_id(aggregate_id))
        resp.media = {"aggregate": views.show(req, row)}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        req.context.ctxt.can(_RULE + "update")
        body = req.context.body["aggregate"]
        metadata = ({db_aggregates.AZ_KEY: body["availability_zone"]}
                    if "availability_zone" in body else {})
        row = db_aggregates.aggregate_update(_aggregate_id(aggregate_id), body.get("name"),
                                             metadata)
        resp.media = {"aggregate": views.show(req, row)}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        req.context.ctxt.can(_RULE + "delete")
        db_aggregates.aggregate_delete(_aggregate_id(aggregate_id))


class AggregateAction:
    @falcon.before(validation.schema(schemas.action))
    def on_post(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        ctxt = req.context.ctxt
        ((action, args),) = req.context.body.items()
        ctxt.can(_RULE + action)
        agg_id = _aggregate_id(aggregate_id)
        if action == "set_metadata":
            row = db_aggregates.aggregate_metadata_set(agg_id, args["metadata"])
        else:
            db_aggregates.aggregate_get(agg_id)
            _check_compute_host(args["host"])
            if action == "add_host":
                row = _add_host(agg_id, args["host"])
            else:
                row = db_aggregates.aggregate_host_delete(agg_id, args["host"])
        resp.media = {"aggregate": views.show(req, row)}


class AggregateImages:
    def on_post(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        """cache_images (2.81): 404 below 2.81 (no such URL), 501 from it."""
        if not api_version.at_least(req, "2.81"):
            raise exception.NotFound()
        req.context.ctxt.can("compute:aggregates:images")
        db_aggregates.aggregate_get(_aggregate_id(aggregate_id))
        raise exception.HostNotImplemented(
            reason="Image pre-caching is not supported by this deployment.")
