"""Shared fixtures of the functional suite: one whole mininova per pytest session.

``mininova`` (session scope) starts the real console scripts -- mininova-conductor,
mininova-scheduler, two mininova-compute (hosts compute1 and compute2, each its own fake
hypervisor through libvirt's test:///default driver) and mininova-api -- as subprocesses
against a private RabbitMQ virtual host and a fresh database (``MININOVA_TEST_DB`` =
sqlite | postgresql | mysql), and waits until the API lists every service up.

Tests talk to the system through HTTP only, with ``ApiClient`` (fixture ``api``); the
``servers`` fixture boots servers and deletes whatever a test leaves behind. Each process
logs to a file under the session's tmp dir; when anything fails, the tail of every log is
printed in the terminal summary.
"""
import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

ADMIN_TOKEN = "admin:admin"
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672
CONTROLLER_HOST = "controller"
COMPUTE_HOSTS = ("compute1", "compute2")
# Service rows the API must list, keyed by the last word of the binary name.
EXPECTED_SERVICES = {"conductor": 1, "scheduler": 1, "compute": len(COMPUTE_HOSTS)}
FLAVORS = (  # name, flavorid, ram MB, vcpus, disk GB
    ("m1.tiny", "1", 512, 1, 1),
    ("m1.small", "2", 2048, 1, 20),
    ("m1.huge", "99", 65536, 1, 1),  # fits no host: 3072 MB each
)
IMAGE_NAME = "cirros"

STARTUP_DEADLINE = 60.0  # API answering and every service up
POLL_INTERVAL = 0.05
STOP_DEADLINE = 20.0  # SIGTERM to exit, for all processes together
LOG_TAIL_LINES = 40

REQUEST_ID_RE = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_NO_BODY = object()


# --------------------------------------------------------------------------- HTTP client

