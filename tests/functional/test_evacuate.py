"""Evacuate: a server whose compute host is down (killed, and forced down or past its
heartbeat) is rebuilt on another host from its record; its claim moves there; the old
host, when its compute comes back, destroys the guest it still has and starts nothing;
Nova's 4xx for what may not be evacuated; a destination killed half-way leaves the
server in one piece on one host.

The tests run their own mininova (own RabbitMQ vhost and database, three test-driver
computes) so that killing and pausing its processes never disturbs the session's.
"""
import os
import signal
from pathlib import Path

import jsonschema
import pytest
from tempest.lib.api_schema.response.compute.v2_1 import servers as tempest_servers

from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import private_cloud
from tests.functional.conftest import start_compute
from tests.functional.conftest import wait_until

HOSTS = ("evac1", "evac2", "evac3")
TINY_MB = 512
DOWN_TIME = 10  # [DEFAULT] service_down_time of the test configuration


@pytest.fixture(scope="module")
def evac(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp("evacuate"), compute_hosts=HOSTS) as cloud:
        yield cloud


@pytest.fixture
def cloud(evac):
    """The module's cloud with every compute up; afterwards the servers are deleted and
    every compute a test took down is back up."""
    system, services = evac
    api = ApiClient(system.api_url)
    tracker = ServerTracker(api, system.image_id)
    yield system, services, api, tracker
    for host in HOSTS:
        _force_down(api, host, False)
        if _compute(services, host).popen.poll() is not None:
            _restart(services, system, host)
    wait_until(lambda: all(_state(api, h) == "up" for h in HOSTS), "every compute up",
               services)
    tracker.cleanup()


# --------------------------------------------------------------------------- helpers

def _compute(services: ServiceSet, host: str):
    return services.latest(f"mininova-compute-{host}")


def _kill(services: ServiceSet, host: str) -> None:
    """SIGKILL a compute: its host is lost (a test-driver host loses its guests too)."""
    proc = _compute(services, host)
    os.killpg(proc.popen.pid, signal.SIGKILL)
    proc.popen.wait(timeout=10)


def _restart(services: ServiceSet, system, host: str, extra_conf: str = ""):
    """Start ``host``'s compute again and wait until init_host is done (it logs
    "started" after it); returns the process."""
    log = system.log_dir / f"mininova-compute-{host}.log"
    offset = log.stat().st_size if log.exists() else 0
    proc = start_compute(services, system.base_dir, host, extra_conf=extra_conf)
    wait_until(lambda: f"started on host {host}" in log.read_bytes()[offset:].decode(
        errors="replace"), f"compute {host} to start", services)
    return proc


