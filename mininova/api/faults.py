"""Error handlers: every error leaves the API as a Nova-style fault body."""
import falcon
from oslo_log import log as logging

from mininova import exception

LOG = logging.getLogger(__name__)

_FAULT_NAMES = {
    400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
    405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest", 413: "overLimit",
    415: "badMediaType", 501: "notImplemented", 503: "serviceUnavailable",
}


def fault_body(code: int, message: str) -> dict:
    name = _FAULT_NAMES.get(code, "computeFault")
    return {name: {"code": code, "message": message}}


def _respond(resp: falcon.Response, code: int, message: str) -> None:
    resp.status = code
    resp.media = fault_body(code, message)


def handle_mininova_exception(req, resp, ex: exception.MininovaException, params) -> None:
    if ex.code >= 500:
        LOG.error("%s %s failed: %s", req.method, req.path, ex.message)
    _respond(resp, ex.code, ex.message)


def handle_http_error(req, resp, ex: falcon.HTTPError, params) -> None:
    message = ex.description or ex.title
    _respond(resp, ex.status_code, message)
    for name, value in (ex.headers or {}).items():
        resp.set_header(name, value)


def handle_unexpected(req, resp, ex: Exception, params) -> None:
    """A bug: log it with the request id, tell the user no more than Nova does."""
    LOG.exception("Unexpected error in %s %s", req.method, req.path)
    request_id = getattr(req.context, "request_id", "")
    _respond(resp, 500, "Unexpected API Error. Please report this at your cloud's "
                        f"operator and attach the request id {request_id} if possible.")


def register(app: falcon.App) -> None:
    """Order matters: falcon picks the most specific handler registered."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(exception.MininovaException, handle_mininova_exception)
