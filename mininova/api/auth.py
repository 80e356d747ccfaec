"""Authentication: the first step of the request path, one of two strategies.

``[api] auth_strategy`` picks it:

- ``noauth2`` (development): ``X-Auth-Token: user:project``, nothing is checked, the user
  ``admin`` is an administrator.
- ``keystone``: keystonemiddleware's ``auth_token`` (configured by ``[keystone_authtoken]``,
  as in Nova) sits in front of the falcon app, validates the token with Keystone and sets
  ``X-User-Id``, ``X-Project-Id``, ``X-Roles``... for the context. It runs with
  ``delay_auth_decision`` so that version documents answer without a token; every other
  path is refused here, with a 401 fault body, when the token did not validate.

``wrap_app`` is what create_app calls; ``build_context`` is what RequestContextMiddleware
calls for each request.
"""
from collections.abc import Callable

import falcon
from oslo_config import cfg

from mininova import context as mn_context

NOAUTH2 = "noauth2"
KEYSTONE = "keystone"
STRATEGIES = (NOAUTH2, KEYSTONE)
# Version documents (clients discover versions before they authenticate) and the
# OpenAPI description (api/openapi.py).
PUBLIC_PATHS = frozenset({"/openapi.json",
                          "/", "/v2", "/v2/", "/v2.1", "/v2.1/",
                          "/image", "/image/", "/image/versions", "/network", "/network/",
                          "/identity", "/identity/", "/identity/v3", "/identity/v3/"})
# The dashboard's static files: the page signs in with the API's own tokens.
PUBLIC_PREFIXES = ("/dashboard",)
_ADMIN_ROLE = "admin"


def wrap_app(conf: cfg.ConfigOpts, app: Callable) -> Callable:
    """The WSGI app to serve: ``app`` itself, or ``app`` behind keystonemiddleware."""
    if conf.api.auth_strategy != KEYSTONE:
        return app
    # NOTE: imported here so that noauth2 deployments never load keystonemiddleware.
    from keystonemiddleware import auth_token

    # NOTE: oslo_config_config makes auth_token read [keystone_authtoken] from our own
    # configuration; delay_auth_decision is forced because the version documents must
    # stay public, and build_context refuses everything else without a valid token.
    return auth_token.AuthProtocol(app, {"oslo_config_config": conf,
                                         "delay_auth_decision": True})


def build_context(strategy: str, req: falcon.Request,
                  request_id: str) -> mn_context.RequestContext:
    """The RequestContext of ``req`` under ``strategy``.

    :raises falcon.HTTPUnauthorized: no (valid) credentials on a path that needs them.
    """
    if strategy == KEYSTONE:
        return _keystone_context(req, request_id)
    return _noauth2_context(req, request_id)


def _anonymous_or_401(req: falcon.Request, request_id: str,
                      description: str) -> mn_context.RequestContext:
    if req.path in PUBLIC_PATHS or req.path.startswith(PUBLIC_PREFIXES):
        return mn_context.RequestContext(request_id=request_id)
    raise falcon.HTTPUnauthorized(title="Unauthorized", description=description)


def _noauth2_context(req: falcon.Request, request_id: str) -> mn_context.RequestContext:
    token = req.get_header("X-Auth-Token")
    if token is None:
        return _anonymous_or_401(
            req, request_id, "Authentication required: send X-Auth-Token: user:project.")
    user_id, _, project_id = token.partition(":")
    project_id = project_id or user_id
    is_admin = user_id == _ADMIN_ROLE
    return mn_context.RequestContext(
        user_id=user_id, project_id=project_id, is_admin=is_admin, request_id=request_id,
        roles=[_ADMIN_ROLE] if is_admin else ["member"])


def _keystone_context(req: falcon.Request, request_id: str) -> mn_context.RequestContext:
    # NOTE: auth_token removes any X-Identity-Status, X-User-Id, X-Roles... the client
    # sent before it validates the token, so these headers are Keystone's word.
    if req.get_header("X-Identity-Status") != "Confirmed":
        return _anonymous_or_401(
            req, request_id, "The request you have made requires authentication.")
    ctxt = mn_context.RequestContext.from_environ(req.env, request_id=request_id)
    # NOTE: as Nova's default context_is_admin rule: the admin role makes an admin.
    ctxt.is_admin = _ADMIN_ROLE in ctxt.roles
    return ctxt
