#!/usr/bin/env python3
"""Lifecycle benchmark of a running mininova, measured against the floors it is made of.

Against the running system (libvirt test driver, API on loopback) it boots ``--count``
servers (flavorRef "1", the first image of GET /v2.1/images) with ``--concurrency``
requests in flight, and times for each server, by polling GET /v2.1/servers/{id}:

    POST /servers     -> status ACTIVE  (task_state None)
    os-stop           -> status SHUTOFF
    os-start          -> status ACTIVE
    DELETE            -> 404

Then, on a cloud with two or more compute hosts up, it moves each server (flavorRef
"1" -> the smallest larger flavor of GET /v2.1/flavors/detail, or ``--resize-flavor``):

    resize            -> status VERIFY_RESIZE  (twice: once reverted, once confirmed)
    revertResize      -> status ACTIVE
    confirmResize     -> status ACTIVE
    migrate (cold)    -> status VERIFY_RESIZE
    confirmResize     -> status ACTIVE

With one host, resize is measured only when ``allow_resize_to_same_host`` is on (read from
``--config-file``) and cold migration never; what is skipped is printed with the reason.
``--start-cloud`` runs it all against a private cloud of two test-driver computes started
the way the functional tests start theirs (needs a source checkout with the test
requirements, RabbitMQ and rabbitmqctl), instead of a running system.

Each time is late by up to one poll interval plus one GET. So, beside it, the server
side of boot, stop, start and delete is read from the instance action the request made
(GET .../os-instance-actions/{request id}, microversion 2.21, once its events have all
finished): from the wall-clock time the request was sent to the finish time of its last
event, which the services write together with the new state (the database's clock is
the client's: the benchmark only talks to loopback).

It also times GET /v2.1/servers/detail with all servers present, and adds up the CPU
seconds (utime+stime from /proc/<pid>/stat) of every process whose command line contains
"mininova-" across the lifecycle run.

In the same run it measures the floors, each ``--floor-samples`` times and without the
system in the way: a bare oslo.messaging RPC call round trip and a cast (acknowledged
through a threading.Event set by the endpoint) on a private topic of the system's own
transport_url, served by an RPC server with the threading executor in this process; a
bare libvirt test-driver define+create, shutdown and start of a tiny domain; and a bare
SQLAlchemy UPDATE+commit of one row of a scratch table in the system's own database.

The model (MODEL below) is what each path does on the critical path, read from
compute/api.py, conductor/manager.py and compute/manager.py + decorators.py (a DB write
is one transaction; `mininova-manage trace` shows it as one db.write span):

  POST->ACTIVE     ~ 3 RPC calls + 2 casts + 1 libvirt define+create + 7 DB writes
      API: insert instance with its create action (1 write), cast the conductor. Conductor:
      event start and finish (2 writes), call the scheduler (which claims: 1 write),
      allocate the address (1 write), read the image, cast the compute. Compute, whose
      objects travel to the conductor as RPC calls: save(spawning), then save(active)
      with its whole event (2 calls, 2 writes).
  os-stop->SHUTOFF ~ 1 RPC call + 1 cast + 1 libvirt shutdown + 2 DB writes
      API: save(powering-off) and record the action (1 write), cast the compute.
      Compute: save(stopped) with its whole event (1 call, 1 write).
  os-start->ACTIVE ~ 1 RPC call + 1 cast + 1 libvirt start + 2 DB writes (as stop)

Reads, HTTP and JSON handling, locks, queueing behind other requests, and the poll
interval (a measured time is late by up to one interval plus one GET) are deliberately
left out: the ratio p50 / sum-of-floors is how much of a path they, and any waste, cost.
The plain floors are printed too, so a reader can check the arithmetic and the model.

Usage: python tools/bench_lifecycle.py [--count 100] [--concurrency 10]
       [--endpoint http://127.0.0.1:8774] [--config-file /etc/mininova/mininova.conf]
       [--floors-only] [--no-moves] [--resize-flavor ID] [--no-server-side]
       [--start-cloud]
"""
import argparse
import concurrent.futures
import contextlib
import datetime
import http.client
import ipaddress
import itertools
import json
import logging
import math
import os
import pathlib
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import warnings

