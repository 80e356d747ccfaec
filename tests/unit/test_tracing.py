"""Tracing in one process: spans nest through the proxies and the RPC context carrier,
nothing is recorded without a request's root span or with tracing off, the store prunes
by age and size, and the waterfall renders a trace."""
import json
import time
import types

import falcon
import falcon.testing
import pytest
import sqlalchemy as sa

from mininova import rpc
from mininova import tracing
from mininova.api import middleware
from mininova.cmd import trace_waterfall
from mininova.db import api as db_api
from mininova.db import models
from mininova.db import traces as db_traces


@pytest.fixture
def spans(flags, monkeypatch):
    """Tracing on, with finished spans collected in a list (flushed on read)."""
    flags(enabled=True, group="tracing")
    monkeypatch.setattr(tracing, "_STATE", {"tracer": None})
    rows: list[dict] = []
    tracing.setup("nova-test", "host1", rows.extend)

    def finished() -> list[dict]:
        tracing._STATE["provider"].force_flush()
        return rows

    yield finished
    tracing.shutdown()


class Driver:
    def power_off(self, instance):
        return f"off {instance}"


def test_spans_nest_from_the_root_through_proxies_and_the_rpc_carrier(spans):
    root = tracing.start_root("POST /x", request_id="req-1")
    assert tracing.wrap(Driver(), "virt").power_off("vm") == "off vm"
    carrier = tracing.inject()
    tracing.end_root(root, "POST /x/{id}", request_id="req-1")

    endpoint = types.SimpleNamespace(target="t", stop=lambda ctxt, **kw: "stopped")
    ctxt = types.SimpleNamespace(trace_carrier=carrier, request_id="req-1")
    assert tracing.wrap_endpoint(endpoint, "compute", frozenset()).stop(ctxt) == "stopped"

    rows = {r["name"]: r for r in spans()}
    assert set(rows) == {"POST /x/{id}", "virt.power_off", "compute.stop"}
    top = rows["POST /x/{id}"]
    assert top["parent_id"] is None and top["request_id"] == "req-1"
    assert rows["virt.power_off"]["parent_id"] == top["span_id"]
    assert rows["compute.stop"]["parent_id"] == top["span_id"]
    assert {r["trace_id"] for r in rows.values()} == {top["trace_id"]}
    assert all(r["service"] == "nova-test" and r["host"] == "host1" for r in rows.values())


def test_work_no_request_started_records_nothing(spans):
    tracing.wrap(Driver(), "virt").power_off("vm")
    with tracing.span("periodic"):
        pass
    assert spans() == []


def test_storing_spans_is_never_traced(spans):
    root = tracing.start_root("GET /")
    with tracing.suppressed(), tracing.span("inner"):
        pass
    tracing.end_root(root, "GET /")
    assert [r["name"] for r in spans()] == ["GET /"]


def test_a_span_queued_when_the_service_stops_is_stored(flags, monkeypatch):
    flags(enabled=True, group="tracing")
    monkeypatch.setattr(tracing, "_STATE", {"tracer": None})
    rows: list[dict] = []
    tracing.setup("nova-test", "host1", rows.extend)
    tracing.end_root(tracing.start_root("POST /x"), "POST /x")
    assert rows == []  # still queued: the store is written off the request path
    tracing.shutdown()
    assert [r["name"] for r in rows] == ["POST /x"]


def test_rpc_payloads_are_measured_only_inside_a_request(spans):
    assert not tracing.recording()  # a heartbeat: no span, nothing measured
    root = tracing.start_root("POST /x")
    assert tracing.recording()
    with tracing.suppressed():
        assert not tracing.recording()  # the span store's own casts
    tracing.end_root(root, "POST /x")


def test_an_rpc_span_counts_the_bytes_its_arguments_serialize_to(spans):
    serializer = rpc.get_serializer()
    root = tracing.start_root("POST /x")
    with tracing.span("rpc.cast compute.stop_instance", kind="rpc.cast", payload_bytes=0):
        serializer.serialize_entity(None, {"instance": "x" * 100})
        serializer.serialize_entity(None, "y" * 50)
    serializer.serialize_entity(None, "not an rpc span's")
    tracing.end_root(root, "POST /x")
    rows = {r["name"]: json.loads(r["attributes"]) for r in spans()}
    assert rows["rpc.cast compute.stop_instance"]["payload_bytes"] == 116 + 52
    assert "payload_bytes" not in rows["POST /x"]


