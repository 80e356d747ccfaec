"""Two API hosts behind one address: haproxy in front of two mininova-api processes.

mininova-api keeps nothing between requests: every request reads and writes the database
and reaches the other services through RabbitMQ. Any number of API hosts can therefore
serve one cloud behind a load balancer. haproxy is configured here as an operator would
configure it: round robin, a health check on the version document, and a refused
connection retried on the other host. The tests check that:

- both hosts serve the one address;
- a rolling restart loses no request of a client that keeps booting, stopping, starting
  and deleting servers through that address. Each host is drained in haproxy, stopped,
  started again and put back;
- a killed API host is taken out without a failed request.

Each request is handled once: every server's instance actions are exactly its create, stop
and start. A mininova of its own (own RabbitMQ vhost, own database), so that stopping its
API processes never disturbs the session's system.
"""
import os
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _find_script
from tests.functional.conftest import _free_port
from tests.functional.conftest import private_cloud
from tests.functional.conftest import wait_until

HOSTS = ("lb1",)
BACKEND = "api"
# NOTE: the health check runs every 200 ms and takes a host out after two failures; a
# request that finds a stopped host's port closed meanwhile is redispatched to the other.
HAPROXY_CFG = """\
global
    stats socket {socket} mode 600 level admin
    maxconn 512

defaults
    mode http
    option http-server-close
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 10s
    retries 3
    option redispatch 1

frontend compute
    bind 127.0.0.1:{port}
    default_backend {backend}

backend {backend}
    balance roundrobin
    option httpchk GET /v2.1/
    http-check expect status 200
    default-server inter 200ms fall 2 rise 1
{servers}
"""

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None,
    reason="haproxy is not installed (Debian package haproxy; .ci/run installs it)")


class Haproxy:
    """haproxy in front of the API hosts, and its runtime API (the stats socket)."""

    def __init__(self, base: Path, services: ServiceSet, hosts: dict[str, int]):
        self.socket_path = base / "haproxy.sock"
        self.port = _free_port()
        servers = "\n".join(f"    server {name} 127.0.0.1:{port} check"
                            for name, port in hosts.items())
        config = base / "haproxy.cfg"
        config.write_text(HAPROXY_CFG.format(socket=self.socket_path, port=self.port,
                                             backend=BACKEND, servers=servers))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
        self.process = services.start("haproxy", ["haproxy", "-db", "-f", str(config)])
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(self.socket_path.exists, "haproxy's stats socket", services, deadline=10)

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.socket_path))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """Each API host's row of ``show stat`` (status, scur, stot, ...), by name."""
        header, *rows = self.command("show stat").strip().splitlines()
        names = header.lstrip("# ").split(",")
        rows = [dict(zip(names, row.split(","), strict=False)) for row in rows]
        return {row["svname"]: row for row in rows
                if row["pxname"] == BACKEND and row["svname"] not in ("FRONTEND", "BACKEND")}

    def served(self) -> dict[str, int]:
        return {name: int(row["stot"]) for name, row in self.stats().items()}

    def wait_status(self, host: str, status: str) -> None:
        wait_until(lambda: self.stats()[host]["status"] == status,
                   f"haproxy to show {host} {status}", deadline=30)


class ApiHosts:
    """The cloud's API process (api-a) and a second one (api-b) on the same
    configuration, each on its own port."""

    def __init__(self, system, services: ServiceSet):
        self.services = services
        first = services.latest("mininova-api")
        self.ports = {"api-a": int(system.api_url.rsplit(":", 1)[1]), "api-b": _free_port()}
        second_conf = system.base_dir / "api-b.conf"
        second_conf.write_text(f"[DEFAULT]\nhost = api-b\n[api]\n"
                               f"bind_port = {self.ports['api-b']}\n")
        self.argv = {"api-a": first.argv,
                     "api-b": [_find_script("mininova-api"), *first.argv[1:],
                               "--config-file", str(second_conf)]}
        self.processes = {"api-a": first}
        self.start("api-b")

    def start(self, host: str) -> None:
        self.processes[host] = self.services.start(f"mininova-{host}", self.argv[host])
        url = f"http://127.0.0.1:{self.ports[host]}"
        wait_until(lambda: _answers(url), f"{host} to answer", self.services)

    def stop(self, host: str) -> None:
        """SIGTERM the gunicorn master (a graceful stop) and wait for it and its workers
        to exit."""
        proc = self.processes[host].popen
        proc.send_signal(signal.SIGTERM)
        self._gone(host)

    def kill(self, host: str) -> None:
        """SIGKILL the master and its workers at once, as a host that fails would."""
        os.killpg(self.processes[host].popen.pid, signal.SIGKILL)
        self._gone(host)

    def _gone(self, host: str) -> None:
        self.processes[host].popen.wait(timeout=30)
        wait_until(lambda: not _answers(f"http://127.0.0.1:{self.ports[host]}"),
                   f"{host}'s port to close", deadline=10)


