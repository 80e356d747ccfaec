"""Prometheus metrics, scraped as Prometheus would: a small cloud of its own with
[metrics] port set for each process (mininova-api's master sums its two workers)."""
import re
import time

import pytest
import requests

from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT
from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _free_port
from tests.functional.conftest import fresh_database
from tests.functional.conftest import private_rabbit_vhost
from tests.functional.conftest import start_mininova

HOST = "metrics1"
DEADLINE = 20.0


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    base = tmp_path_factory.mktemp("metrics")
    services = ServiceSet(base / "logs")
    (base / "logs").mkdir()
    ports = {name: _free_port() for name in ("api", "conductor", "scheduler", HOST)}

    def own(port: int) -> str:
        return f"[metrics]\nport = {port}\n"

    with private_rabbit_vhost() as vhost, fresh_database(base) as db_url:
        try:
            cloud = start_mininova(
                services, base, db_url=db_url, compute_hosts=(HOST,),
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}",
                compute_conf={HOST: own(ports[HOST])},
                service_conf={"mininova-api": own(ports["api"]),
                              "mininova-conductor": own(ports["conductor"]),
                              "mininova-scheduler": own(ports["scheduler"])})
            yield cloud, ports, services
        finally:
            services.stop()


def _scrape(port: int) -> str:
    resp = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert resp.status_code == 200, resp.text
    return resp.text


def _value(text: str, name: str, **labels) -> float | None:
    """The sample ``name`` whose labels include ``labels``; None when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def _wait_for(port: int, name: str, want, **labels) -> str:
    """Scrape until the sample satisfies ``want`` (an absent sample counts as 0)."""
    end = time.monotonic() + DEADLINE
    while True:
        text = _scrape(port)
        value = _value(text, name, **labels)
        if want(value or 0.0):
            return text
        if time.monotonic() > end:
            pytest.fail(f"{name}{labels} is {value} after {DEADLINE}s:\n{text[-3000:]}")
        time.sleep(0.2)


def test_each_service_serves_what_it_counts(cloud):
    mininova, ports, _ = cloud
    api = ApiClient(mininova.api_url)
    servers = ServerTracker(api, mininova.image_id)
    try:
        server_id = servers.create("metered")["id"]
        assert api.action(server_id, {"os-stop": None}).status_code == 202
        api.wait_for_status(server_id, "SHUTOFF")
    finally:
        servers.cleanup()

    # The API: requests by route template and status, from whichever worker answered.
    text = _wait_for(ports["api"], "mininova_api_request_duration_seconds_count",
                     lambda v: v >= 1, method="POST", route="/v2.1/servers", status="202")
    assert _value(text, "mininova_api_request_duration_seconds_count", method="POST",
                  route="/v2.1/servers/{server_id}/action", status="202") >= 1
    assert _value(text, "mininova_rpc_client_duration_seconds_count", kind="cast",
                  topic="compute", method="stop_instance", server=HOST) == 1
    # The compute: its calls to the conductor, and its heartbeats.
    text = _wait_for(ports[HOST], "mininova_service_heartbeats_total", lambda v: v >= 1,
                     binary="nova-compute", host=HOST)
    assert _value(text, "mininova_rpc_client_duration_seconds_count", kind="call",
                  topic="conductor", method="object_action") >= 1
    # The conductor: the cloud as the database has it.
    text = _wait_for(ports["conductor"], "mininova_service_up", lambda v: v == 1,
                     binary="nova-compute", host=HOST)
    assert _value(text, "mininova_host_capacity", host=HOST, resource="vcpus") > 0
    assert _value(text, "mininova_host_used", host=HOST, resource="vcpus") is not None
    # The scheduler: its heartbeats.
    _wait_for(ports["scheduler"], "mininova_service_heartbeats_total", lambda v: v >= 1,
              binary="nova-scheduler")


def test_servers_by_state_follow_the_cloud(cloud):
    mininova, ports, _ = cloud
    api = ApiClient(mininova.api_url)
    servers = ServerTracker(api, mininova.image_id)
    try:
        servers.create("counted")
        _wait_for(ports["conductor"], "mininova_instances", lambda v: v >= 1,
                  vm_state="active", task_state="none")
    finally:
        servers.cleanup()
    _wait_for(ports["conductor"], "mininova_instances", lambda v: v == 0,
              vm_state="active", task_state="none")
