"""Middleware: the request id, the request context (api/auth.py), and microversions."""
import uuid

import falcon

from mininova import conf
from mininova import policy
from mininova.api import auth

MIN_VERSION = "2.1"
MAX_VERSION = "2.1"
# The Image API v2 subset has no compute microversions.
_IMAGE_ROOT = "/image"


class RequestContextMiddleware:
    """Gives every request an id and a RequestContext, built by ``auth_strategy``
    (default ``[api] auth_strategy``; see api/auth.py).

    Version documents answer without credentials, as clients discover versions first.
    """

    def __init__(self, enforcer=None, auth_strategy: str | None = None):
        self.enforcer = enforcer or policy.get_enforcer(conf.CONF)
        self.auth_strategy = auth_strategy or conf.CONF.api.auth_strategy

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        request_id = "req-" + str(uuid.uuid4())
        req.context.request_id = request_id
        resp.set_header("X-Openstack-Request-Id", request_id)
        req.context.ctxt = auth.build_context(self.auth_strategy, req, request_id)
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
