"""Middleware: the request id, the request context (noauth2), and microversions."""
import uuid

import falcon

from mininova import conf
from mininova import context as mn_context
from mininova import policy

MIN_VERSION = "2.1"
MAX_VERSION = "2.1"
_PUBLIC_PATHS = {"/", "/v2.1", "/v2.1/", "/image", "/image/", "/image/versions"}
# The Image API v2 subset has no compute microversions.
_IMAGE_ROOT = "/image"


class RequestContextMiddleware:
    """Gives every request an id and a RequestContext.

    noauth2: ``X-Auth-Token: user:project``; the user ``admin`` is an administrator.
    Version documents answer without a token, as clients discover versions first.
    """

    def __init__(self, enforcer=None):
        self.enforcer = enforcer or policy.get_enforcer(conf.CONF)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        request_id = "req-" + str(uuid.uuid4())
        req.context.request_id = request_id
        resp.set_header("X-Openstack-Request-Id", request_id)
        token = req.get_header("X-Auth-Token")
        if token is None:
            if req.path in _PUBLIC_PATHS:
                req.context.ctxt = mn_context.RequestContext(request_id=request_id)
                req.context.ctxt.enforcer = self.enforcer
                return
            raise falcon.HTTPUnauthorized(
                title="Unauthorized",
                description="Authentication required: send X-Auth-Token: user:project.")
        user_id, _, project_id = token.partition(":")
        project_id = project_id or user_id
        req.context.ctxt = mn_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=user_id == "admin",
            request_id=request_id, roles=["admin"] if user_id == "admin" else ["member"])
        req.context.ctxt.enforcer = self.enforcer


class MicroversionMiddleware:
    """Only 2.1 is served for now: say so in the headers, refuse others with 406."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path == _IMAGE_ROOT or req.path.startswith(_IMAGE_ROOT + "/"):
            return
        resp.set_header("OpenStack-API-Version", f"compute {MAX_VERSION}")
        resp.set_header("X-OpenStack-Nova-API-Version", MAX_VERSION)
        resp.set_header("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
        requested = self._requested(req)
        if requested not in (None, "latest", MIN_VERSION, "2.0"):
            raise falcon.HTTPNotAcceptable(
                description=f"Version {requested} is not supported by the API. "
                            f"Minimum is {MIN_VERSION} and maximum is {MAX_VERSION}.")

    @staticmethod
    def _requested(req: falcon.Request) -> str | None:
        header = req.get_header("OpenStack-API-Version")
        if header:
            service, _, version = header.strip().partition(" ")
            if service.lower() == "compute":
                return version.strip()
        return req.get_header("X-OpenStack-Nova-API-Version")