# NOTE: an oslo library imports eventlet, which warns on import; it is not used here.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import libvirt  # noqa: E402
import oslo_messaging as messaging  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from oslo_config import cfg  # noqa: E402

MODEL = {
    "POST->ACTIVE": {"rpc_call": 3, "rpc_cast": 2, "libvirt_create": 1, "db_write": 7},
    "os-stop->SHUTOFF": {"rpc_call": 1, "rpc_cast": 1, "libvirt_shutdown": 1, "db_write": 2},
    "os-start->ACTIVE": {"rpc_call": 1, "rpc_cast": 1, "libvirt_start": 1, "db_write": 2},
}
DEFAULT_TRANSPORT_URL = "rabbit://guest:guest@127.0.0.1:5672/"
BOOT_FLAVOR = "1"
MOVE_PATHS = ("resize->VERIFY_RESIZE", "revertResize->ACTIVE", "confirmResize->ACTIVE",
              "migrate->VERIFY_RESIZE", "confirm(migrate)->ACTIVE")


class BenchError(Exception):
    pass


# -- measurements -------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def stats(values: list[float]) -> tuple[float, float, float, float]:
    """(p50, p90, p95, max) in milliseconds."""
    return (percentile(values, 50) * 1e3, percentile(values, 90) * 1e3,
            percentile(values, 95) * 1e3, max(values) * 1e3)