class ApiClient:
    """A thin requests wrapper for the Compute API.

    Every response is checked for a well-formed ``X-Openstack-Request-Id`` header, so each
    test asserts that guarantee for every request it makes.
    """

    def __init__(self, base_url: str, token: str = ADMIN_TOKEN):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._session = requests.Session()
        self._session.trust_env = False  # never send 127.0.0.1 traffic through a proxy

    def clone(self, token: str | None = None) -> "ApiClient":
        """A new client (own connection pool, safe to use from another thread)."""
        return ApiClient(self.base_url, token or self.token)

    def request(self, method: str, path: str, *, body=_NO_BODY, data: str | None = None,
                headers: dict | None = None, timeout: float = 30) -> requests.Response:
        hdrs = {"X-Auth-Token": self.token, "Accept": "application/json"}
        if body is not _NO_BODY:
            data = json.dumps(body)
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        resp = self._session.request(method, self.base_url + path, data=data, headers=hdrs,
                                     timeout=timeout)
        rid = resp.headers.get("X-Openstack-Request-Id")
        assert rid and REQUEST_ID_RE.match(rid), (
            f"{method} {path} -> {resp.status_code}: missing or malformed "
            f"X-Openstack-Request-Id {rid!r}; headers={dict(resp.headers)}; body={resp.text!r}")
        return resp

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=_NO_BODY, **kw) -> requests.Response:
        return self.request("POST", path, body=body, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # -- servers

    def create_server(self, name: str, flavor_ref: str, image_ref: str) -> requests.Response:
        return self.post("/v2.1/servers", {"server": {
            "name": name, "flavorRef": flavor_ref, "imageRef": image_ref}})

    def action(self, server_id: str, body) -> requests.Response:
        return self.post(f"/v2.1/servers/{server_id}/action", body)

    def show_server(self, server_id: str) -> dict:
        resp = self.get(f"/v2.1/servers/{server_id}")
        assert resp.status_code == 200, f"GET server {server_id}: {resp.status_code} {resp.text}"
        return resp.json()["server"]

    def wait_for_status(self, server_id: str, status: str, deadline: float = 30.0,
                        settled: bool = True) -> dict:
        """Poll until the server shows ``status`` (and, if settled, no task_state).

        Fails at once when the server turns ERROR while another status is awaited or
        disappears, and after ``deadline`` seconds with the last body seen.
        """
        end = time.monotonic() + deadline
        while True:
            resp = self.get(f"/v2.1/servers/{server_id}")
            if resp.status_code != 200:
                pytest.fail(f"server {server_id}: GET answered {resp.status_code} while "
                            f"waiting for {status}: {resp.text}")
            server = resp.json()["server"]
            if server["status"] == status and (
                    not settled or server.get("OS-EXT-STS:task_state") is None):
                return server
            if server["status"] == "ERROR" and status != "ERROR":
                pytest.fail(f"server {server_id} went ERROR while waiting for {status}: "
                            f"{resp.text}")
            if time.monotonic() > end:
                pytest.fail(f"server {server_id} not {status} (settled={settled}) after "
                            f"{deadline}s; last seen: {resp.text}")
            time.sleep(POLL_INTERVAL)

    def wait_for_deleted(self, server_id: str, deadline: float = 30.0) -> requests.Response:
        """Poll until GET on the server answers 404; returns that 404 response."""
        end = time.monotonic() + deadline
        while True:
            resp = self.get(f"/v2.1/servers/{server_id}")
            if resp.status_code == 404:
                return resp
            if time.monotonic() > end:
                pytest.fail(f"server {server_id} still there {deadline}s after DELETE; "
                            f"last seen: {resp.status_code} {resp.text}")
            time.sleep(POLL_INTERVAL)

    def wait_for_action_events(self, server_id: str, request_id: str,
                               deadline: float = 15.0) -> dict:
        """Poll an instance action until it has compute_* events, all of them finished."""
        end = time.monotonic() + deadline
        while True:
            resp = self.get(f"/v2.1/servers/{server_id}/os-instance-actions/{request_id}")
            if resp.status_code == 200:
                action = resp.json()["instanceAction"]
                events = [e for e in action.get("events") or []
                          if e["event"].startswith("compute_")]
                if events and all(e.get("result") is not None for e in events):
                    return action
            if time.monotonic() > end:
                pytest.fail(f"action {request_id} of server {server_id} has no finished "
                            f"compute_* events after {deadline}s; last seen: "
                            f"{resp.status_code} {resp.text}")
            time.sleep(POLL_INTERVAL)


class ServerTracker:
    """Boots servers for one test and deletes every one of them afterwards."""

    def __init__(self, api: ApiClient, image_id: str):
        self.api = api
        self.image_id = image_id
        self.ids: list[str] = []

    def track(self, server_id: str) -> None:
        self.ids.append(server_id)

    def boot(self, name: str, flavor_ref: str = "1", image_ref: str | None = None) -> str:
        """POST a server (expects 202) and return its id without waiting."""
        resp = self.api.create_server(name, flavor_ref, image_ref or self.image_id)
        assert resp.status_code == 202, f"POST /servers {name}: {resp.status_code} {resp.text}"
        server_id = resp.json()["server"]["id"]
        self.track(server_id)
        return server_id

    def create(self, name: str, flavor_ref: str = "1", status: str = "ACTIVE") -> dict:
        """Boot a server and wait until it reaches ``status``."""
        return self.api.wait_for_status(self.boot(name, flavor_ref), status)

    def cleanup(self) -> None:
        problems = []
        for server_id in self.ids:
            resp = self.api.delete(f"/v2.1/servers/{server_id}")
            if resp.status_code not in (204, 404):
                problems.append(f"DELETE {server_id}: {resp.status_code} {resp.text}")
        for server_id in self.ids:
            self.api.wait_for_deleted(server_id)
        assert not problems, "; ".join(problems)


# --------------------------------------------------------------------------- processes

def _find_script(name: str) -> str:
    """A console script next to sys.executable (the venv's bin dir), else on PATH."""
    path = (shutil.which(name, path=os.path.dirname(sys.executable))
            or shutil.which(name))
    if path is None:
        pytest.fail(f"console script {name} not found next to {sys.executable} nor on PATH; "
                    "install the package into the test venv (pip install -e .)")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log, DEBUG lines left out (the file keeps them)."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    kept = [line for line in text.splitlines() if " DEBUG " not in line]
    return "\n".join(kept[-lines:])


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"rc={returncode}"


@dataclasses.dataclass
class _Process:
    name: str
    argv: list[str]
    log_path: Path
    popen: subprocess.Popen


class ServiceSet:
    """The subprocesses of one mininova, their logs, and what went wrong with them."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[_Process] = []
        self.problems: list[str] = []
        self._env = dict(os.environ, PYTHONUNBUFFERED="1")

    def run(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a one-shot command (mininova-manage); fail the session if it fails."""
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL, env=self._env)
        with open(self.log_dir / "manage.log", "a") as log:
            log.write(f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}"
                      f"[rc={result.returncode}]\n")
        if result.returncode != 0:
            pytest.fail(f"{' '.join(argv)} failed (rc={result.returncode})\n"
                        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def start(self, name: str, argv: list[str], env: dict | None = None) -> "_Process":
        """Start ``argv`` in its own session, logging to ``<name>.log``; ``env`` adds
        variables to the environment."""
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     env=dict(self._env, **(env or {})),
                                     start_new_session=True)
        proc = _Process(name, argv, log_path, popen)
        self.processes.append(proc)
        return proc

    def latest(self, name: str) -> "_Process":
        """The process last started as ``name`` (a restarted service's current one)."""
        return [p for p in self.processes if p.name == name][-1]

    def check_alive(self) -> None:
        dead = [p for p in self.processes if p.popen.poll() is not None]
        if dead:
            names = ", ".join(f"{p.name} ({_exit_reason(p.popen.returncode)})" for p in dead)
            pytest.fail(f"service process exited early: {names}\n{self.log_tails()}")

    def stop(self) -> None:
        """SIGTERM every process (resumed first, should a test have left it paused),
        wait, then SIGKILL what is left (and its group)."""
        for proc in self.processes:
            rc = proc.popen.poll()
            if rc is not None:
                self.problems.append(f"{proc.name} had already exited "
                                     f"({_exit_reason(rc)}) before the end of the session")
            else:
                proc.popen.send_signal(signal.SIGCONT)
                proc.popen.send_signal(signal.SIGTERM)
        end = time.monotonic() + STOP_DEADLINE
        for proc in self.processes:
            try:
                proc.popen.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.problems.append(f"{proc.name} did not exit within {STOP_DEADLINE}s "
                                     "of SIGTERM; killed")
            # NOTE: the group id is the pid (start_new_session); this also reaps children
            # such as gunicorn workers left behind by a master that died.
            try:
                os.killpg(proc.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.popen.wait()

    def log_tails(self) -> str:
        parts = [f"logs in {self.log_dir}"]
        for path in sorted(self.log_dir.glob("*.log")):
            parts.append(f"----- {path.name} (last {LOG_TAIL_LINES} non-DEBUG lines) -----\n"
                         f"{_tail(path)}")
        return "\n".join(parts)


_SERVICES_KEY = pytest.StashKey[ServiceSet]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """On any failure (or a process that misbehaved), show the tail of every log."""
    services = config.stash.get(_SERVICES_KEY, None)
    if services is None:
        return
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if not failed and not services.problems:
        return
    terminalreporter.section("mininova service logs")
    for problem in services.problems:
        terminalreporter.write_line(f"PROBLEM: {problem}")
    terminalreporter.write_line(services.log_tails())


# --------------------------------------------------------------------------- fixtures

@contextlib.contextmanager
def private_rabbit_vhost() -> Iterator[str]:
    """A new RabbitMQ virtual host (guest has every permission), deleted on exit."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        pytest.fail("rabbitmqctl not found on PATH: the functional tests need a local "
                    "RabbitMQ server (127.0.0.1:5672, guest/guest) and its rabbitmqctl")
    try:
        socket.create_connection((RABBIT_HOST, RABBIT_PORT), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"no RabbitMQ broker listens on {RABBIT_HOST}:{RABBIT_PORT} ({exc}); "
                    "the functional tests need a running RabbitMQ")
    vhost = f"mininova-{uuid.uuid4()}"

    def ctl_run(*args):
        result = subprocess.run([ctl, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"rabbitmqctl {' '.join(args)} failed (rc={result.returncode}): "
                        f"{result.stdout}{result.stderr}")

    ctl_run("add_vhost", vhost)
    try:
        ctl_run("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield vhost
    finally:
        ctl_run("delete_vhost", vhost)


@pytest.fixture(scope="session")
def rabbit_vhost():
    """A private RabbitMQ virtual host for this test run, deleted at the end."""
    with private_rabbit_vhost() as vhost:
        yield vhost


_SERVER_DBS = {
    # backend: (server URL, maintenance database, CREATE, DROP)
    "postgresql": ("postgresql+psycopg2://postgres@127.0.0.1:5432", "postgres",
                   "CREATE DATABASE {}", "DROP DATABASE IF EXISTS {} WITH (FORCE)"),
    "mysql": ("mysql+pymysql://root@127.0.0.1:3306", "",
              "CREATE DATABASE {} CHARACTER SET utf8mb4", "DROP DATABASE IF EXISTS {}"),
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database URL for the backend MININOVA_TEST_DB names (default sqlite)."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@contextlib.contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A new, empty database on MININOVA_TEST_DB's backend, dropped on exit (SQLite: a
    file in ``tmp_dir``)."""
    backend = os.environ.get("MININOVA_TEST_DB", "sqlite").strip().lower()
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / 'mininova.sqlite'}"
        return
    with server_database(backend) as url:
        yield url