def _answers(url: str) -> bool:
    try:
        return ApiClient(url).get("/v2.1/", timeout=2).status_code == 200
    except OSError:
        return False


class Client(threading.Thread):
    """Boots, stops, starts and deletes one server after another through the load
    balancer until told to stop; remembers every request that did not succeed."""

    def __init__(self, api: ApiClient, image_id: str):
        super().__init__(daemon=True)
        self.api = api.clone()
        self.image_id = image_id
        self.done = threading.Event()
        self.failures: list[str] = []
        self.rounds = 0

    def _ok(self, resp, *codes: int) -> None:
        if resp.status_code not in codes:
            self.failures.append(f"{resp.request.method} {resp.request.path_url}: "
                                 f"{resp.status_code} {resp.text[:300]}")

    def _round(self) -> None:
        api = self.api
        resp = api.create_server(f"lb-{self.rounds}", "1", self.image_id)
        self._ok(resp, 202)
        if resp.status_code != 202:
            return
        sid = resp.json()["server"]["id"]
        api.wait_for_status(sid, "ACTIVE")
        self._ok(api.action(sid, {"os-stop": None}), 202)
        api.wait_for_status(sid, "SHUTOFF")
        self._ok(api.action(sid, {"os-start": None}), 202)
        api.wait_for_status(sid, "ACTIVE")
        actions = api.get(f"/v2.1/servers/{sid}/os-instance-actions").json()
        handled = sorted(a["action"] for a in actions["instanceActions"])
        if handled != ["create", "start", "stop"]:
            self.failures.append(f"server {sid}: instance actions {handled}")
        self._ok(api.delete(f"/v2.1/servers/{sid}"), 204)
        api.wait_for_deleted(sid)
        self.rounds += 1

    def run(self) -> None:
        try:
            while not self.done.is_set():
                self._round()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            self.failures.append(f"client stopped: {exc!r}")

    def finish(self) -> None:
        self.done.set()
        self.join(timeout=120)
        assert not self.is_alive(), "the client did not finish its round"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    base = tmp_path_factory.mktemp("api-scale-out")
    with private_cloud(base, compute_hosts=HOSTS) as (system, services):
        hosts = ApiHosts(system, services)
        haproxy = Haproxy(base, services, hosts.ports)
        for name in hosts.ports:
            haproxy.wait_status(name, "UP")
        yield system, services, hosts, haproxy


def test_both_api_hosts_serve_the_one_address(cloud):
    system, _, _, haproxy = cloud
    api = ApiClient(haproxy.url)
    before = haproxy.served()
    client = Client(api, system.image_id)
    client.start()
    wait_until(lambda: client.rounds >= 3 or client.failures, "three rounds", deadline=60)
    client.finish()
    assert client.failures == []
    after = haproxy.served()
    served = {name: after[name] - before[name] for name in after}
    # NOTE: a round is at least nine requests, and haproxy alternates the hosts request by
    # request: each served about half.
    assert sum(served.values()) >= 27, served
    assert all(count >= 0.4 * sum(served.values()) for count in served.values()), served


def test_a_rolling_restart_of_the_api_hosts_loses_no_request(cloud):
    system, _, hosts, haproxy = cloud
    client = Client(ApiClient(haproxy.url), system.image_id)
    client.start()
    try:
        for name in hosts.ports:
            haproxy.command(f"set server {BACKEND}/{name} state drain")
            haproxy.wait_status(name, "DRAIN")
            wait_until(lambda name=name: haproxy.stats()[name]["scur"] == "0",
                       f"{name}'s requests to end", deadline=30)
            hosts.stop(name)
            rounds = client.rounds
            wait_until(lambda rounds=rounds: client.rounds > rounds or client.failures,
                       f"a round served by the other host alone ({name} stopped)",
                       deadline=60)
            hosts.start(name)
            haproxy.command(f"set server {BACKEND}/{name} state ready")
            haproxy.wait_status(name, "UP")
            served = haproxy.served()[name]
            wait_until(lambda name=name, served=served:
                       haproxy.served()[name] > served or client.failures,
                       f"{name} to serve again", deadline=30)
    finally:
        client.finish()
    assert client.failures == []
    assert client.rounds >= 2


def test_a_killed_api_host_is_taken_out_without_a_failed_request(cloud):
    system, _, hosts, haproxy = cloud
    api = ApiClient(haproxy.url)
    hosts.kill("api-b")
    # NOTE: before the health check notices, haproxy still picks api-b for every other
    # request: each is refused and redispatched to api-a.
    codes = [api.get("/v2.1/servers/detail").status_code for _ in range(20)]
    assert codes == [200] * 20
    haproxy.wait_status("api-b", "DOWN")
    client = Client(api, system.image_id)
    client.start()
    wait_until(lambda: client.rounds >= 1 or client.failures, "a round", deadline=60)
    hosts.start("api-b")
    haproxy.wait_status("api-b", "UP")
    client.finish()
    assert client.failures == []