def timed(fn, samples: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    result = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        result.append(time.perf_counter() - start)
    return result


# -- configuration --------------------------------------------------------------------

def load_conf(path: str) -> cfg.ConfigOpts:
    """The system's transport_url and [database] connection, read from ``path``.

    The global CONF is used because oslo.messaging registers some of its options there
    only; mininova's own option definitions are used when mininova is importable.
    """
    try:
        from mininova import conf as mn_conf
        conf = mn_conf.CONF
    except ImportError:
        conf = cfg.CONF
        conf.register_opts([cfg.StrOpt("state_path", default="/var/lib/mininova")])
        conf.register_opts([cfg.StrOpt("connection")], group="database")
    files = [path] if os.path.exists(path) else []
    if files and not os.access(path, os.R_OK):
        raise BenchError(f"cannot read {path} (stack.sh makes it root-only, since it holds "
                         "the broker password): run the benchmark with sudo")
    if not files:
        print(f"note: {path} not found; floors use {DEFAULT_TRANSPORT_URL} and a "
              "temporary SQLite file")
    conf(args=[], project="mininova", default_config_files=files)
    return conf


# -- floors -----------------------------------------------------------------------------

class _FloorEndpoint:
    def __init__(self):
        self.acked = threading.Event()

    def ping(self, ctxt):
        return None

    def poke(self, ctxt):
        self.acked.set()


def rpc_floors(conf: cfg.ConfigOpts, samples: int) -> dict:
    """RPC call round trip and acknowledged cast on a private topic."""
    # NOTE: without a config file, oslo.messaging's own default would be used silently.
    url = None if conf.config_file else DEFAULT_TRANSPORT_URL
    transport = messaging.get_rpc_transport(conf, url=url)
    with contextlib.suppress(ImportError):
        # NOTE: durable queues as the system has them (a persistent message on a durable
        # queue costs the broker a disk write before it confirms the publish).
        from mininova import rpc as mn_rpc
        mn_rpc.keep_queued_messages(conf)
    try:
        # NOTE: the private queues go away with the bench instead of piling up.
        conf.set_override("amqp_auto_delete", True, group="oslo_messaging_rabbit")
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        pass
    # A private exchange and topic: the system's queues never see these messages.
    name = f"mininova-bench-{uuid.uuid4().hex[:8]}"
    target = messaging.Target(exchange=name, topic=name, server="bench")
    endpoint = _FloorEndpoint()
    with warnings.catch_warnings():
        # NOTE: naming the executor is deprecated, but it says what the services use.
        warnings.simplefilter("ignore", DeprecationWarning)
        server = messaging.get_rpc_server(transport, target, [endpoint],
                                          executor="threading")
    server.start()
    try:
        client = messaging.get_rpc_client(transport, target, timeout=30)

        def cast_acked():
            endpoint.acked.clear()
            client.cast({}, "poke")
            if not endpoint.acked.wait(30):
                raise BenchError("an RPC cast was not delivered within 30 s")

        return {"rpc_call": timed(lambda: client.call({}, "ping"), samples),
                "rpc_cast": timed(cast_acked, samples)}
    finally:
        server.stop()
        server.wait()
        transport.cleanup()


def libvirt_floors(uri: str, samples: int) -> dict:
    """define+create, shutdown and start (create of a defined domain) of a tiny domain."""
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open(uri)
    created, shut, started = [], [], []
    try:
        for i in range(samples):
            xml = (f"<domain type='test'><name>bench-floor-{os.getpid()}-{i}</name>"
                   f"<uuid>{uuid.uuid4()}</uuid><memory unit='MiB'>64</memory>"
                   "<vcpu>1</vcpu><os><type>hvm</type></os></domain>")
            t0 = time.perf_counter()
            dom = conn.defineXML(xml)
            dom.create()
            t1 = time.perf_counter()
            dom.shutdown()
            t2 = time.perf_counter()
            dom.create()
            t3 = time.perf_counter()
            dom.destroy()
            dom.undefine()
            created.append(t1 - t0)
            shut.append(t2 - t1)
            started.append(t3 - t2)
    finally:
        conn.close()
    return {"libvirt_create": created, "libvirt_shutdown": shut, "libvirt_start": started}


def _engine(url: str) -> sa.Engine:
    """The same engine tuning as the system (WAL etc. for SQLite) when importable."""
    try:
        from mininova.db import api as db_api
        return db_api.create_engine(url)
    except ImportError:
        return sa.create_engine(url)


def db_floor(conf: cfg.ConfigOpts, samples: int) -> dict:
    """UPDATE+commit of one row of a scratch table, created and dropped here."""
    tmpdir = None
    url = conf.database.connection
    if not conf.config_file:
        tmpdir = tempfile.TemporaryDirectory(prefix="mininova-bench-")
        url = f"sqlite:///{tmpdir.name}/floor.sqlite"
    engine = _engine(url)
    table = sa.Table(f"bench_floor_{os.getpid()}", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("counter", sa.Integer, nullable=False))
    table.create(engine)
    try:
        with engine.begin() as conn:
            conn.execute(table.insert().values(id=1, counter=0))
        update = table.update().where(table.c.id == 1).values(counter=table.c.counter + 1)

        def write():
            with engine.begin() as conn:
                conn.execute(update)

        return {"db_write": timed(write, samples)}
    finally:
        table.drop(engine)
        engine.dispose()
        if tmpdir:
            tmpdir.cleanup()


# -- the system -------------------------------------------------------------------------

class ApiClient:
    """A tiny JSON client: keep-alive GETs per thread, a fresh connection per write."""

    def __init__(self, endpoint: str, token: str):
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme != "http" or not parts.hostname:
            raise BenchError(f"--endpoint must be an http:// URL, not {endpoint!r}")
        host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
        if not ipaddress.ip_address(host).is_loopback:
            raise BenchError("the benchmark only talks to a loopback endpoint")
        self.host, self.port = host, parts.port or 80
        self.token = token
        self.headers = {"X-Auth-Token": token, "Accept": "application/json"}
        self._local = threading.local()
        self.requests = itertools.count()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def _send(self, conn, method: str, path: str, body,
              extra_headers: dict | None = None) -> tuple[int, dict | None]:
        headers = {**self.headers, **(extra_headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        next(self.requests)
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        self._local.request_id = resp.getheader("x-openstack-request-id")
        return resp.status, (json.loads(raw) if raw else None)

    def last_request_id(self) -> str | None:
        """The request id of this thread's last answer."""
        return getattr(self._local, "request_id", None)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict | None]:
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None) or self._connect()
            self._local.conn = conn
            try:
                return self._send(conn, "GET", path, None, headers)
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def write(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        conn = self._connect()
        try:
            return self._send(conn, method, path, body)
        finally:
            conn.close()


class Lifecycle:
    """Drives the servers of one run through boot, stop, start and delete."""

    def __init__(self, api: ApiClient, args):
        self.api, self.args = api, args
        self.run_id = uuid.uuid4().hex[:6]
        self.created: list[str] = []
        self.server_side: dict[str, list[float]] = {}
        self._guard = threading.Lock()

    def wait_for(self, server_id: str, want: str, deadline: float) -> float:
        """Poll until the server shows ``want`` (or is gone, for "GONE"); return when."""
        path = f"/v2.1/servers/{server_id}"
        while True:
            status, body = self.api.get(path)
            now = time.perf_counter()
            if want == "GONE" and status == 404:
                return now
            if status == 200:
                server = body["server"]
                if server["status"] == want and server.get("OS-EXT-STS:task_state") is None:
                    return now
                if server["status"] == "ERROR":
                    fault = server.get("fault", {}).get("message", "no fault recorded")
                    raise BenchError(f"server {server_id} went ERROR: {fault}")
            elif status != 404:
                raise BenchError(f"GET {path} answered {status}: {body}")
            if now > deadline:
                raise BenchError(f"server {server_id} not {want} after {self.args.timeout} s")
            time.sleep(self.args.poll_interval)

    def boot(self, index: int, image_id: str) -> tuple[str, float]:
        body = {"server": {"name": f"bench-{self.run_id}-{index}", "flavorRef": BOOT_FLAVOR,
                           "imageRef": image_id}}
        sent, start = time.time(), time.perf_counter()
        status, reply = self.api.write("POST", "/v2.1/servers", body)
        if status != 202:
            raise BenchError(f"POST /v2.1/servers answered {status}: {reply}")
        server_id = reply["server"]["id"]
        request_id = self.api.last_request_id()
        self.created.append(server_id)
        latency = self.wait_for(server_id, "ACTIVE", start + self.args.timeout) - start
        self.record_server_side("POST->ACTIVE", server_id, request_id, sent)
        return server_id, latency

    def action(self, server_id: str, action: dict, want: str, path: str = "") -> float:
        """Time ``action`` until the server shows ``want``; with ``path``, also record
        its server side under that name."""
        sent, start = time.time(), time.perf_counter()
        status, reply = self.api.write("POST", f"/v2.1/servers/{server_id}/action", action)
        # NOTE: confirmResize answers 204 (Nova), every other action 202.
        if status not in (202, 204):
            raise BenchError(f"{next(iter(action))} on {server_id} answered {status}: {reply}")
        request_id = self.api.last_request_id()
        latency = self.wait_for(server_id, want, start + self.args.timeout) - start
        if path:
            self.record_server_side(path, server_id, request_id, sent)
        return latency

    def delete(self, server_id: str) -> float:
        sent, start = time.time(), time.perf_counter()
        status, reply = self.api.write("DELETE", f"/v2.1/servers/{server_id}")
        if status not in (204, 404):
            raise BenchError(f"DELETE {server_id} answered {status}: {reply}")
        request_id = self.api.last_request_id()
        latency = self.wait_for(server_id, "GONE", start + self.args.timeout) - start
        if status == 204:
            self.record_server_side("DELETE->gone", server_id, request_id, sent)
        return latency

    def record_server_side(self, path: str, server_id: str, request_id: str | None,
                           sent: float) -> None:
        """Seconds from ``sent`` (wall clock) to the finish of the last event of the
        instance action ``request_id`` made, once all its events have finished; polled
        after the timed part, so it costs that part nothing."""
        if request_id is None or not self.args.server_side:
            return
        url = f"/v2.1/servers/{server_id}/os-instance-actions/{request_id}"
        deadline = time.perf_counter() + self.args.timeout
        while True:
            status, body = self.api.get(url, {"X-OpenStack-Nova-API-Version": "2.21"})
            if status != 200:
                raise BenchError(f"GET {url} answered {status}: {body}")
            events = body["instanceAction"].get("events") or []
            if events and all(e.get("finish_time") for e in events):
                break
            if time.perf_counter() > deadline:
                raise BenchError(f"the events of {request_id} never all finished: {events}")
            time.sleep(0.001)
        finished = max(datetime.datetime.fromisoformat(e["finish_time"])
                       .replace(tzinfo=datetime.UTC).timestamp() for e in events)
        with self._guard:
            self.server_side.setdefault(path, []).append(finished - sent)

    def _phase(self, name: str, fn, items) -> tuple[list, list]:
        """Run ``fn`` over ``items`` with --concurrency in flight; (results, errors)."""
        results, errors = [], []
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(self.args.concurrency) as pool:
            for future in [pool.submit(fn, item) for item in items]:
                try:
                    results.append(future.result())
                except (BenchError, OSError, http.client.HTTPException, KeyError,
                        ValueError) as exc:
                    errors.append(str(exc))
        print(f"  {name}: {len(results)} ok, {len(errors)} failed, "
              f"{time.perf_counter() - started:.1f} s")
        for message in errors[:5]:
            print(f"    error: {message}")
        return results, errors

    def run(self) -> tuple[dict, list[float], int, list[str]]:
        """Boot, stop, start, time the detail list, delete; always deletes what it made."""
        status, body = self.api.get("/v2.1/images")
        if status != 200 or not body.get("images"):
            raise BenchError(f"GET /v2.1/images answered {status} with no image: {body}")
        images = body["images"]
        image_id = next((i["id"] for i in images if i["name"] in ("tiny", "cirros")),
                        images[0]["id"])
        paths, errors = {}, []
        detail, listed = [], 0
        restore_quota = self._lift_quota()
        try:
            booted, errs = self._phase("boot", lambda i: self.boot(i, image_id),
                                       range(self.args.count))
            errors += errs
            ids = [server_id for server_id, _ in booted]
            paths["POST->ACTIVE"] = [latency for _, latency in booted]
            paths["os-stop->SHUTOFF"], errs = self._phase(
                "stop", lambda s: self.action(s, {"os-stop": None}, "SHUTOFF",
                                              "os-stop->SHUTOFF"), ids)
            errors += errs
            paths["os-start->ACTIVE"], errs = self._phase(
                "start", lambda s: self.action(s, {"os-start": None}, "ACTIVE",
                                               "os-start->ACTIVE"), ids)
            errors += errs
            if not self.args.no_moves:
                errors += self.moves(ids, paths)
            for _ in range(self.args.detail_samples):
                start = time.perf_counter()
                status, body = self.api.get("/v2.1/servers/detail")
                detail.append(time.perf_counter() - start)
                listed = len(body.get("servers", [])) if status == 200 else 0
        finally:
            paths["DELETE->gone"], errs = self._phase("delete", self.delete, self.created)
            errors += errs
            restore_quota()
        return paths, detail, listed, errors

    def moves(self, ids: list[str], paths: dict) -> list[str]:
        """Resize (reverted, then confirmed) and cold-migrate (confirmed) ``ids``, as far
        as the cloud allows; fill ``paths`` and return the errors."""
        flavor, migrate, reason = self._move_plan()
        if reason:
            print(f"  moves: {reason}")
        if flavor is None:
            return []
        errors: list[str] = []

        def step(name: str, action: dict, want: str, key: str) -> None:
            nonlocal ids
            done, errs = self._phase(name, lambda s: (s, self.action(s, action, want)), ids)
            errors.extend(errs)
            ids = [server_id for server_id, _ in done]
            paths.setdefault(key, []).extend(latency for _, latency in done)

        resize = {"resize": {"flavorRef": flavor}}
        step("resize", resize, "VERIFY_RESIZE", "resize->VERIFY_RESIZE")
        step("revert", {"revertResize": None}, "ACTIVE", "revertResize->ACTIVE")
        step("resize", resize, "VERIFY_RESIZE", "resize->VERIFY_RESIZE")
        step("confirm", {"confirmResize": None}, "ACTIVE", "confirmResize->ACTIVE")
        if migrate:
            step("migrate", {"migrate": None}, "VERIFY_RESIZE", "migrate->VERIFY_RESIZE")
            step("confirm", {"confirmResize": None}, "ACTIVE", "confirm(migrate)->ACTIVE")
        return errors

    def _move_plan(self) -> tuple[str | None, bool, str]:
        """(flavor to resize to or None, whether to cold-migrate, why something is
        skipped)."""
        status, body = self.api.get("/v2.1/os-hypervisors/detail")
        if status != 200:
            raise BenchError(f"GET /v2.1/os-hypervisors/detail answered {status}: {body}")
        hosts = [h for h in body["hypervisors"]
                 if h.get("state") == "up" and h.get("status") == "enabled"]
        same_host = bool(getattr(self.args, "allow_resize_to_same_host", False))
        if len(hosts) < 2 and not same_host:
            return None, False, (f"skipped: {len(hosts)} compute host(s) up and enabled, "
                                 "allow_resize_to_same_host off: resize and cold "
                                 "migration need two")
        flavor = self.args.resize_flavor or self._larger_flavor()
        if flavor is None:
            return None, False, (f"skipped: no flavor larger than {BOOT_FLAVOR!r} to resize "
                                 "to (--resize-flavor names one)")
        if len(hosts) < 2:
            return flavor, False, ("cold migration skipped: one compute host up and "
                                   "enabled (resize stays on it: allow_resize_to_same_host)")
        return flavor, True, f"resize {BOOT_FLAVOR!r} <-> {flavor!r} across {len(hosts)} hosts"

    def _larger_flavor(self) -> str | None:
        """The smallest flavor with at least the boot flavor's RAM, vCPUs and disk
        (and not zero disk, which resize refuses), by RAM, vCPUs, disk."""
        status, body = self.api.get("/v2.1/flavors/detail")
        if status != 200:
            raise BenchError(f"GET /v2.1/flavors/detail answered {status}: {body}")
        flavors = {f["id"]: f for f in body["flavors"]}
        boot = flavors.get(BOOT_FLAVOR)
        if boot is None:
            raise BenchError(f"flavor {BOOT_FLAVOR!r} (what the benchmark boots) is missing")
        def size(flavor: dict) -> tuple[int, int, int]:
            return flavor["ram"], flavor["vcpus"], flavor["disk"]

        larger = sorted((size(f), fid) for fid, f in flavors.items()
                        if f["disk"] > 0 and size(f) != size(boot)
                        and all(map(int.__ge__, size(f), size(boot))))
        return larger[0][1] if larger else None

    def _lift_quota(self):
        """Make the benchmark's project unlimited for the run (the defaults allow 10
        servers); return what puts its limits back."""
        project = self.api.token.partition(":")[2] or self.api.token
        path = f"/v2.1/os-quota-sets/{project}"
        status, body = self.api.get(path)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body}; the token must be an "
                             "admin's (--token admin:admin)")
        keys = ("instances", "cores", "ram")
        saved = {key: body["quota_set"][key] for key in keys}
        self.api.write("PUT", path, {"quota_set": dict.fromkeys(keys, -1)})
        return lambda: self.api.write("PUT", path, {"quota_set": saved})