class _Servers:
    def on_get(self, req, resp):
        resp.media = {}

    def on_post(self, req, resp):
        resp.status = falcon.HTTP_202


@pytest.mark.parametrize("trace_reads, traced", [
    (False, ["POST /servers"]), (True, ["GET /servers", "POST /servers"])])
def test_reads_are_traced_only_when_asked(spans, trace_reads, traced):
    app = falcon.App(middleware=[middleware.TracingMiddleware(trace_reads)])
    app.add_route("/servers", _Servers())
    client = falcon.testing.TestClient(app)
    assert client.simulate_get("/servers").status_code == 200
    assert client.simulate_post("/servers").status_code == 202
    assert sorted(r["name"] for r in spans()) == traced


def test_off_means_no_proxies_and_no_carrier(flags, monkeypatch):
    monkeypatch.setattr(tracing, "_STATE", {"tracer": None})
    driver = Driver()
    assert tracing.wrap(driver, "virt") is driver
    assert tracing.inject() is None
    assert tracing.start_root("GET /") is None


def _row(span_id, parent, name, start_ms, ms, request_id=None, service="nova-api"):
    now = time.time_ns()
    return {"trace_id": "t" * 32, "span_id": span_id, "parent_id": parent,
            "request_id": request_id, "name": name, "service": service, "host": "h",
            "start_ns": now + start_ms * 1_000_000, "duration_ns": ms * 1_000_000,
            "status": "unset", "attributes": "{}"}


def test_the_store_reads_a_whole_trace_and_the_waterfall_shows_it(db):
    db_traces.add_spans([
        _row("a" * 16, None, "POST /servers/{id}/action", 0, 10, request_id="req-1"),
        _row("b" * 16, "a" * 16, "rpc.cast compute.stop_instance", 2, 1),
        _row("c" * 16, "b" * 16, "compute.stop_instance", 3, 6, service="nova-compute")])
    rows = db_traces.get_by_request_id("req-1")
    assert [r.name for r in rows] == ["POST /servers/{id}/action",
                                      "rpc.cast compute.stop_instance",
                                      "compute.stop_instance"]
    text = trace_waterfall.render("req-1", rows)
    assert "3 spans, 10.0 ms" in text
    lines = text.splitlines()
    assert lines[4].endswith("compute.stop_instance")
    assert "    compute.stop_instance" in lines[4]  # nested two levels
    assert "6.00 ms  nova-compute@h" in text
    assert db_traces.get_by_request_id("req-2") == []


def test_the_store_prunes_by_age_then_size(db):
    old = _row("a" * 16, None, "old", 0, 1)
    old["start_ns"] -= 7200 * 1_000_000_000
    db_traces.add_spans([old] + [_row(f"{i:016x}", None, f"s{i}", i, 1) for i in range(5)])
    assert db_traces.prune(max_age=3600, max_spans=3) == 3
    with db_api.session() as sess:
        left = sess.scalars(sa.select(models.TraceSpan.name)
                            .order_by(models.TraceSpan.start_ns)).all()
    assert left == ["s2", "s3", "s4"]


def test_a_write_is_one_span_from_its_first_statement_to_its_commit(spans, db):
    db_api.dispose_engine()
    with db_api.session() as sess:
        sess.execute(sa.select(models.Flavor.id)).all()
    root = tracing.start_root("POST /x")
    with db_api.session() as sess:
        sess.execute(sa.select(models.Flavor.id)).all()
        sess.execute(sa.insert(models.Flavor.__table__).values(
            flavorid="f1", name="f1", memory_mb=1, vcpus=1, root_gb=1))
        sess.execute(sa.update(models.Flavor.__table__).values(vcpus=2)
                     .where(models.Flavor.flavorid == "f1"))
    with pytest.raises(sa.exc.IntegrityError), db_api.session() as sess:
        sess.execute(sa.insert(models.Flavor.__table__).values(
            flavorid="f1", name="f1", memory_mb=1, vcpus=1, root_gb=1))
    tracing.end_root(root, "POST /x")
    rows = spans()
    writes = [r for r in rows if r["name"].startswith("db.")]
    assert [w["name"] for w in writes] == ["db.write flavors", "db.write flavors"]
    attributes = [json.loads(w["attributes"]) for w in writes]
    assert attributes[0]["db.statements"] == "INSERT flavors; UPDATE flavors"
    assert (writes[0]["status"], writes[1]["status"]) == ("unset", "error")
    root_id = next(r["span_id"] for r in rows if r["name"] == "POST /x")
    assert {w["parent_id"] for w in writes} == {root_id}