@contextlib.contextmanager
def server_database(backend: str, prefix: str = "mininova") -> Iterator[str]:
    """A new, empty database ``<prefix>_<hex>`` on the local PostgreSQL or MariaDB
    (``backend`` postgresql or mysql), dropped on exit."""
    if backend not in _SERVER_DBS:
        pytest.fail(f"MININOVA_TEST_DB={backend!r}: expected sqlite, postgresql or mysql")
    server, maintenance_db, create, drop = _SERVER_DBS[backend]
    name = f"{prefix}_{uuid.uuid4().hex}"
    engine = sa.create_engine(f"{server}/{maintenance_db}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(create.format(name)))
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        pytest.fail(f"cannot create the {backend} test database at {server}: {exc}")
    try:
        yield f"{server}/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(drop.format(name)))
        engine.dispose()


@dataclasses.dataclass
class Mininova:
    """What tests may know about the running system."""
    api_url: str
    image_id: str
    flavors: tuple  # (name, flavorid, ram MB, vcpus, disk GB) each
    compute_hosts: tuple
    controller_host: str
    base_dir: Path
    log_dir: Path


# NOTE: every functional cloud sends both notification formats (test_notifications
# listens), so the whole suite runs with notifications on. The benchmarks' clouds turn them
# off as a deployment does: [oslo_messaging_notifications] driver is a multi-valued
# option, so a later "driver = noop" adds to it rather than replacing it.
_NOTIFICATIONS_ON = """
[oslo_messaging_notifications]
driver = messagingv2

[notifications]
notification_format = both
notify_on_state_change = vm_and_task_state
"""
_NOTIFICATIONS_OFF = """
[oslo_messaging_notifications]
driver = noop
"""


def _write_config(path: Path, *, transport_url: str, state_path: Path, db_url: str,
                  api_port: int, extra: str = "", notifications: bool = True) -> None:
    path.write_text(f"""\
[DEFAULT]
host = {CONTROLLER_HOST}
transport_url = {transport_url}
state_path = {state_path}
debug = true
report_interval = 1
service_down_time = 10
rpc_response_timeout = 10
shutdown_timeout = 5
shutdown_retry_interval = 1
graceful_shutdown_timeout = 5
update_resources_interval = 5

[database]
connection = {db_url}

[api]
bind_host = 127.0.0.1
bind_port = {api_port}
workers = 2

[libvirt]
connection_uri = test:///default
virt_type = qemu
{_NOTIFICATIONS_ON if notifications else _NOTIFICATIONS_OFF}
{extra}""")


def _wait_for_api(services: ServiceSet, url: str, end: float) -> None:
    session = requests.Session()
    session.trust_env = False
    last = None
    while time.monotonic() < end:
        services.check_alive()
        try:
            resp = session.get(url + "/", timeout=2)
            if resp.status_code < 500:
                return
            last = f"{resp.status_code} {resp.text}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.1)
    pytest.fail(f"mininova-api at {url} did not answer within {STARTUP_DEADLINE}s "
                f"(last: {last})\n{services.log_tails()}")


def _wait_for_services(services: ServiceSet, api: ApiClient, end: float,
                       compute_hosts: tuple = COMPUTE_HOSTS) -> None:
    expected = dict(EXPECTED_SERVICES, compute=len(compute_hosts))
    last = None
    while time.monotonic() < end:
        services.check_alive()
        resp = api.get("/v2.1/os-services")
        last = f"{resp.status_code} {resp.text}"
        if resp.status_code == 200:
            up: dict[str, set] = {}
            for svc in resp.json()["services"]:
                if svc.get("state") == "up":
                    kind = svc["binary"].rsplit("-", 1)[-1]
                    up.setdefault(kind, set()).add(svc["host"])
            if (all(len(up.get(k, ())) >= n for k, n in expected.items())
                    and set(compute_hosts) <= up.get("compute", set())):
                return
        time.sleep(0.2)
    pytest.fail(f"services not all up within {STARTUP_DEADLINE}s; last GET "
                f"/v2.1/os-services: {last}\n{services.log_tails()}")


def _resolve_image_id(api: ApiClient, printed: str) -> str:
    """The id `image create` printed, cross-checked against GET /v2.1/images."""
    resp = api.get("/v2.1/images")
    assert resp.status_code == 200, f"GET /v2.1/images: {resp.status_code} {resp.text}"
    listed = [img["id"] for img in resp.json()["images"] if img.get("name") == IMAGE_NAME]
    assert len(listed) == 1, f"expected one image {IMAGE_NAME!r}: {resp.text}"
    candidates = set(UUID_RE.findall(printed))
    if len(candidates) == 1:
        assert candidates == set(listed), (
            f"`image create` printed {candidates} but the API lists {listed}")
    return listed[0]


def start_mininova(services: ServiceSet, base: Path, *, transport_url: str, db_url: str,
                   compute_hosts: tuple = COMPUTE_HOSTS, extra_conf: str = "",
                   compute_prefix: dict | None = None,
                   compute_conf: dict | None = None, service_conf: dict | None = None,
                   api_port: int | None = None,
                   admin_token: str = ADMIN_TOKEN, notifications: bool = True) -> Mininova:
    """Write a config under ``base``, prepare the database and start a whole mininova.

    ``compute_prefix`` maps a host to an argv prefix for its compute (e.g. ``ip netns
    exec NS``); ``compute_conf`` maps a host to extra lines of its own config file, and
    ``service_conf`` a binary (mininova-api, -conductor, -scheduler) to lines of its own.
    ``api_port`` (default: a free one) and ``admin_token`` (what readiness is checked
    with) serve deployments whose endpoint is registered beforehand, as with Keystone.
    ``notifications=False`` sends none (the benchmarks' deployment defaults).
    Returns once the API answers and every service is up; ``services.stop()`` ends it.
    """
    scripts = {name: _find_script(name) for name in (
        "mininova-manage", "mininova-api", "mininova-conductor", "mininova-scheduler",
        "mininova-compute")}
    state_path = base / "state"
    state_path.mkdir(exist_ok=True)
    port = api_port or _free_port()
    conf = base / "mininova.conf"
    _write_config(conf, transport_url=transport_url, state_path=state_path, db_url=db_url,
                  api_port=port, extra=extra_conf, notifications=notifications)

    manage = [scripts["mininova-manage"], "--config-file", str(conf)]
    services.run(manage + ["db", "sync"])
    for name, flavorid, ram, vcpus, disk in FLAVORS:
        services.run(manage + ["flavor", "create", name, "--ram", str(ram),
                               "--vcpus", str(vcpus), "--disk", str(disk),
                               "--id", flavorid])
    image_out = services.run(manage + [
        "image", "create", IMAGE_NAME, "--disk-format", "qcow2",
        "--container-format", "bare", "--size", "1024"]).stdout

    def conf_args(binary: str) -> list[str]:
        own = (service_conf or {}).get(binary)
        if own is None:
            return ["--config-file", str(conf)]
        (base / f"{binary}.conf").write_text(own)
        return ["--config-file", str(conf), "--config-file", str(base / f"{binary}.conf")]

    for binary in ("mininova-conductor", "mininova-scheduler"):
        services.start(binary, [scripts[binary], *conf_args(binary)])
    for host in compute_hosts:
        start_compute(services, base, host, (compute_prefix or {}).get(host, []),
                      (compute_conf or {}).get(host, ""))
    services.start("mininova-api", [scripts["mininova-api"], *conf_args("mininova-api")])

    api_url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + STARTUP_DEADLINE
    _wait_for_api(services, api_url, end)
    api = ApiClient(api_url, token=admin_token)
    _wait_for_services(services, api, end, compute_hosts)
    return Mininova(api_url=api_url, image_id=_resolve_image_id(api, image_out),
                    flavors=FLAVORS, compute_hosts=compute_hosts,
                    controller_host=CONTROLLER_HOST, base_dir=base,
                    log_dir=services.log_dir)


@contextlib.contextmanager
def private_cloud(base: Path, transport_url: str | None = None,
                  **kwargs) -> Iterator[tuple[Mininova, ServiceSet]]:
    """A whole mininova of the caller's own under ``base``: its own database and RabbitMQ
    vhost (or ``transport_url``'s broker), started by start_mininova(``kwargs``) and
    stopped on the way out. For tests that kill, pause or reconfigure services, or need
    settings of their own."""
    (base / "logs").mkdir(exist_ok=True)
    services = ServiceSet(base / "logs")
    with contextlib.ExitStack() as stack:
        if transport_url is None:
            vhost = stack.enter_context(private_rabbit_vhost())
            transport_url = f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}"
        db_url = stack.enter_context(fresh_database(base))
        try:
            yield start_mininova(services, base, db_url=db_url, transport_url=transport_url,
                                 **kwargs), services
        finally:
            services.stop()


