"""Prometheus metrics: what each service counts, and the /metrics it serves.

With ``[metrics] port`` unset nothing is counted or served. prometheus_client is imported
on first use, not with this module: mininova-api's master first points
PROMETHEUS_MULTIPROC_DIR at a directory, so that its gunicorn workers write their samples
there and the master serves their sum.
"""
import contextlib
import functools
import os
import shutil
import time
import types
from collections.abc import Iterator

from oslo_log import log as logging

from mininova import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(CONF.metrics.port)


@functools.cache
def _metrics() -> types.SimpleNamespace:
    import prometheus_client as prom

    return types.SimpleNamespace(
        api=prom.Histogram(
            "mininova_api_request_duration_seconds",
            "Time mininova-api took to answer, by method, route and status code.",
            ["method", "route", "status"]),
        rpc=prom.Histogram(
            "mininova_rpc_client_duration_seconds",
            "Time an RPC call took to return, or a cast to be sent, by kind (call, cast), "
            "topic, method and target server.", ["kind", "topic", "method", "server"]),
        heartbeats=prom.Counter(
            "mininova_service_heartbeats", "Heartbeats this service wrote.",
            ["binary", "host"]),
        last_heartbeat=prom.Gauge(
            "mininova_service_last_heartbeat_timestamp_seconds",
            "When this service last wrote its heartbeat (Unix time).", ["binary", "host"]),
    )


@contextlib.contextmanager
def rpc_timer(kind: str, topic: str, method: str, server: str | None) -> Iterator[None]:
    """Time one RPC call or cast (failed ones too: a timeout is time spent)."""
    if not enabled():
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        _metrics().rpc.labels(kind, topic, method, server or "").observe(
            time.perf_counter() - start)


def api_request(method: str, route: str, status: str, seconds: float) -> None:
    _metrics().api.labels(method, route, status).observe(seconds)


def heartbeat(binary: str, host: str) -> None:
    if enabled():
        metrics = _metrics()
        metrics.heartbeats.labels(binary, host).inc()
        metrics.last_heartbeat.labels(binary, host).set_to_current_time()


def serve(collectors: tuple = ()) -> None:
    """Serve this process's metrics (and ``collectors``') on [metrics] host:port."""
    if not enabled():
        return
    import prometheus_client as prom

    for collector in collectors:
        prom.REGISTRY.register(collector)
    _listen(lambda: prom.start_http_server(CONF.metrics.port, addr=CONF.metrics.host))


def _listen(start) -> None:
    # NOTE: a port already taken costs the metrics, not the service.
    try:
        start()
    except OSError as exc:
        LOG.error("Cannot serve /metrics on %s:%s (%s); is [metrics] port given to "
                  "another process?", CONF.metrics.host, CONF.metrics.port, exc)
        return
    LOG.info("Serving /metrics on %s:%s", CONF.metrics.host, CONF.metrics.port)


def serve_workers() -> None:
    """mininova-api's master: serve the sum of what its workers count (call before the
    workers start, and before anything imports prometheus_client)."""
    if not enabled():
        return
    path = os.path.join(CONF.state_path, "metrics-api")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    import prometheus_client as prom
    from prometheus_client import multiprocess

    registry = prom.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    _listen(lambda: prom.start_http_server(CONF.metrics.port, addr=CONF.metrics.host,
                                           registry=registry))


class MetricsMiddleware:
    """Times every API request by its route template (not its URL: ids would make a
    series per server)."""

    _START = "mininova.metrics.start"

    def process_request(self, req, resp) -> None:
        req.env[self._START] = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded: bool) -> None:
        start = req.env.get(self._START)
        if start is None:
            return
        route = req.uri_template or "unrouted"
        api_request(req.method, route, str(resp.status)[:3], time.perf_counter() - start)


class CloudCollector:
    """What the database says of the whole cloud, read when scraped (the conductor's):
    servers by state, each host's capacity and use, and which services are up."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from mininova.db import allocations as db_allocations
        from mininova.db import stats

        servers = GaugeMetricFamily("mininova_instances", "Servers by vm_state and "
                                    "task_state.", labels=["vm_state", "task_state"])
        for vm_state, task_state, count in stats.instances_by_state():
            servers.add_metric([vm_state, task_state or "none"], count)
        yield servers
        capacity = GaugeMetricFamily("mininova_host_capacity", "What a compute host "
                                     "reports it has, by resource.",
                                     labels=["host", "resource"])
        used = GaugeMetricFamily("mininova_host_used", "What is claimed on a compute "
                                 "host, by resource.", labels=["host", "resource"])
        claimed = db_allocations.usage_by_host()
        for host, total in stats.host_capacity():
            use = claimed.get(host, {})
            for resource in ("vcpus", "memory_mb", "disk_gb"):
                capacity.add_metric([host, resource], total[resource])
                used.add_metric([host, resource], use.get(resource, 0))
        yield capacity
        yield used
        up = GaugeMetricFamily("mininova_service_up", "1 while a service heartbeats "
                               "within service_down_time.", labels=["binary", "host"])
        for binary, host, is_up in stats.services_up(CONF.service_down_time):
            up.add_metric([binary, host], 1 if is_up else 0)
        yield up
