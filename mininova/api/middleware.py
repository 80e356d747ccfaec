"""Middleware: the request id, the request context (api/auth.py), and microversions."""
import uuid

import falcon

from mininova import conf
from mininova import policy
from mininova import tracing
from mininova.api import api_version
from mininova.api import auth
from mininova.api import validation

# The Image API v2, Networking API v2.0 and Identity v3 subsets, mininova's own API and
# the dashboard have no compute microversions.
_NON_COMPUTE_ROOTS = ("/image", "/network", "/identity", "/mininova", "/dashboard")


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
        # NOTE: path and query values reach database filters, like body strings do.
        validation.check_storable(req.path, "URL path")
        validation.check_storable(list(req.params.values()), "query string")
        req.context.ctxt = auth.build_context(self.auth_strategy, req, request_id)
        req.context.ctxt.enforcer = self.enforcer


class MicroversionMiddleware:
    """Parses the requested microversion (api/api_version.py) and echoes it back.

    Every compute response, errors included, names the version it was answered at and
    varies on the version headers; /image (the Image API v2 subset) and /identity (the
    noauth2 Identity v3 subset) have no compute microversions.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if any(req.path == root or req.path.startswith(root + "/")
               for root in _NON_COMPUTE_ROOTS):
            return
        resp.set_header("Vary", f"OpenStack-API-Version, {api_version.LEGACY_HEADER}")
        version = api_version.parse(req.headers)
        req.context.api_version = version
        resp.set_header("OpenStack-API-Version", f"{api_version.SERVICE_TYPE} {version}")
        resp.set_header(api_version.LEGACY_HEADER, str(version))


class TracingMiddleware:
    """The root span of a request's trace, named by its route template once routed."""

    _KEY = "mininova.trace"
    _READS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, trace_reads: bool = False) -> None:
        self.trace_reads = trace_reads

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        # NOTE: reads (status polls above all) are most requests and change nothing;
        # tracing them by default would make tracing's cost grow with polling.
        if req.method in self._READS and not self.trace_reads:
            return
        req.env[self._KEY] = tracing.start_root(f"{req.method} {req.path}", kind="api",
                                                **{"http.method": req.method})

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource,
                         req_succeeded: bool) -> None:
        route = req.uri_template or req.path
        tracing.end_root(req.env.pop(self._KEY, None), f"{req.method} {route}",
                         request_id=getattr(req.context, "request_id", None),
                         project_id=getattr(getattr(req.context, "ctxt", None),
                                            "project_id", None),
                         **{"http.status": str(resp.status)[:3]})