def start_compute(services: ServiceSet, base: Path, host: str, prefix: list[str] | None = None,
                  extra_conf: str = "") -> "_Process":
    """Start mininova-compute for ``host`` on ``base``'s mininova.conf (+ its own file)."""
    host_conf = base / f"{host}.conf"
    host_conf.write_text(f"[DEFAULT]\nhost = {host}\n{extra_conf}")
    return services.start(f"mininova-compute-{host}", [
        *(prefix or []), _find_script("mininova-compute"), "--config-file",
        str(base / "mininova.conf"), "--config-file", str(host_conf)])


@pytest.fixture(scope="session")
def mininova(request, tmp_path_factory, rabbit_vhost, database_url):
    """Start the whole system once per session; stop it (SIGTERM) at the end."""
    base = tmp_path_factory.mktemp("mininova")
    log_dir = base / "logs"
    log_dir.mkdir()
    services = ServiceSet(log_dir)
    request.config.stash[_SERVICES_KEY] = services
    try:
        yield start_mininova(
            services, base, db_url=database_url,
            transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{rabbit_vhost}")
    finally:
        services.stop()


@pytest.fixture
def system(mininova) -> Mininova:
    """The cloud that ``api`` and ``servers`` talk to: the session's. A module with a
    cloud of its own (``private_cloud``) overrides this fixture with it."""
    return mininova


@pytest.fixture
def api(system) -> ApiClient:
    """An admin client of the running API."""
    return ApiClient(system.api_url)


@pytest.fixture
def servers(api, system):
    """Boot servers in a test; every server it boots is deleted afterwards."""
    tracker = ServerTracker(api, system.image_id)
    yield tracker
    tracker.cleanup()


def wait_until(predicate, what: str, services: ServiceSet | None = None,
               deadline: float = 60.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns something true, and return that; past
    ``deadline`` seconds fail naming ``what`` (with the services' log tails if given)."""
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            tails = f"\n{services.log_tails()}" if services is not None else ""
            pytest.fail(f"timed out after {deadline}s waiting for {what}{tails}")
        time.sleep(interval)


@pytest.fixture
def race():
    """Fire ``fn(i)`` from ``n`` threads released together by a Barrier; return results."""
    def fire(n: int, fn):
        barrier = threading.Barrier(n)
        results: list = [None] * n
        errors: list = []

        def worker(i):
            try:
                barrier.wait(timeout=10)
                results[i] = fn(i)
            except BaseException as exc:  # re-raised in the test thread below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        if errors:
            raise errors[0]
        return results
    return fire
