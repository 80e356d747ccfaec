"""Operations: the API under plain gunicorn and with gunicorn.conf.py, graceful shutdown
of a compute with a request in flight, and a compute host in its own network namespace.

The shutdown and namespace tests run their own small mininova (own RabbitMQ vhost, own
SQLite database) so that stopping, pausing or isolating its processes never disturbs the
session's system.
"""
import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from oslo_config import cfg

from mininova.cmd import api as api_cmd
from mininova.cmd import common
from mininova.conf import api as api_conf
from mininova.conf import default as default_conf
from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT
from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _find_script
from tests.functional.conftest import _free_port
from tests.functional.conftest import _wait_for_api
from tests.functional.conftest import private_rabbit_vhost
from tests.functional.conftest import start_compute
from tests.functional.conftest import start_mininova

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONF = REPO / "etc" / "mininova" / "gunicorn.conf.py"
GRACEFUL_TIMEOUT = 5  # [DEFAULT] graceful_shutdown_timeout of the test configuration
EXIT_MARGIN = 3.0  # seconds a process may take beyond it (interpreter exit, cleanup)
# oslo.messaging at DEBUG logs each RPC call a handler makes, with the request id: the
# proof that a request is in flight in the compute.
RPC_DEBUG_CONF = "default_log_levels = {}\n".format(",".join(
    "oslo_messaging=DEBUG" if lvl.startswith("oslo_messaging=") else lvl
    for lvl in common.LOG_LEVELS))


def _rid(resp) -> str:
    return resp.headers["X-Openstack-Request-Id"]


def _log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _wait_for_log(path: Path, needle: str, deadline: float = 15.0, offset: int = 0) -> None:
    """Wait until ``needle`` appears in the log after byte ``offset``."""
    end = time.monotonic() + deadline
    while needle not in path.read_bytes()[offset:].decode(errors="replace"):
        if time.monotonic() > end:
            pytest.fail(f"{needle!r} not in {path} after {deadline}s")
        time.sleep(0.05)


# --------------------------------------------------------------------------- gunicorn

def test_plain_gunicorn_serves_the_wsgi_application(mininova, tmp_path):
    """MININOVA_CONFIG_FILE=... gunicorn -c gunicorn.conf.py mininova.api.wsgi:application
    serves the same cloud (DB reads and RPC casts), with request ids in its access log."""
    services = ServiceSet(tmp_path)
    port = _free_port()
    try:
        services.start("gunicorn", [
            _find_script("gunicorn"), "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{port}",
            "-w", "1", "mininova.api.wsgi:application"],
            env={"MININOVA_CONFIG_FILE": str(mininova.base_dir / "mininova.conf")})
        url = f"http://127.0.0.1:{port}"
        _wait_for_api(services, url, time.monotonic() + 30)
        api = ApiClient(url)
        resp = api.get("/v2.1/flavors")
        assert resp.status_code == 200, resp.text
        assert "m1.tiny" in {f["name"] for f in resp.json()["flavors"]}, resp.text
        tracker = ServerTracker(api, mininova.image_id)
        try:
            server = tracker.create("via-plain-gunicorn")  # a cast to the conductor
            assert server["OS-EXT-SRV-ATTR:host"] in mininova.compute_hosts, server
        finally:
            tracker.cleanup()
    finally:
        services.stop()
    assert services.processes[0].popen.returncode == 0, services.log_tails()
    log = (tmp_path / "gunicorn.log").read_text()
    # The access log line of that GET carries its request id (gunicorn.conf.py's format).
    assert re.search(r'"GET /v2.1/flavors HTTP/1.1" 200 .* ' + re.escape(_rid(resp)), log), log


def test_mininova_api_loads_gunicorn_conf(mininova, api):
    resp = api.get("/v2.1/servers")
    assert resp.status_code == 200, resp.text
    log_path = mininova.log_dir / "mininova-api.log"
    _wait_for_log(log_path, _rid(resp))
    assert f"gunicorn settings from {GUNICORN_CONF}" in log_path.read_text()


