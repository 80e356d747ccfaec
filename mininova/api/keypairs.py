"""/v2.1/os-keypairs: a user's key pairs (create or import, list, show, delete).

Key pairs belong to a user, not a project: another user's key pair is a 404 (or a 403
when asked for by ``user_id``). What the microversions change, as in Nova: 2.2 adds
``type`` (ssh or x509), answers create with 201 and delete with 204 (200 and 202
before); 2.10 lets an admin name the user (``user_id`` in the body or the query); 2.35
pages the list (``limit``, ``marker`` = a key pair name); 2.75 refuses unknown query
parameters; 2.92 no longer generates keys (``public_key`` is required).
"""
import re

import falcon

from mininova import conf
from mininova import exception
from mininova.api import api_version
from mininova.api import validation
from mininova.api.schemas import keypairs as schemas
from mininova.api.views import keypairs as views
from mininova.objects import keypair as keypair_obj

CONF = conf.CONF
_POLICY = "os_compute_api:os-keypairs:%s"


def _check_query(req: falcon.Request, paging: bool = False) -> None:
    """From 2.75 a query parameter that the route does not take is a 400."""
    if api_version.below(req, "2.75"):
        return
    allowed = {"user_id", "limit", "marker"} if paging else {"user_id"}
    unknown = sorted(set(req.params) - allowed)
    if unknown:
        raise exception.ValidationError(
            field="query", value=", ".join(unknown),
            reason=f"Additional properties are not allowed ({', '.join(map(repr, unknown))} "
                   f"{'was' if len(unknown) == 1 else 'were'} unexpected)")


def _user_id(req: falcon.Request, action: str, user_id: str | None = None) -> str:
    """Whose key pairs: ``user_id`` (given from 2.10) or the caller's, if policy allows."""
    ctxt = req.context.ctxt
    user_id = user_id or ctxt.user_id
    ctxt.can(_POLICY % action, {"user_id": user_id, "project_id": ctxt.project_id})
    return user_id


def _query_user_id(req: falcon.Request) -> str | None:
    return req.get_param("user_id") if api_version.at_least(req, "2.10") else None


def _paging(req: falcon.Request) -> tuple[int, str | None]:
    """limit (0 lists nothing; at most [api] max_limit) and marker, from 2.35."""
    limit = req.get_param("limit")
    # NOTE: ASCII digits only: str.isdigit() would pass "²", which int() refuses.
    if limit is not None and not re.fullmatch("[0-9]+", limit):
        raise exception.ValidationError(field="limit", value=limit,
                                        reason="must be a non-negative integer")
    limit = CONF.api.max_limit if limit is None else min(int(limit), CONF.api.max_limit)
    return limit, req.get_param("marker")


class KeypairCollection:
    def __init__(self, keypair_api):
        self.keypair_api = keypair_api

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _check_query(req, paging=True)
        user_id = _user_id(req, "index", _query_user_id(req))
        limit = marker = None
        if api_version.at_least(req, "2.35"):
            limit, marker = _paging(req)
        keypairs = self.keypair_api.get_key_pairs(req.context.ctxt, user_id, limit=limit,
                                                  marker=marker)
        resp.media = views.index(req, keypairs, limit)

    @falcon.before(validation.versioned_schema(
        ("2.1", schemas.create), ("2.2", schemas.create_v22),
        ("2.10", schemas.create_v210), ("2.92", schemas.create_v292)))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Import ``public_key``, or (below 2.92) generate a key pair and answer its
        private key, which is never stored."""
        ctxt = req.context.ctxt
        body = req.context.body["keypair"]
        user_id = _user_id(req, "create", body.get("user_id"))
        key_type = body.get("type", keypair_obj.KEYPAIR_TYPE_SSH)
        private_key = None
        if "public_key" in body:
            keypair = self.keypair_api.import_key_pair(ctxt, user_id, body["name"],
                                                       body["public_key"], key_type)
        else:
            keypair, private_key = self.keypair_api.create_key_pair(
                ctxt, user_id, body["name"], key_type)
        if api_version.at_least(req, "2.2"):
            resp.status = falcon.HTTP_201
        resp.media = views.create(req, keypair, private_key)


class KeypairItem:
    def __init__(self, keypair_api):
        self.keypair_api = keypair_api

    def on_get(self, req: falcon.Request, resp: falcon.Response, keypair_name: str) -> None:
        _check_query(req)
        user_id = _user_id(req, "show", _query_user_id(req))
        keypair = self.keypair_api.get_key_pair(req.context.ctxt, user_id, keypair_name)
        resp.media = views.show(req, keypair)

    def on_delete(self, req: falcon.Request, resp: falcon.Response,
                  keypair_name: str) -> None:
        _check_query(req)
        user_id = _user_id(req, "delete", _query_user_id(req))
        self.keypair_api.delete_key_pair(req.context.ctxt, user_id, keypair_name)
        resp.status = falcon.HTTP_204 if api_version.at_least(req, "2.2") else falcon.HTTP_202
