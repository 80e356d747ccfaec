"""/v2.1/flavors: list, detail, show; create, update (2.55) and delete (os-flavor-manage,
admin only). A flavor's extra specs (api/flavors_extraspecs.py) and the projects a
private flavor is shared with (api/flavor_access.py) have their own resources.

Who sees which flavor is Nova's rule: admins every flavor (listing public ones unless
``is_public`` says otherwise), others the public flavors and the private ones shared
with their project; a flavor one cannot see is a 404 to show, a 400 to boot.
"""
import functools
import urllib.parse
import uuid

import falcon
from oslo_utils import strutils

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import MAX_INT
from mininova.api.schemas import flavors as schemas
from mininova.api.views import flavors as views

CONF = conf.CONF
# The list's query parameters (api/schemas/flavors.py index_query).
_QUERY = ("limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir")


def _shows_extra_specs(req: falcon.Request) -> bool:
    """Whether flavor bodies carry extra_specs (2.61): only for who may list them."""
    return (api_version.at_least(req, "2.61") and
            req.context.ctxt.can("os_compute_api:os-flavor-extra-specs:index",
                                 fatal=False))


class _FlavorList:
    """GET /flavors and /flavors/detail share the listing; only the view differs."""

    detail = False

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        query = _list_query(req)
        limit = min(int(query.get("limit", CONF.api.max_limit)), CONF.api.max_limit)
        marker = query.get("marker")
        try:
            flavors = objects.FlavorList.get_all(
                ctxt, filters=_filters(ctxt, query),
                sort_key=query.get("sort_key") or "flavorid",
                sort_dir=query.get("sort_dir") or "asc", limit=limit, marker=marker)
        except exception.MarkerNotFound as exc:
            raise exception.Invalid(message=f"marker [{marker}] not found") from exc
        render = (functools.partial(views.show, extra_specs=_shows_extra_specs(req))
                  if self.detail else views.basic)
        resp.media = {"flavors": [render(req, f) for f in flavors]}
        if limit and len(flavors) == limit:
            path = "flavors/detail" if self.detail else "flavors"
            params = urllib.parse.urlencode(
                {**req.params, "marker": flavors[-1].flavorid}, doseq=True)
            resp.media["flavors_links"] = [
                {"rel": "next", "href": f"{req.prefix}/v2.1/{path}?{params}"}]


def _list_query(req: falcon.Request) -> dict[str, str]:
    """The list's parameters, checked as Nova's query schema does (unknown ones are a
    400 from 2.75); a repeated parameter counts by its last value."""
    values = {name: req.get_param_as_list(name) for name in _QUERY if req.has_param(name)}
    validation.check_storable(values, "query")
    schema = (schemas.index_query_v275 if api_version.at_least(req, "2.75")
              else schemas.index_query)
    validation.check(schema, {**dict.fromkeys(req.params, []), **values}, field="query")
    return {name: value[-1] for name, value in values.items()}


def _filters(ctxt, query: dict[str, str]) -> dict:
    """Nova's filters: ``is_public`` is for admins (true by default, ``none`` for all);
    other callers always get the enabled public flavors and those shared with them."""
    filters: dict = {}
    if ctxt.is_admin:
        filters["is_public"] = _is_public(query.get("is_public"))
    else:
        filters.update(is_public=True, disabled=False)
    for param, key in (("minRam", "min_memory_mb"), ("minDisk", "min_root_gb")):
        if param in query:
            try:
                minimum = int(query[param])
            except ValueError as exc:
                raise exception.Invalid(
                    message=f"Invalid {param} filter [{query[param]}]") from exc
            # NOTE: sizes are 0..MAX_INT: a bound outside means all or none, and stays
            # inside what every database binds (SQLite refuses integers past 64 bits).
            filters[key] = max(0, min(minimum, MAX_INT + 1))
    return filters


def _is_public(value: str | None) -> bool | None:
    if value is None:
        return True
    if value.lower() == "none":
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as exc:
        raise exception.Invalid(message=f"Invalid is_public filter [{value}]") from exc


class FlavorCollection(_FlavorList):

    @falcon.before(validation.versioned_schema(("2.1", schemas.create),
                                               ("2.55", schemas.create_v255)))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:create")
        body = req.context.body["flavor"]
        flavorid = body.get("id")
        # NOTE: Nova makes up a UUID for a missing, null (or otherwise false: 0) id, and
        # keeps a number as its text (7 is "7").
        if not flavorid or flavorid == "auto":
            flavorid = str(uuid.uuid4())
        flavor = objects.Flavor(
            ctxt, flavorid=str(flavorid), name=body["name"],
            memory_mb=int(body["ram"]), vcpus=int(body["vcpus"]),
            root_gb=int(body["disk"]),
            ephemeral_gb=int(body.get("OS-FLV-EXT-DATA:ephemeral") or 0),
            swap=int(body.get("swap") or 0), disabled=False,
            is_public=strutils.bool_from_string(
                body.get("os-flavor-access:is_public", True), strict=True),
            description=body.get("description"))
        flavor.create()
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}


class FlavorDetail(_FlavorList):
    """GET only: POST /flavors/detail is a 405, as in Nova."""

    detail = True


class FlavorItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        flavor = objects.Flavor.get_by_flavor_id(req.context.ctxt, flavor_id)
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}

    def on_put(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        """2.55: change a flavor's description (nothing else of a flavor may change)."""
        if api_version.below(req, "2.55"):
            raise exception.NotFound(message="The resource could not be found.")
        self._update(req, resp, flavor_id)

    @falcon.before(validation.schema(schemas.update))
    def _update(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:update")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        flavor.description = req.context.body["flavor"]["description"]
        flavor.save()
        resp.media = {"flavor": views.show(req, flavor, _shows_extra_specs(req))}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-flavor-manage:delete")
        objects.Flavor.get_by_flavor_id(ctxt, flavor_id).destroy()
        resp.status = falcon.HTTP_202