def process_cpu_seconds(pid: int) -> float:
    """utime+stime of process ``pid``, in seconds (OSError once it is gone)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mininova_cpu_seconds(config_file: str) -> dict[int, tuple[str, float]]:
    """{pid: (program, utime+stime seconds)} of processes whose command line has
    "mininova-".

    When some of them name ``config_file``, only those count: other mininova processes
    on the machine (a functional test run, say) are not the system under test.
    """
    result, mine = {}, set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read()
            if b"mininova-" not in cmdline:
                continue
            seconds = process_cpu_seconds(int(pid))
        except OSError:
            continue
        if config_file.encode() in cmdline:
            mine.add(int(pid))
        program = next((os.path.basename(arg) for arg in cmdline.decode().split("\0")
                        if "mininova-" in os.path.basename(arg)), "mininova-?")
        result[int(pid)] = (program, seconds)
    return {pid: cpu for pid, cpu in result.items() if pid in mine} if mine else result


# -- report -------------------------------------------------------------------------------

def print_floors(floors: dict) -> None:
    print("\nFloors (bare, this process)       n   p50 ms   p95 ms   max ms")
    for name, values in floors.items():
        p50, _p90, p95, worst = stats(values)
        print(f"  {name:<28} {len(values):5d} {p50:8.3f} {p95:8.3f} {worst:8.3f}")


def print_paths(paths: dict, floors: dict) -> None:
    print("\nPath                          n   p50 ms   p90 ms   p95 ms   max ms  floor ms"
          "  p50/floor")
    for name, values in paths.items():
        if not values:
            print(f"  {name:<24} {0:5d}  (no successful sample)")
            continue
        p50, p90, p95, worst = stats(values)
        floor = ratio = ""
        if name in MODEL and floors:
            total = sum(count * percentile(floors[part], 50) * 1e3
                        for part, count in MODEL[name].items())
            floor, ratio = f"{total:8.2f}", f"{p50 / total:9.1f}x"
        print(f"  {name:<24} {len(values):5d} {p50:8.2f} {p90:8.2f} {p95:8.2f} {worst:8.2f} "
              f"{floor:>9} {ratio:>10}")
    if floors:
        print("\nModel (floor = sum of the p50 floors):")
        for name, parts in MODEL.items():
            print(f"  {name:<18} = " + " + ".join(f"{n} x {p}" for p, n in parts.items()))


def print_server_side(server_side: dict) -> None:
    if not server_side:
        return
    print("\nServer side (request sent -> its last event finished, no polling in it)")
    print("Path                          n   p50 ms   p90 ms   p95 ms   max ms")
    for name, values in server_side.items():
        p50, p90, p95, worst = stats(values)
        print(f"  {name:<24} {len(values):5d} {p50:8.2f} {p90:8.2f} {p95:8.2f} {worst:8.2f}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:8774")
    parser.add_argument("--token", default="admin:admin", help="noauth2 user:project")
    parser.add_argument("--count", type=int, default=100, help="servers to boot")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument("--config-file", default="/etc/mininova/mininova.conf",
                        help="where transport_url and [database] connection are read")
    parser.add_argument("--poll-interval", type=float, default=0.01, help="seconds")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one server may take for one transition")
    parser.add_argument("--floor-samples", type=int, default=200)
    parser.add_argument("--detail-samples", type=int, default=20)
    parser.add_argument("--libvirt-uri", default="test:///default")
    parser.add_argument("--floors-only", action="store_true",
                        help="measure the floors only (no running system needed)")
    parser.add_argument("--no-moves", action="store_true",
                        help="leave out resize and cold migration")
    parser.add_argument("--resize-flavor", default=None,
                        help="flavor id to resize to (default: the smallest larger one)")
    parser.add_argument("--no-server-side", dest="server_side", action="store_false",
                        help="leave out the server-side times (one more GET per "
                             "operation, after its timed part)")
    parser.add_argument("--start-cloud", action="store_true",
                        help="start a private cloud of two test-driver computes and "
                             "benchmark it (--endpoint and --config-file are its own)")
    parser.add_argument("--notifications", action="store_true",
                        help="with --start-cloud: send notifications in both formats, as "
                             "the functional tests do (default: none, as deployed)")
    args = parser.parse_args(argv)
    for name in ("count", "concurrency", "floor_samples", "detail_samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


@contextlib.contextmanager
def private_cloud(count: int, notifications: bool):
    """Start a cloud of its own (own RabbitMQ vhost and SQLite file, two test-driver
    computes) with tests/functional's start_mininova; yield (API URL, config file)."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    try:
        from tests.functional import conftest as functional
    except ImportError as exc:
        raise BenchError(f"--start-cloud needs a source checkout with the test "
                         f"requirements installed ({exc})") from exc
    with contextlib.ExitStack() as stack:
        base = pathlib.Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="mininova-bench-")))
        (base / "logs").mkdir()
        services = functional.ServiceSet(base / "logs")
        vhost = stack.enter_context(functional.private_rabbit_vhost())
        stack.callback(services.stop)
        # NOTE: a test-driver host has 3 GB and 16 vCPUs; overcommit so that ``count``
        # servers and their resizes fit (claims are what is measured, not capacity).
        ratio = max(4, count)
        cloud = functional.start_mininova(
            services, base, db_url=f"sqlite:///{base / 'mininova.sqlite'}",
            compute_hosts=("bench1", "bench2"),
            transport_url=(f"rabbit://guest:guest@{functional.RABBIT_HOST}:"
                           f"{functional.RABBIT_PORT}/{vhost}"),
            extra_conf=(f"\n[DEFAULT]\nram_allocation_ratio = {ratio}\n"
                        f"cpu_allocation_ratio = {ratio}\n"
                        f"disk_allocation_ratio = {ratio}\n"),
            notifications=notifications)
        print(f"Private cloud at {cloud.api_url}: computes {', '.join(cloud.compute_hosts)}, "
              f"notifications {'on' if notifications else 'off'}, "
              f"logs in {base / 'logs'} (removed at the end)")
        yield cloud.api_url, str(base / "mininova.conf")


