"""/v2.1/flavors/{flavor_id}/os-extra_specs: list, set, show, update and unset a
flavor's extra specs (Nova's os-flavor-extra-specs).

Reading is for whoever may see the flavor's extra specs (policy ``...:index`` and
``...:show``), writing for admins (``...:create``, ``...:update``, ``...:delete``).
Every answer is 200, as Nova's: a write returns the body it was sent, a delete nothing.
mininova stores and shows extra specs but acts on none of them (objects/flavor.py).
"""
import falcon

from mininova import exception
from mininova import objects
from mininova.api import validation
from mininova.api.schemas import flavors_extraspecs as schemas
from mininova.api.views import flavors as views

_POLICY = "os_compute_api:os-flavor-extra-specs:%s"
_MAX_VALUE_LENGTH = 255


def _as_stored(specs: dict) -> dict[str, str]:
    """The values as strings: Nova accepts numbers and keeps their text, which must fit
    the 255 characters a string value may have."""
    stored = {key: str(value) for key, value in specs.items()}
    for key, value in stored.items():
        if len(value) > _MAX_VALUE_LENGTH:
            raise exception.ValidationError(
                field=f"extra_specs/{key}", value=specs[key],
                reason=f"The value is longer than {_MAX_VALUE_LENGTH} characters.")
    return stored


class FlavorExtraSpecs:
    """GET (every key) and POST (add or overwrite several keys)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        """Every extra spec of the flavor, values as strings."""
        ctxt = req.context.ctxt
        ctxt.can(_POLICY % "index")
        resp.media = views.extra_specs(objects.Flavor.get_by_flavor_id(ctxt, flavor_id))

    @falcon.before(validation.schema(schemas.create))
    def on_post(self, req: falcon.Request, resp: falcon.Response, flavor_id: str) -> None:
        """Add or overwrite the keys sent (others are kept); answers the body sent."""
        ctxt = req.context.ctxt
        ctxt.can(_POLICY % "create")
        specs = req.context.body["extra_specs"]
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        flavor.save_extra_specs(to_add=_as_stored(specs))
        resp.media = req.context.body


class FlavorExtraSpec:
    """GET, PUT and DELETE of one key."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, flavor_id: str,
               key: str) -> None:
        """One extra spec: ``{key: value}``; 404 when the flavor has no such key."""
        ctxt = req.context.ctxt
        ctxt.can(_POLICY % "show")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        if key not in flavor.extra_specs:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id,
                                                     extra_specs_key=key)
        resp.media = {key: flavor.extra_specs[key]}

    @falcon.before(validation.schema(schemas.update))
    def on_put(self, req: falcon.Request, resp: falcon.Response, flavor_id: str,
               key: str) -> None:
        """Set one extra spec; the body holds exactly the URL's key (400 otherwise)."""
        ctxt = req.context.ctxt
        ctxt.can(_POLICY % "update")
        body = req.context.body
        if key not in body:
            raise exception.Invalid(message="Request body and URI mismatch")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        flavor.save_extra_specs(to_add=_as_stored(body))
        resp.media = body

    def on_delete(self, req: falcon.Request, resp: falcon.Response, flavor_id: str,
                  key: str) -> None:
        """Remove one extra spec; 200 with no body, as Nova; 404 for an unknown key."""
        ctxt = req.context.ctxt
        ctxt.can(_POLICY % "delete")
        flavor = objects.Flavor.get_by_flavor_id(ctxt, flavor_id)
        flavor.save_extra_specs(to_delete=[key])
