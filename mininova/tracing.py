"""Request tracing with OpenTelemetry: a span for every hop of a request.

A trace starts at the API (one root span per request) and follows the request through
the RPC context (W3C traceparent) into the conductor, scheduler and computes: RPC calls
and casts on both sides, the compute API and the virt driver as proxies, libvirt's domain
calls and each database write. Work that no request started (heartbeats, periodic tasks)
records nothing. Spans are kept in the cloud's database (computes hand theirs to the
conductor) and, optionally, exported to an OTLP collector. With ``[tracing] enabled``
off, nothing here is imported beyond this module and every hook is one flag check.
"""
import contextlib
import functools
import json
import threading
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from oslo_log import log as logging

from mininova import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_STATE: dict[str, Any] = {"tracer": None}
_LOCAL = threading.local()


def enabled() -> bool:
    return _STATE["tracer"] is not None


def setup(service: str, host: str, sink: Callable[[list[dict]], None]) -> None:
    """Trace this process as ``service`` on ``host``; finished spans go to ``sink`` in
    batches (a database write, or a cast to the conductor)."""
    if not CONF.tracing.enabled or enabled():
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create(
        {"service.name": service, "host.name": host}))
    # NOTE: spans queue in memory (bounded) and a background thread hands them to the
    # store every export_interval, all in one write: nothing waits for the store on a
    # request's path, and the store competes little with the cloud's own writes
    # (SQLite has a single writer).
    queue_size = CONF.tracing.max_queue_size
    provider.add_span_processor(BatchSpanProcessor(
        _StoreExporter(sink, service, host), max_queue_size=queue_size,
        schedule_delay_millis=CONF.tracing.export_interval * 1000,
        max_export_batch_size=queue_size // 2))
    if CONF.tracing.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=CONF.tracing.otlp_endpoint)))
    _STATE["provider"] = provider
    _STATE["tracer"] = provider.get_tracer("mininova")
    LOG.info("Tracing requests as %s on %s", service, host)


def shutdown() -> None:
    """Flush what is still buffered (a service stopping)."""
    provider = _STATE.get("provider")
    if provider is not None:
        provider.shutdown()


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Record nothing in this thread meanwhile (storing spans must not make spans)."""
    before = getattr(_LOCAL, "suppressed", False)
    _LOCAL.suppressed = True
    try:
        yield
    finally:
        _LOCAL.suppressed = before


def recording() -> bool:
    """Whether a span started here now would be kept (a request's trace is current)."""
    return _recording(None, False)


def _recording(parent, root: bool) -> bool:
    if not enabled() or getattr(_LOCAL, "suppressed", False):
        return False
    if root or parent is not None:
        return True
    from opentelemetry import trace

    return trace.get_current_span().get_span_context().is_valid


def _attrs(attributes: dict) -> dict:
    return {key: value if isinstance(value, (str, bool, int, float)) else str(value)
            for key, value in attributes.items() if value is not None}


@contextlib.contextmanager
def span(name: str, parent=None, root: bool = False, **attributes) -> Iterator[Any]:
    """A span around the block: a child of ``parent`` (an extracted context) or of the
    current span; with neither, only when ``root`` (the API's request span)."""
    if not _recording(parent, root):
        yield None
        return
    with _STATE["tracer"].start_as_current_span(name, context=parent,
                                                attributes=_attrs(attributes)) as current:
        yield current


def start_root(name: str, **attributes) -> tuple[Any, Any] | None:
    """Start the API's span for one request and make it current; end_root ends it."""
    if not _recording(None, True):
        return None
    from opentelemetry import context as otel_context
    from opentelemetry import trace

    current = _STATE["tracer"].start_span(name, attributes=_attrs(attributes))
    token = otel_context.attach(trace.set_span_in_context(current))
    return current, token


def end_root(started: tuple[Any, Any] | None, name: str, **attributes) -> None:
    if started is None:
        return
    from opentelemetry import context as otel_context

    current, token = started
    current.update_name(name)
    current.set_attributes(_attrs(attributes))
    current.end()
    otel_context.detach(token)


def annotate(**attributes) -> None:
    """Add ``attributes`` to the current span, when one is recording."""
    if not enabled() or getattr(_LOCAL, "suppressed", False):
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes(_attrs(attributes))


def count_payload(entity: Any) -> None:
    """Add one serialized RPC argument's size to the current RPC client span's
    ``payload_bytes`` (measured on the primitives that go on the wire)."""
    if not recording():
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    attributes = getattr(current, "attributes", None) or {}
    if attributes.get("kind") not in ("rpc.call", "rpc.cast"):
        return
    size = len(json.dumps(entity, default=str))
    current.set_attribute("payload_bytes", attributes.get("payload_bytes", 0) + size)


def inject() -> dict | None:
    """The current span as a W3C traceparent carrier, for the RPC context."""
    if not enabled():
        return None
    from opentelemetry.trace.propagation import tracecontext

    carrier: dict = {}
    tracecontext.TraceContextTextMapPropagator().inject(carrier)
    return carrier or None


def extract(carrier: dict | None):
    """The parent context a received RPC context carried, or None."""
    if not carrier or not enabled():
        return None
    from opentelemetry.trace.propagation import tracecontext

    return tracecontext.TraceContextTextMapPropagator().extract(carrier)


def wrap(obj: Any, prefix: str, skip: frozenset = frozenset()) -> Any:
    """``obj`` with each public method call as a span ``prefix.method`` (itself when
    tracing is off)."""
    return _Traced(obj, prefix, skip) if enabled() else obj


def wrap_libvirt(conn: Any) -> Any:
    """A libvirt connection whose domain calls (defineXML, create, shutdown, destroy,
    undefine, ...) are spans ``libvirt.<call>``."""
    lookups = frozenset({"lookupByUUIDString", "lookupByName", "isAlive", "getType",
                         "getVersion"})
    return _TracedLibvirt(conn, "libvirt", lookups) if enabled() else conn


class _Traced:
    def __init__(self, obj: Any, prefix: str, skip: frozenset) -> None:
        self._obj, self._prefix, self._skip = obj, prefix, skip

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._obj, name)
        if name.startswith("_") or name in self._skip or not callable(attr):
            return attr
        span_name = f"{self._prefix}.{name}"

        @functools.wraps(attr)
        def traced(*args, **kwargs):
            with span(span_name):
                return attr(*args, **kwargs)

        # NOTE: kept on the proxy, so the wrapper is made once per method, not per call.
        setattr(self, name, traced)
        return traced