def test_api_options_win_over_gunicorn_conf(tmp_path):
    """gunicorn.conf.py next to mininova.conf is read; [api] still decides bind/workers."""
    (tmp_path / "gunicorn.conf.py").write_text(
        'bind = "0.0.0.0:9"\nworkers = 7\nthreads = 3\ntimeout = 33\nkeepalive = 9\n')
    (tmp_path / "mininova.conf").write_text(
        "[DEFAULT]\ngraceful_shutdown_timeout = 12\n"
        "[api]\nbind_host = 127.0.0.2\nbind_port = 8999\nworkers = 3\n")
    conf = cfg.ConfigOpts()
    default_conf.register_opts(conf)
    api_conf.register_opts(conf)
    conf(["--config-file", str(tmp_path / "mininova.conf")], project="mininova")
    assert api_cmd.find_gunicorn_conf(conf) == tmp_path / "gunicorn.conf.py"
    settings = api_cmd._Application(conf).cfg
    assert settings.bind == ["127.0.0.2:8999"]
    assert (settings.workers, settings.threads, settings.graceful_timeout) == (3, 8, 12)
    assert (settings.timeout, settings.keepalive) == (33, 9)  # from gunicorn.conf.py
    assert "x-openstack-request-id" in settings.access_log_format


# --------------------------------------------------------------------------- shutdown

@pytest.fixture(scope="module")
def ops(tmp_path_factory):
    """A dedicated mininova with one compute, ``ops1``, whose RPC calls are logged."""
    base = tmp_path_factory.mktemp("ops")
    (base / "logs").mkdir()
    services = ServiceSet(base / "logs")
    with private_rabbit_vhost() as vhost:
        try:
            system = start_mininova(
                services, base, compute_hosts=("ops1",),
                compute_conf={"ops1": RPC_DEBUG_CONF},
                db_url=f"sqlite:///{base / 'state' / 'mininova.sqlite'}",
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}")
            yield system, services
        finally:
            for proc in services.processes:  # never leave a paused process behind
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.popen.pid, signal.SIGCONT)
            services.stop()


