"""Seeing a request travel, on a small cloud of its own: Prometheus metrics scraped as
Prometheus would ([metrics] port for each process; mininova-api's master sums its two
workers) and request traces ([tracing] enabled) read through the trace API and
mininova-manage trace."""
import re
import subprocess
import time

import pytest
import requests

from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import _find_script
from tests.functional.conftest import _free_port
from tests.functional.conftest import private_cloud

HOST = "metrics1"
DEADLINE = 20.0
# NOTE: spans are written every second here (the default is every 5 s), so that the
# tests find whole traces sooner.
TRACING = "\n[tracing]\nenabled = true\nexport_interval = 1\n"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    ports = {name: _free_port() for name in ("api", "conductor", "scheduler", HOST)}

    def own(port: int) -> str:
        return f"[metrics]\nport = {port}\n"

    with private_cloud(tmp_path_factory.mktemp("metrics"), compute_hosts=(HOST,),
                       compute_conf={HOST: own(ports[HOST])}, extra_conf=TRACING,
                       service_conf={"mininova-api": own(ports["api"]),
                                     "mininova-conductor": own(ports["conductor"]),
                                     "mininova-scheduler": own(ports["scheduler"])}
                       ) as (cloud, services):
        yield cloud, ports, services


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
    assert _value(text, "mininova_host_used", host=HOST, resource="vcpus") == 0
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
        # What the host has claimed for it, as os-hypervisors shows.
        _wait_for(ports["conductor"], "mininova_host_used", lambda v: v >= 1,
                  host=HOST, resource="vcpus")
    finally:
        servers.cleanup()
    _wait_for(ports["conductor"], "mininova_instances", lambda v: v == 0,
              vm_state="active", task_state="none")
    _wait_for(ports["conductor"], "mininova_host_used", lambda v: v == 0,
              host=HOST, resource="vcpus")


def _trace(api: ApiClient, request_id: str, want: set[str]) -> list[dict]:
    """The trace's spans once every name in ``want`` is there (spans arrive in batches)."""
    end = time.monotonic() + DEADLINE
    while True:
        resp = api.get(f"/mininova/v1/traces/{request_id}")
        spans = resp.json()["trace"]["spans"] if resp.status_code == 200 else []
        if want <= {s["name"] for s in spans}:
            return spans
        if time.monotonic() > end:
            pytest.fail(f"trace of {request_id} lacks {want - {s['name'] for s in spans}} "
                        f"after {DEADLINE}s: {resp.status_code} {resp.text[:2000]}")
        time.sleep(0.2)


def test_a_stop_is_traced_from_the_api_to_libvirt_and_back(cloud):
    mininova, _, _ = cloud
    api = ApiClient(mininova.api_url)
    servers = ServerTracker(api, mininova.image_id)
    try:
        server_id = servers.create("traced")["id"]
        resp = api.action(server_id, {"os-stop": None})
        assert resp.status_code == 202, resp.text
        request_id = resp.headers["X-Openstack-Request-Id"]
        api.wait_for_status(server_id, "SHUTOFF")
        spans = _trace(api, request_id, {
            "POST /v2.1/servers/{server_id}/action", "compute.api.stop",
            "rpc.cast compute.stop_instance", "compute.stop_instance", "virt.power_off",
            "libvirt.shutdown",
            "rpc.call conductor.object_action Instance.save_and_record_event",
            "conductor.object_action Instance.save_and_record_event"})
    finally:
        servers.cleanup()
    by_name = {s["name"]: s for s in spans}
    by_id = {s["span_id"]: s for s in spans}
    root = by_name["POST /v2.1/servers/{server_id}/action"]
    assert (root["service"], root["parent_id"]) == ("nova-api", None)
    assert root["attributes"]["http.status"] == "202"
    cast = by_name["rpc.cast compute.stop_instance"]
    assert cast["attributes"]["target"] == HOST
    manager = by_name["compute.stop_instance"]
    # The compute's span continues the API's cast across RabbitMQ.
    assert (manager["service"], manager["host"]) == ("nova-compute", HOST)
    assert manager["parent_id"] == cast["span_id"]
    assert by_id[by_name["virt.power_off"]["parent_id"]]["name"] == "compute.stop_instance"
    # The compute's one conductor call saves the state and records its event together.
    save = by_name["conductor.object_action Instance.save_and_record_event"]
    assert save["service"] == "nova-conductor"
    # Its one transaction: the state and the event written together, one span.
    writes = [s for s in spans if s["parent_id"] == save["span_id"]]
    assert [w["name"] for w in writes] == [
        "db.write instances, instance_actions, instance_actions_events"], writes
    assert writes[0]["attributes"]["db.statements"] == (
        "UPDATE instances; UPDATE instance_actions; INSERT instance_actions_events")
    assert not [s for s in spans if "InstanceActionEvent" in s["name"]]
    assert all(s["duration_ms"] >= 0 and s["offset_ms"] >= 0 for s in spans)
    assert {s["trace_id"] for s in spans} == {root["trace_id"]}

    out = subprocess.run(
        [_find_script("mininova-manage"), "--config-file",
         str(mininova.base_dir / "mininova.conf"), "trace", request_id],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    print(out.stdout)  # the waterfall, for whoever reads the test log
    assert "libvirt.shutdown" in out.stdout and f"nova-compute@{HOST}" in out.stdout
    assert "Where the time went" in out.stdout


def test_the_trace_api_refuses_what_it_cannot_answer(cloud):
    mininova, _, _ = cloud
    api = ApiClient(mininova.api_url)
    assert api.get("/mininova/v1/traces/not-a-request-id").status_code == 400
    unknown = api.get("/mininova/v1/traces/req-00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert "itemNotFound" in unknown.json()
    member = api.clone(token="alice:project-a")
    assert member.get("/mininova/v1/traces/req-00000000-0000-0000-0000-000000000000"
                      ).status_code == 403


def test_a_boot_trace_shows_the_scheduler_decision(cloud):
    mininova, _, _ = cloud
    api = ApiClient(mininova.api_url)
    servers = ServerTracker(api, mininova.image_id)
    try:
        resp = api.create_server("scheduled", "1", mininova.image_id)
        assert resp.status_code == 202, resp.text
        servers.track(resp.json()["server"]["id"])
        api.wait_for_status(resp.json()["server"]["id"], "ACTIVE")
        spans = _trace(api, resp.headers["X-Openstack-Request-Id"], {
            "conductor.schedule_and_build_instances", "scheduler.select_destinations",
            "compute.build_and_run_instance", "virt.spawn", "libvirt.defineXML",
            "libvirt.create"})
    finally:
        servers.cleanup()
    decision = next(s for s in spans if s["name"] == "scheduler.select_destinations")
    kept = {k: v for k, v in decision["attributes"].items() if k.startswith("filter.")}
    assert kept and all(v == HOST for v in kept.values()), decision["attributes"]
    assert decision["attributes"]["weighed"].startswith(f"{HOST}=")