def object_call(kwargs: dict) -> str:
    """The suffix naming which object method a conductor call runs (e.g. ' Instance.save'),
    or '' for other RPC methods."""
    if "objmethod" not in kwargs:
        return ""
    obj = kwargs.get("objname") or kwargs["objinst"].obj_name()
    return f" {obj}.{kwargs['objmethod']}"


def wrap_endpoint(endpoint: Any, topic: str, untraced: frozenset) -> Any:
    """An RPC endpoint whose methods run in a span that continues the caller's trace."""
    return _TracedEndpoint(endpoint, topic, untraced) if enabled() else endpoint


class _TracedEndpoint:
    def __init__(self, endpoint: Any, topic: str, untraced: frozenset) -> None:
        self._endpoint, self._topic, self._untraced = endpoint, topic, untraced
        self.target = endpoint.target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._endpoint, name)
        if name.startswith("_") or name in self._untraced or not callable(attr):
            return attr

        @functools.wraps(attr)
        def traced(ctxt, **kwargs):
            parent = extract(getattr(ctxt, "trace_carrier", None))
            if parent is None:
                return attr(ctxt, **kwargs)
            with span(f"{self._topic}.{name}{object_call(kwargs)}", parent=parent,
                      request_id=ctxt.request_id, kind="rpc.server"):
                return attr(ctxt, **kwargs)

        setattr(self, name, traced)
        return traced


def db_listen(engine) -> Any:
    """A view of ``engine`` (same pool) that makes a span of each database write, or None
    when tracing is off.

    A write is a transaction that changed something (reads are many and cheap; writes
    tell the story): its span runs from its first INSERT, UPDATE or DELETE to its commit
    (the commit's cost included), is named by the tables written (``db.write instances,
    instance_actions``) and lists its statements in ``db.statements``. One span a
    transaction rather than a statement: spans are what tracing costs.
    """
    if not enabled():
        return None
    import sqlalchemy as sa

    engine = engine.execution_options()
    key = "mininova.write"

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb not in ("INSERT", "UPDATE", "DELETE") or not _recording(None, False):
            return
        write = conn.info.get(key)
        if write is None:
            write = conn.info[key] = (_STATE["tracer"].start_span("db.write"), [])
        write[1].append(f"{verb} {_table_of(statement, verb)}")

    def _end(conn, failed: bool = False) -> None:
        write = conn.info.pop(key, None)
        if write is None:
            return
        span, statements = write
        tables = dict.fromkeys(entry.split(" ", 1)[1] for entry in statements)
        span.update_name(f"db.write {', '.join(tables)}")
        span.set_attribute("db.statements", "; ".join(statements))
        if failed:
            from opentelemetry.trace import Status
            from opentelemetry.trace import StatusCode

            span.set_status(Status(StatusCode.ERROR, "rolled back"))
        span.end()

    sa.event.listen(engine, "commit", _end)
    sa.event.listen(engine, "rollback", lambda conn: _end(conn, failed=True))
    return engine


def _table_of(statement: str, verb: str) -> str:
    words = statement.replace("\n", " ").split()
    key = {"INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}[verb]
    try:
        return words[[w.upper() for w in words].index(key) + 1].strip('"`')
    except (ValueError, IndexError):
        return "?"


class _StoreExporter:
    """Hands finished spans, as plain rows, to the sink (the trace store)."""

    def __init__(self, sink: Callable[[list[dict]], None], service: str, host: str):
        self._sink, self._service, self._host = sink, service, host

    def export(self, spans) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        rows = [self._row(s) for s in spans]
        try:
            with suppressed():
                self._sink(rows)
        except Exception:
            LOG.exception("Could not store %d spans", len(rows))
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _row(self, finished) -> dict:
        ctx = finished.context
        attributes = dict(finished.attributes or {})
        return {
            "trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}",
            "parent_id": f"{finished.parent.span_id:016x}" if finished.parent else None,
            "request_id": attributes.pop("request_id", None), "name": finished.name[:255],
            "service": self._service, "host": self._host,
            "start_ns": finished.start_time, "duration_ns":
                (finished.end_time or finished.start_time) - finished.start_time,
            "status": finished.status.status_code.name.lower(),
            "attributes": json.dumps(attributes, default=str),
        }

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _TracedLibvirt(_Traced):
    """Domains a traced connection returns are traced too."""

    _DOMAIN_CALLS = frozenset({"defineXML", "lookupByUUIDString", "lookupByName",
                               "createXML"})

    def __getattr__(self, name: str) -> Any:
        attr = super().__getattr__(name)
        if name not in self._DOMAIN_CALLS or not callable(attr):
            return attr

        def domain_call(*args, **kwargs):
            return _Traced(attr(*args, **kwargs), "libvirt",
                           frozenset({"name", "UUIDString", "XMLDesc", "info", "state",
                                      "isActive", "ID"}))

        setattr(self, name, domain_call)
        return domain_call