def main(argv=None) -> int:
    args = parse_args(argv)
    # NOTE: keep the AMQP client's chatter at shutdown out of the report.
    for name in ("amqp", "kombu", "oslo_messaging"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        if args.start_cloud and not args.floors_only:
            args.endpoint, args.config_file = stack.enter_context(
                private_cloud(args.count, args.notifications))
        return _run(args)


def _run(args) -> int:
    conf = load_conf(args.config_file)
    args.allow_resize_to_same_host = getattr(conf, "allow_resize_to_same_host", False)
    api = None
    if not args.floors_only:
        api = ApiClient(args.endpoint, args.token)
        try:
            api.get("/")
        except OSError as exc:
            raise BenchError(f"nothing answers on {args.endpoint} ({exc}); start the "
                             "system first, e.g. sudo devstack-lite/stack.sh") from exc
    print(f"Measuring the floors ({args.floor_samples} samples each)...")
    floors = {}
    floors.update(rpc_floors(conf, args.floor_samples))
    floors.update(libvirt_floors(args.libvirt_uri, args.floor_samples))
    floors.update(db_floor(conf, args.floor_samples))
    print_floors(floors)
    if args.floors_only:
        return 0

    load = " / ".join(f"{avg:.1f}" for avg in os.getloadavg())
    print(f"\nLifecycle of {args.count} servers against {args.endpoint} "
          f"({args.concurrency} in flight, polling every {args.poll_interval * 1e3:g} ms; "
          f"load average {load})")
    cpu_before = mininova_cpu_seconds(args.config_file)
    started = time.perf_counter()
    life = Lifecycle(api, args)
    paths, detail, listed, errors = life.run()
    elapsed = time.perf_counter() - started
    cpu_after = mininova_cpu_seconds(args.config_file)
    per_program: dict[str, float] = {}
    for pid, (program, seconds) in cpu_after.items():
        spent = seconds - cpu_before.get(pid, (program, 0.0))[1]
        per_program[program] = per_program.get(program, 0.0) + spent
    cpu = sum(per_program.values())

    print_paths(paths, floors)
    print_server_side(life.server_side)
    if detail:
        p50, p90, p95, worst = stats(detail)
        print(f"\nGET /v2.1/servers/detail with {listed} servers: p50 {p50:.2f} ms, "
              f"p90 {p90:.2f} ms, p95 {p95:.2f} ms, max {worst:.2f} ms over "
              f"{len(detail)} requests")
    requests = next(api.requests)
    print(f"\nmininova processes: {cpu:.2f} CPU seconds over {elapsed:.1f} s of lifecycle "
          f"({len(cpu_after)} processes, {cpu / args.count * 1e3:.1f} ms per server; "
          f"{requests} HTTP requests, most of them polls)")
    for program, seconds in sorted(per_program.items()):
        print(f"  {program:<22} {seconds:7.2f} s")
    gone = set(cpu_before) - set(cpu_after)
    if gone:
        print(f"  note: {len(gone)} process(es) exited during the run and are not counted")
    if errors:
        print(f"\n{len(errors)} operation(s) failed; see the errors above")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        sys.exit(f"error: {exc}")