def _force_down(api: ApiClient, host: str, down: bool) -> None:
    resp = api.request("PUT", "/v2.1/os-services/force-down",
                       body={"host": host, "binary": "nova-compute", "forced_down": down},
                       headers={"OpenStack-API-Version": "compute 2.11"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["service"]["forced_down"] is down


def _enable(api: ApiClient, host: str, enabled: bool) -> None:
    resp = api.request("PUT", f"/v2.1/os-services/{'enable' if enabled else 'disable'}",
                       body={"host": host, "binary": "nova-compute"})
    assert resp.status_code == 200, resp.text


def _state(api: ApiClient, host: str) -> str:
    resp = api.get("/v2.1/os-services?binary=nova-compute")
    assert resp.status_code == 200, resp.text
    (svc,) = [s for s in resp.json()["services"] if s["host"] == host]
    return svc["state"]


def _evacuate(api: ApiClient, sid: str, body: dict | None = None, version: str = "2.14"):
    return api.request("POST", f"/v2.1/servers/{sid}/action",
                       body={"evacuate": {} if body is None else body},
                       headers={"OpenStack-API-Version": f"compute {version}"})


def _host(api: ApiClient, sid: str) -> str:
    return api.show_server(sid)["OS-EXT-SRV-ATTR:host"]


def _usage(api: ApiClient) -> dict[str, tuple[int, int]]:
    """(memory_mb_used, running_vms) per host, from os-hypervisors (the claims)."""
    resp = api.get("/v2.1/os-hypervisors/detail")
    assert resp.status_code == 200, resp.text
    return {h["hypervisor_hostname"]: (h["memory_mb_used"], h["running_vms"])
            for h in resp.json()["hypervisors"]}


def _settle(api: ApiClient, sid: str, services: ServiceSet, deadline: float = 60.0) -> dict:
    """The server once it has no task_state."""
    def settled():
        server = api.show_server(sid)
        return server if server["OS-EXT-STS:task_state"] is None else None
    return wait_until(settled, f"server {sid} to settle", services, deadline)


def _evacuate_action(api: ApiClient, sid: str, rid: str, services: ServiceSet) -> dict:
    """The "evacuate" action of request ``rid`` once its events are all finished."""
    def finished():
        resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions/{rid}",
                       headers={"OpenStack-API-Version": "compute 2.62"})
        assert resp.status_code == 200, resp.text
        action = resp.json()["instanceAction"]
        events = action.get("events") or []
        if len(events) == 2 and all(e["finish_time"] for e in events):
            return action
        return None
    return wait_until(finished, f"the evacuate action {rid} to finish", services)


def _lose_host(api: ApiClient, services: ServiceSet, host: str) -> None:
    """Kill ``host``'s compute and force its service down (no heartbeat wait)."""
    _kill(services, host)
    _force_down(api, host, True)
    assert _state(api, host) == "down"


def _domain_xml_node(name: str, uuid: str) -> str:
    """A libvirt test-driver host that still has the guest ``name``, running: what the
    old host brings back (a test-driver host otherwise starts empty)."""
    return f"""<node>
  <cpu><mhz>2000</mhz><model>x86_64</model><active>4</active><nodes>1</nodes>
    <sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>
  <memory>3145728</memory>
  <domain type="test">
    <name>{name}</name><uuid>{uuid}</uuid><memory>524288</memory><vcpu>1</vcpu>
    <os><type arch="x86_64">hvm</type></os>
  </domain>
</node>
"""


# --------------------------------------------------------------------------- tests

def test_evacuate_from_a_forced_down_host_and_its_return(cloud):
    system, services, api, servers = cloud
    server = servers.create("evac-me")
    sid, source = server["id"], server["OS-EXT-SRV-ATTR:host"]
    before = _usage(api)
    assert before[source][0] >= TINY_MB

    _lose_host(api, services, source)
    resp = _evacuate(api, sid)
    assert resp.status_code == 200, resp.text
    assert resp.text == ""  # from 2.14 Nova answers without a body
    rid = resp.headers["X-Openstack-Request-Id"]
    server = api.wait_for_status(sid, "ACTIVE")
    dest = server["OS-EXT-SRV-ATTR:host"]
    assert dest in HOSTS and dest != source, server

    action = _evacuate_action(api, sid, rid, services)
    assert action["action"] == "evacuate"
    assert sorted((e["event"], e["result"], e.get("host")) for e in action["events"]) == [
        ("compute_rebuild_instance", "Success", dest),
        ("conductor_rebuild_server", "Success", system.controller_host)], action
    after = _usage(api)
    assert after[source][0] == before[source][0] - TINY_MB, (before, after)
    assert after[dest][0] == before[dest][0] + TINY_MB, (before, after)
    launched = server["OS-SRV-USG:launched_at"]

    # The old host comes back with the guest still on it: its compute destroys that
    # guest, does not start it, and frees nothing (the claim is the destination's).
    node = system.base_dir / f"{source}-node.xml"
    node.write_text(_domain_xml_node(server["OS-EXT-SRV-ATTR:instance_name"], sid))
    log = system.log_dir / f"mininova-compute-{source}.log"
    offset = log.stat().st_size
    _restart(services, system, source, extra_conf=f"[libvirt]\nconnection_uri = test://{node}\n")
    text = log.read_bytes()[offset:].decode(errors="replace")
    assert f"Destroying the local guest of instance {sid}: it was evacuated to {dest}" in text
    assert "Destroyed the evacuated domain" in text
    # Shared instance storage (one state_path): the destination's files are kept.
    owner = Path(system.base_dir / "state" / "instances" / sid / "host")
    assert owner.read_text() == dest
    _force_down(api, source, False)
    wait_until(lambda: _state(api, source) == "up", f"{source} up", services)

    server = api.show_server(sid)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", dest), server
    assert server["OS-SRV-USG:launched_at"] == launched
    assert _usage(api) == after
    # The server works on its new host.
    resp = api.action(sid, {"reboot": {"type": "HARD"}})
    assert resp.status_code == 202, resp.text
    assert api.wait_for_status(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest


def test_evacuated_servers_end_stopped_from_2_95(cloud):
    """A host whose heartbeat stopped (no force-down) counts as down; from 2.95 an
    evacuated server ends stopped, active or not; before, it keeps its state."""
    system, services, api, servers = cloud
    source, others = HOSTS[0], HOSTS[1:]
    for host in others:  # every server of this test on one host
        _enable(api, host, False)
    try:
        sids = [servers.create(name)["id"] for name in ("evac-295-active",
                                                        "evac-295-stopped", "evac-294")]
    finally:
        for host in others:
            _enable(api, host, True)
    active, stopped, active_old = sids
    assert {_host(api, sid) for sid in sids} == {source}
    assert api.action(stopped, {"os-stop": None}).status_code == 202
    api.wait_for_status(stopped, "SHUTOFF")

    _kill(services, source)
    wait_until(lambda: _state(api, source) == "down", f"{source}'s heartbeat to expire",
               services, deadline=DOWN_TIME * 3)
    for sid in (active, stopped):
        resp = _evacuate(api, sid, version="2.95")
        assert resp.status_code == 200, resp.text
    assert _evacuate(api, active_old, version="2.94").status_code == 200
    for sid, status in ((active, "SHUTOFF"), (stopped, "SHUTOFF"), (active_old, "ACTIVE")):
        server = api.wait_for_status(sid, status)
        assert server["OS-EXT-SRV-ATTR:host"] in others, server
    assert api.action(stopped, {"os-start": None}).status_code == 202
    api.wait_for_status(stopped, "ACTIVE")


def test_evacuate_bad_input(cloud):
    system, services, api, servers = cloud
    server = servers.create("evac-bad")
    sid, source = server["id"], server["OS-EXT-SRV-ATTR:host"]
    others = [h for h in HOSTS if h != source]

    def fault(resp, code: int, text: str) -> None:
        assert resp.status_code == code, resp.text
        (body,) = resp.json().values()
        assert body["code"] == code and text in body["message"], resp.text

    # The source is up: Nova's 400 ComputeServiceInUse.
    fault(_evacuate(api, sid), 400, f"Compute service of {source} is still in use.")
    fault(_evacuate(api, sid, {"host": source}), 400,
          "The target host can't be the same one.")
    fault(_evacuate(api, sid, {"host": "no-such-host"}), 404,
          "Compute host no-such-host not found.")
    fault(_evacuate(api.clone("demo:admin"), sid), 403, "os_compute_api:os-evacuate")
    fault(_evacuate(api, sid, {"force": True}, version="2.29"), 400,
          "Can't force to a non-provided destination")
    fault(_evacuate(api, sid, {"host": others[0], "force": True}, version="2.68"), 400, "")
    fault(_evacuate(api, sid, {}, version="2.13"), 400, "onSharedStorage")
    fault(_evacuate(api, sid, {"onSharedStorage": True, "adminPass": "x"}, version="2.1"),
          400, "admin password can't be changed on existing disk")
    assert api.show_server(sid)["OS-EXT-STS:task_state"] is None

    # A destination that is down: the request is taken (Nova checks it in the
    # scheduler), the server ends ERROR with "No valid host", still on its old host.
    _lose_host(api, services, source)
    _force_down(api, others[0], True)
    resp = _evacuate(api, sid, {"host": others[0]})
    assert resp.status_code == 200, resp.text
    server = api.wait_for_status(sid, "ERROR")
    assert server["OS-EXT-SRV-ATTR:host"] == source, server
    assert "No valid host" in server["fault"]["message"], server
    assert _usage(api)[source][0] >= TINY_MB  # the claim stays with the server
    _force_down(api, others[0], False)

    # One evacuation at a time: while the conductor holds the first (paused), a second
    # finds task_state rebuilding (409). Below 2.14 the answer carries the adminPass.
    conductor = services.latest("mininova-conductor")
    os.kill(conductor.popen.pid, signal.SIGSTOP)
    try:
        resp = _evacuate(api, sid, {"onSharedStorage": False}, version="2.1")
        assert resp.status_code == 200, resp.text
        jsonschema.validate(resp.json(), tempest_servers.evacuate_server_with_admin_pass[
            "response_body"])
        fault(_evacuate(api, sid), 409, "task_state rebuilding")
    finally:
        os.kill(conductor.popen.pid, signal.SIGCONT)
    server = api.wait_for_status(sid, "ACTIVE")  # an ERROR server ends ACTIVE
    assert server["OS-EXT-SRV-ATTR:host"] in others, server


def test_destination_killed_during_the_evacuation(cloud):
    """The destination is paused when the rebuild is cast to it, then killed, then
    started again: no task_state is left and the server is whole on one host, holding
    one claim there; its compute log has no ERROR."""
    system, services, api, servers = cloud
    server = servers.create("evac-half")
    sid, source = server["id"], server["OS-EXT-SRV-ATTR:host"]
    dest = [h for h in HOSTS if h != source][0]
    _lose_host(api, services, source)
    before = _usage(api)

    proc = _compute(services, dest)
    os.kill(proc.popen.pid, signal.SIGSTOP)
    try:
        resp = _evacuate(api, sid, {"host": dest})
        assert resp.status_code == 200, resp.text
        rid = resp.headers["X-Openstack-Request-Id"]
        wait_until(lambda: _usage(api)[dest][0] == before[dest][0] + TINY_MB,
                   "the destination's claim", services)
    finally:
        os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(timeout=10)
    _restart(services, system, dest)

    # The server was the destination's from the claim on: the restarted compute finds
    # the interrupted rebuild (Nova's rule: ERROR with a fault); the late cast then
    # finds nothing to do. A hard reboot defines the guest from the record.
    server = _settle(api, sid, services)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ERROR", dest), server
    assert "interrupted" in server["fault"]["message"], server
    assert api.action(sid, {"reboot": {"type": "HARD"}}).status_code == 202
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest, server
    usage = _usage(api)
    assert usage[dest][0] == before[dest][0] + TINY_MB, (before, usage)
    assert usage[source][0] == before[source][0] - TINY_MB, (before, usage)
    action = _evacuate_action(api, sid, rid, services)
    assert action["action"] == "evacuate"
    log = (system.log_dir / f"mininova-compute-{dest}.log").read_text(errors="replace")
    assert f"Evacuation of instance {sid} is no longer expected here" in log
    assert " ERROR " not in log, log[-3000:]