@contextlib.contextmanager
def _paused(proc):
    """SIGSTOP a process (a conductor that does not answer for a while), then SIGCONT."""
    os.kill(proc.popen.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(proc.popen.pid, signal.SIGCONT)


def _sigterm_with_request_in_flight(system, services, compute, action: dict) -> str:
    """Cast ``action`` to the compute while the conductor is paused, wait until the
    compute's handler is running (its RPC call to the conductor is logged with the
    request id), SIGTERM the compute; returns the request id. Conductor still paused."""
    api = ApiClient(system.api_url)
    sid = _only_server(api)
    resp = api.action(sid, action)
    assert resp.status_code == 202, resp.text
    rid = _rid(resp)
    _wait_for_log(compute.log_path, f"{rid} ")
    compute.popen.send_signal(signal.SIGTERM)
    return rid


def _only_server(api: ApiClient) -> str:
    servers = api.get("/v2.1/servers").json()["servers"]
    assert len(servers) == 1, servers
    return servers[0]["id"]


def test_sigterm_lets_the_in_flight_stop_finish(ops):
    system, services = ops
    api = ApiClient(system.api_url)
    sid = ServerTracker(api, system.image_id).create("drain-me")["id"]
    compute = services.latest("mininova-compute-ops1")
    conductor = services.latest("mininova-conductor")

    with _paused(conductor):
        rid = _sigterm_with_request_in_flight(system, services, compute, {"os-stop": None})
        signalled = time.monotonic()
        # The stop is stuck in a call to the conductor: the compute must wait for it,
        # so over the next second it must not exit.
        try:
            compute.popen.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
        else:
            pytest.fail(f"compute exited with a request in flight\n{services.log_tails()}")
    try:
        rc = compute.popen.wait(timeout=GRACEFUL_TIMEOUT + EXIT_MARGIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"compute still running {GRACEFUL_TIMEOUT + EXIT_MARGIN}s after "
                    f"SIGTERM\n{services.log_tails()}")
    elapsed = time.monotonic() - signalled
    assert rc == 0, f"compute exited rc={rc}\n{services.log_tails()}"
    assert elapsed < GRACEFUL_TIMEOUT + EXIT_MARGIN

    server = api.show_server(sid)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("SHUTOFF", None), server
    action = api.wait_for_action_events(sid, rid)
    assert [(e["event"], e["result"]) for e in action["events"]] == [
        ("compute_stop_instance", "Success")], action
    log = compute.log_path.read_text()
    assert "draining in-flight requests" in log and "exiting anyway" not in log


def test_sigterm_drain_is_bounded_and_restart_recovers(ops):
    """A request that cannot finish (conductor not answering) does not hold the compute
    past graceful_shutdown_timeout (exit status 1); a restarted compute resolves the
    interrupted task."""
    system, services = ops
    api = ApiClient(system.api_url)
    sid = _only_server(api)
    assert api.show_server(sid)["status"] == "SHUTOFF"
    offset = _log_size(services.log_dir / "mininova-compute-ops1.log")
    compute = start_compute(services, system.base_dir, "ops1", extra_conf=RPC_DEBUG_CONF)
    _wait_for_log(compute.log_path, "nova-compute started on host ops1", offset=offset)
    conductor = services.latest("mininova-conductor")

    with _paused(conductor):
        _sigterm_with_request_in_flight(system, services, compute, {"os-start": None})
        signalled = time.monotonic()
        try:
            rc = compute.popen.wait(timeout=GRACEFUL_TIMEOUT + EXIT_MARGIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"compute still running {GRACEFUL_TIMEOUT + EXIT_MARGIN}s after "
                        f"SIGTERM\n{services.log_tails()}")
        elapsed = time.monotonic() - signalled
    assert rc == 1, f"compute exited rc={rc}\n{services.log_tails()}"
    assert GRACEFUL_TIMEOUT - 0.5 <= elapsed < GRACEFUL_TIMEOUT + EXIT_MARGIN, elapsed
    assert "exiting with status 1" in compute.log_path.read_text()
    assert api.show_server(sid)["OS-EXT-STS:task_state"] == "powering-on"

    # NOTE: a test-driver hypervisor lives and dies with its compute process, so the
    # restarted compute finds no guest to power on: it defines the guest again from the
    # server's record and finishes the interrupted start (Nova's repair), leaving no
    # task_state and no ERROR; the server then stops and starts as any other.
    start_compute(services, system.base_dir, "ops1")
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-STS:task_state"] is None, server
    for action, status in (("os-stop", "SHUTOFF"), ("os-start", "ACTIVE")):
        assert api.post(f"/v2.1/servers/{sid}/action", {action: None}).status_code == 202
        assert api.wait_for_status(sid, status)["OS-EXT-STS:task_state"] is None


# --------------------------------------------------------------------------- namespaces

def _rabbit_listens_beyond_loopback() -> bool:
    """True when the broker's port is bound to a wildcard address (reachable from a veth)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{RABBIT_PORT}"], capture_output=True,
                         text=True, timeout=10).stdout
    local = [line.split()[3] for line in out.splitlines() if len(line.split()) >= 4]
    return any(addr.rsplit(":", 1)[0] in ("0.0.0.0", "*", "[::]") for addr in local)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def netns_link():
    """A network namespace joined to the host by a veth pair 10.251.N.1/30 (host side)
    <-> 10.251.N.2/30 (namespace side); all of it removed afterwards, also on failure."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 (ip netns) to create a network namespace")
    tag = uuid.uuid4().hex[:6]
    ns, host_if, ns_if = f"mininova-{tag}", f"mnh{tag}", f"mnn{tag}"
    used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    subnet = next(n for n in range(int(tag, 16) % 200, 256) if f"10.251.{n}." not in used)
    host_addr, ns_addr = f"10.251.{subnet}.1", f"10.251.{subnet}.2"
    try:
        _ip("netns", "add", ns)
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", ns)
        _ip("addr", "add", f"{host_addr}/30", "dev", host_if)
        _ip("link", "set", host_if, "up")
        _ip("-n", ns, "addr", "add", f"{ns_addr}/30", "dev", ns_if)
        _ip("-n", ns, "link", "set", ns_if, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        with _broker_listening_on(host_addr):
            yield ns, host_addr
    finally:
        # NOTE: deleting the namespace destroys its veth end, and with it the host end.
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, timeout=30)


