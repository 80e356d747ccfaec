"""/v2.1/os-aggregates: host aggregates (admin only), named groups of compute hosts
with metadata; the availability_zone metadata key puts the hosts in that zone.

Actions: add_host (404 when no compute service runs on the host, 409 when already in),
remove_host (404 when not in), set_metadata (a null value deletes a key). An aggregate
that still has hosts cannot be deleted (400, as Nova). cache_images (2.81) needs image
pre-caching on the computes, which mininova does not do: 501.
"""
import falcon

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import aggregates as schemas
from mininova.api.views import aggregates as views
from mininova.db import services as db_services
from mininova.objects import service as service_obj

CONF = conf.CONF
_RULE = "os_compute_api:os-aggregates:"
AZ_KEY = "availability_zone"


def _aggregate_id(aggregate_id: str) -> int:
    try:
        return int(aggregate_id)
    except ValueError:
        raise exception.Invalid(message=f"Invalid aggregate id {aggregate_id}") from None


def _check_compute_host(host: str) -> None:
    if db_services.service_get_by_host_and_binary(host, service_obj.COMPUTE) is None:
        raise exception.ComputeHostNotFound(host=host)


def _add_host(aggregate, host: str) -> None:
    """Add ``host``; a zone conflict with another aggregate of it is a 409 here (Nova)."""
    try:
        aggregate.add_host(host)
    except exception.InvalidAggregateAction as err:
        raise exception.Conflict(message=err.message) from err


def _check_zone(zone: str | None) -> None:
    """The internal zone is the other services' zone; no compute host goes there."""
    if zone is not None and zone == CONF.internal_service_availability_zone:
        raise exception.Invalid(message="Aggregates may not use the internal availability "
                                        f"zone {zone}")


class AggregateCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "index")
        resp.media = {"aggregates": [views.show(req, agg)
                                     for agg in objects.AggregateList.get_all(ctxt)]}

    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "create")
        body = req.context.body["aggregate"]
        _check_zone(body.get("availability_zone"))
        agg = objects.Aggregate.create_with_zone(ctxt, body["name"],
                                                 body.get("availability_zone"))
        resp.media = {"aggregate": views.show(req, agg, full=False)}


class AggregateItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "show")
        agg = objects.Aggregate.get_by_id(ctxt, _aggregate_id(aggregate_id))
        resp.media = {"aggregate": views.show(req, agg)}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "update")
        body = req.context.body["aggregate"]
        _check_zone(body.get("availability_zone"))
        agg = objects.Aggregate.get_by_id(ctxt, _aggregate_id(aggregate_id))
        agg.update(body.get("name"), {AZ_KEY: body["availability_zone"]}
                   if "availability_zone" in body else {})
        resp.media = {"aggregate": views.show(req, agg)}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can(_RULE + "delete")
        objects.Aggregate.get_by_id(ctxt, _aggregate_id(aggregate_id)).destroy()


class AggregateAction:
    @falcon.before(validation.schema(schemas.action))
    def on_post(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        ctxt = req.context.ctxt
        ((action, args),) = req.context.body.items()
        ctxt.can(_RULE + action)
        agg = objects.Aggregate.get_by_id(ctxt, _aggregate_id(aggregate_id))
        if action == "set_metadata":
            _check_zone(args["metadata"].get(AZ_KEY))
            agg.update_metadata(args["metadata"])
        else:
            _check_compute_host(args["host"])
            if action == "add_host":
                _add_host(agg, args["host"])
            else:
                agg.delete_host(args["host"])
        resp.media = {"aggregate": views.show(req, agg)}


class AggregateImages:
    def on_post(self, req: falcon.Request, resp: falcon.Response, aggregate_id: str) -> None:
        """cache_images (2.81): 404 below 2.81 (no such URL), 501 from it."""
        if not api_version.at_least(req, "2.81"):
            raise exception.NotFound()
        ctxt = req.context.ctxt
        ctxt.can("compute:aggregates:images")
        objects.Aggregate.get_by_id(ctxt, _aggregate_id(aggregate_id))
        raise exception.HostNotImplemented(
            reason="Image pre-caching is not supported by this deployment.")
