"""GET /mininova/v1/traces/{request_id}: the spans of a request's trace ([tracing]).

Outside the Compute API (no microversions): mininova's own admin API. A malformed request
id is a 400, one without spans a 404 (never an empty 200). The policy rule
``mininova:traces:show`` is admin-only by default; its target is the project that made
the request, so a rule that lets owners read traces shows them their own only.
"""
import json
import re

import falcon

from mininova import exception
from mininova.db import traces as db_traces

ROOT = "/mininova/v1"
_REQUEST_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _view(rows: list) -> dict:
    start = min(row.start_ns for row in rows)
    return [{
        "trace_id": row.trace_id, "span_id": row.span_id, "parent_id": row.parent_id,
        "name": row.name, "service": row.service, "host": row.host,
        "request_id": row.request_id, "status": row.status,
        "offset_ms": round((row.start_ns - start) / 1e6, 3),
        "duration_ms": round(row.duration_ns / 1e6, 3),
        "attributes": json.loads(row.attributes),
    } for row in rows]


class TraceItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, request_id: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("mininova:traces:show", {"project_id": ctxt.project_id})
        if not _REQUEST_ID.match(request_id):
            raise exception.Invalid(
                f"Malformed request id {request_id!r}: expected req-<uuid>.")
        rows = db_traces.get_by_request_id(request_id)
        owner = next((json.loads(r.attributes).get("project_id") for r in rows
                      if r.request_id == request_id and r.parent_id is None), None)
        if rows and owner is not None:
            ctxt.can("mininova:traces:show", {"project_id": owner})
        if not rows:
            raise exception.NotFound(f"No trace recorded for request {request_id}.")
        resp.media = {"trace": {"request_id": request_id, "spans": _view(rows)}}