def _rabbitmqctl_eval(expression: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("rabbitmqctl"), "eval", expression],
                          capture_output=True, text=True, timeout=60)


@contextlib.contextmanager
def _broker_listening_on(address: str):
    """Make the real broker listen on ``address`` too, for this test only.

    A broker that already listens on every address needs nothing; one bound to loopback
    (as here) gets an extra TCP listener at run time, removed afterwards, so the compute
    in the namespace reaches RabbitMQ itself over the veth, not through a relay.
    """
    if _rabbit_listens_beyond_loopback():
        yield
        return
    listener = f'{{"{address}", {RABBIT_PORT}}}'
    started = _rabbitmqctl_eval(f"rabbit_networking:start_tcp_listener({listener}, 1).")
    assert started.returncode == 0 and "ok" in started.stdout, (
        f"could not make RabbitMQ listen on {address}: {started.stdout} {started.stderr}")
    try:
        yield
    finally:
        _rabbitmqctl_eval(f"rabbit_networking:stop_tcp_listener({listener}).")


@contextlib.contextmanager
def _rabbit_user(vhost: str):
    """A broker user for remote hosts (guest may only log in from loopback)."""
    user, password = f"mininova-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    ctl = shutil.which("rabbitmqctl")
    subprocess.run([ctl, "add_user", user, password], check=True, capture_output=True)
    try:
        subprocess.run([ctl, "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
                       check=True, capture_output=True)
        yield user, password
    finally:
        subprocess.run([ctl, "delete_user", user], capture_output=True)


def run_compute_in_namespace(tmp_path: Path, ns: str, host_addr: str) -> None:
    """A mininova whose only compute runs inside ``ns`` and reaches the broker through
    the veth: a server boots there, stops and starts."""
    (tmp_path / "logs").mkdir()
    services = ServiceSet(tmp_path / "logs")
    with private_rabbit_vhost() as vhost, _rabbit_user(vhost) as (user, password):
        try:
            system = start_mininova(
                services, tmp_path, compute_hosts=("nscompute",),
                compute_prefix={"nscompute": ["ip", "netns", "exec", ns]},
                compute_conf={"nscompute": f"transport_url = rabbit://{user}:{password}@"
                                           f"{host_addr}:{RABBIT_PORT}/{vhost}\n"},
                db_url=f"sqlite:///{tmp_path / 'state' / 'mininova.sqlite'}",
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}")
            compute = services.latest("mininova-compute-nscompute")
            # `ip netns exec` execs the compute in place: same pid, the namespace's netns.
            assert (os.stat(f"/proc/{compute.popen.pid}/ns/net").st_ino
                    == os.stat(f"/run/netns/{ns}").st_ino)
            api = ApiClient(system.api_url)
            server = ServerTracker(api, system.image_id).create("in-a-namespace")
            assert server["OS-EXT-SRV-ATTR:host"] == "nscompute", server
            for action, status in (({"os-stop": None}, "SHUTOFF"),
                                   ({"os-start": None}, "ACTIVE")):
                resp = api.action(server["id"], action)
                assert resp.status_code == 202, resp.text
                api.wait_for_status(server["id"], status)
        finally:
            services.stop()


def test_compute_in_its_own_network_namespace(netns_link, tmp_path):
    ns, host_addr = netns_link
    run_compute_in_namespace(tmp_path, ns, host_addr)
