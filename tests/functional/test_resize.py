"""Resize and cold migration across two computes (test driver): resize + confirm, resize +
revert, a stopped server, cold migrate (admin; ``host`` from 2.56), the migration
records, Nova's 4xx for bad input, the destination or the source compute killed
half-way, and the automatic confirmation of resize_confirm_window.

A mininova of its own (own RabbitMQ vhost, own database on the suite's backend), so that
killing and pausing its computes never disturbs the session's system.
"""
import contextlib
import os
import signal

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import Mininova
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import private_cloud
from tests.functional.conftest import start_compute
from tests.functional.conftest import wait_until

HOSTS = ("rz1", "rz2")
MEMBER = "resizer:resize-project"
# flavorid: (name, ram MB, vcpus, disk GB); the cloud's m1.tiny is 512/1/1.
NEW_FLAVORS = {"r2": ("r1.medium", 1024, 2, 2), "r0": ("r1.nodisk", 512, 1, 0)}
MICRO = {"OpenStack-API-Version": "compute 2.80"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp("resize"), compute_hosts=HOSTS) as cloud:
        api = ApiClient(cloud[0].api_url)
        for flavorid, (name, ram, vcpus, disk) in NEW_FLAVORS.items():
            resp = api.post("/v2.1/flavors", {"flavor": {
                "name": name, "id": flavorid, "ram": ram, "vcpus": vcpus, "disk": disk}})
            assert resp.status_code == 200, resp.text
        yield cloud


@pytest.fixture
def system(cloud) -> Mininova:
    return cloud[0]


def _host(api: ApiClient, sid: str) -> str:
    return api.show_server(sid)["OS-EXT-SRV-ATTR:host"]


def _other(host: str) -> str:
    return HOSTS[1] if host == HOSTS[0] else HOSTS[0]


def _used_mb(api: ApiClient) -> dict[str, int]:
    """Claimed RAM per host, as os-hypervisors shows it."""
    resp = api.get("/v2.1/os-hypervisors/detail")
    assert resp.status_code == 200, resp.text
    return {h["hypervisor_hostname"]: h["memory_mb_used"]
            for h in resp.json()["hypervisors"]}


def _migrations(api: ApiClient, sid: str) -> list[dict]:
    resp = api.get(f"/v2.1/os-migrations?instance_uuid={sid}", headers=MICRO)
    assert resp.status_code == 200, resp.text
    return resp.json()["migrations"]


def _action(api: ApiClient, sid: str, body: dict, status: int = 202, **kw):
    resp = api.post(f"/v2.1/servers/{sid}/action", body, **kw)
    assert resp.status_code == status, f"{body}: {resp.status_code} {resp.text}"
    return resp


def _events(api: ApiClient, sid: str, request_id: str, wanted: set[str]) -> dict:
    """The action's events (with their hosts, 2.62) once ``wanted`` have all finished."""
    def finished():
        resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions/{request_id}",
                       headers={"OpenStack-API-Version": "compute 2.62"})
        events = {e["event"]: e for e in resp.json()["instanceAction"]["events"]}
        done = all(events.get(name, {}).get("result") for name in wanted)
        return events if done else None
    return wait_until(finished, f"events {sorted(wanted)} of {request_id}")


def _resize(api, sid: str, flavor: str) -> dict:
    resp = _action(api, sid, {"resize": {"flavorRef": flavor}})
    return api.wait_for_status(sid, "VERIFY_RESIZE") | {
        "request_id": resp.headers["X-Openstack-Request-Id"]}


def test_resize_and_confirm(api, servers):
    sid = servers.create("grow")["id"]
    source = _host(api, sid)
    before = _used_mb(api)
    server = _resize(api, sid, "r2")
    dest = server["OS-EXT-SRV-ATTR:host"]
    assert dest == _other(source)
    assert server["flavor"]["id"] == "r2"
    # NOTE: until confirmed, the source keeps the old flavor's claim (the migration's).
    during = _used_mb(api)
    assert during[source] == before[source] and during[dest] == before[dest] + 1024
    events = _events(api, sid, server["request_id"], {
        "conductor_migrate_server", "compute_prep_resize", "compute_resize_instance",
        "compute_finish_resize"})
    assert events["compute_prep_resize"]["host"] == dest
    assert events["compute_resize_instance"]["host"] == source
    assert events["compute_finish_resize"]["host"] == dest
    (mig,) = _migrations(api, sid)
    assert (mig["status"], mig["migration_type"], mig["source_compute"],
            mig["dest_compute"]) == ("finished", "resize", source, dest)
    assert mig["old_instance_type_id"] != mig["new_instance_type_id"]

    _action(api, sid, {"confirmResize": None}, status=204)
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest and server["OS-EXT-STS:power_state"] == 1
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "confirmed", "confirmed")
    after = _used_mb(api)
    assert after[source] == before[source] - 512 and after[dest] == before[dest] + 1024
    # NOTE: /servers/{id}/migrations shows live migrations in progress only (Nova).
    resp = api.get(f"/v2.1/servers/{sid}/migrations",
                   headers={"OpenStack-API-Version": "compute 2.23"})
    assert resp.status_code == 200 and resp.json() == {"migrations": []}
    _action(api, sid, {"confirmResize": None}, status=409)


def test_resize_and_revert(api, servers):
    sid = servers.create("undo")["id"]
    source = _host(api, sid)
    before = _used_mb(api)
    _resize(api, sid, "r2")
    _action(api, sid, {"revertResize": None})
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert server["flavor"]["id"] == "1" and server["OS-EXT-STS:power_state"] == 1
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "reverted", "reverted")
    assert _used_mb(api) == before


def test_stopped_server_stays_stopped(api, servers):
    sid = servers.create("cold")["id"]
    _action(api, sid, {"os-stop": None})
    api.wait_for_status(sid, "SHUTOFF")
    server = _resize(api, sid, "r2")
    assert server["OS-EXT-STS:power_state"] != 1
    _action(api, sid, {"confirmResize": None}, status=204)
    assert api.wait_for_status(sid, "SHUTOFF")["flavor"]["id"] == "r2"


def test_cold_migrate_is_admin_only_and_takes_a_host_from_2_56(api, servers, cloud):
    member = api.clone(token=MEMBER)
    resp = member.create_server("mine", "1", cloud[0].image_id)
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    servers.track(sid)
    api.wait_for_status(sid, "ACTIVE")
    source = _host(api, sid)
    _action(member, sid, {"migrate": None}, status=403)
    v256 = {"OpenStack-API-Version": "compute 2.56"}
    _action(api, sid, {"migrate": {"host": "nowhere"}}, status=400, headers=v256)
    _action(api, sid, {"migrate": {"host": source}}, status=400, headers=v256)
    _action(api, sid, {"migrate": {"host": _other(source)}}, headers=v256)
    server = api.wait_for_status(sid, "VERIFY_RESIZE")
    assert server["OS-EXT-SRV-ATTR:host"] == _other(source) and server["flavor"]["id"] == "1"
    (mig,) = _migrations(api, sid)
    assert mig["migration_type"] == "migration"
    assert mig["old_instance_type_id"] == mig["new_instance_type_id"]
    _action(member, sid, {"confirmResize": None}, status=204)
    api.wait_for_status(sid, "ACTIVE")
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "confirmed", "confirmed")
    _action(api, sid, {"migrate": None})
    assert api.wait_for_status(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == source
    listed = api.get("/v2.1/os-migrations?migration_type=migration", headers=MICRO).json()
    assert {m["instance_uuid"] for m in listed["migrations"]} >= {sid}


def test_bad_input_gets_novas_answers(api, servers):
    big = servers.create("big", flavor_ref="2")["id"]  # m1.small: a 20 GB disk
    assert "resize disk down" in _action(api, big, {"resize": {"flavorRef": "r2"}},
                                         status=400).text
    assert api.delete(f"/v2.1/servers/{big}").status_code == 204
    api.wait_for_deleted(big)
    sid = servers.create("bad")["id"]
    for body, status in (
            ({"resize": {"flavorRef": "1"}}, 400),  # the same flavor
            ({"resize": {"flavorRef": "nope"}}, 400),  # no such flavor
            ({"resize": {"flavorRef": "r0"}}, 400),  # a zero disk
            ({"resize": {}}, 400),  # no flavorRef
            ({"confirmResize": None}, 409),  # never resized
            ({"revertResize": None}, 409)):
        resp = _action(api, sid, body, status=status)
        assert str(status) in resp.text, resp.text
    _resize(api, sid, "r2")
    _action(api, sid, {"resize": {"flavorRef": "1"}}, status=409)  # in VERIFY_RESIZE
    _action(api, sid, {"os-stop": None}, status=409)


@contextlib.contextmanager
def _paused(proc):
    os.kill(proc.popen.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(proc.popen.pid, signal.SIGCONT)


def _compute(services: ServiceSet, host: str):
    return services.latest(f"mininova-compute-{host}")


def test_destination_killed_half_way_finishes_after_its_restart(api, servers, cloud):
    """The source hands the guest over while the destination is dead: the destination,
    restarted, finishes the move (one guest, on one host, no task left) and the claims
    are right after the confirmation."""
    system, services = cloud
    sid = servers.create("survivor")["id"]
    source = _host(api, sid)
    dest = _other(source)
    before = _used_mb(api)
    with _paused(_compute(services, source)):
        resp = _action(api, sid, {"resize": {"flavorRef": "r2"}})
        _events(api, sid, resp.headers["X-Openstack-Request-Id"], {"compute_prep_resize"})
        killed = _compute(services, dest)
        killed.popen.send_signal(signal.SIGKILL)
        killed.popen.wait(timeout=10)
    wait_until(lambda: api.show_server(sid)["OS-EXT-STS:task_state"] == "resize_migrated",
               "the source to hand the guest over")
    start_compute(services, system.base_dir, dest)
    server = api.wait_for_status(sid, "VERIFY_RESIZE", deadline=60)
    assert server["OS-EXT-SRV-ATTR:host"] == dest and server["OS-EXT-STS:power_state"] == 1
    _action(api, sid, {"confirmResize": None}, status=204)
    assert api.wait_for_status(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "confirmed", "confirmed")
    after = _used_mb(api)
    assert after[source] == before[source] - 512 and after[dest] == before[dest] + 1024
    log = _compute(services, dest).log_path.read_text()
    assert "resolved after a restart" in log


def test_source_killed_half_way_leaves_one_server_on_one_host(api, servers, cloud):
    """The source dies after prep_resize on the destination, with resize_instance
    waiting for it: restarted, it ends the move one way or the other (ACTIVE on the
    source, or VERIFY_RESIZE on the destination), quietly, with the claims right."""
    system, services = cloud
    sid = servers.create("orphan")["id"]
    source = _host(api, sid)
    dest = _other(source)
    before = _used_mb(api)
    killed = _compute(services, source)
    os.kill(killed.popen.pid, signal.SIGSTOP)  # the cloud fixture resumes it on failure
    resp = _action(api, sid, {"resize": {"flavorRef": "r2"}})
    _events(api, sid, resp.headers["X-Openstack-Request-Id"], {"compute_prep_resize"})
    killed.popen.send_signal(signal.SIGKILL)
    killed.popen.wait(timeout=10)
    assert api.show_server(sid)["OS-EXT-STS:task_state"] == "resize_prep"
    offset = killed.log_path.stat().st_size  # the same file: read the restart's part
    restarted = start_compute(services, system.base_dir, source)
    server = wait_until(lambda: (lambda s: s if s["OS-EXT-STS:task_state"] is None else None)(
        api.show_server(sid)), "the move to be resolved", deadline=60)
    assert server["status"] in ("ACTIVE", "SHUTOFF", "VERIFY_RESIZE"), server
    wait_until(lambda: _migrations(api, sid)[0]["status"] in ("error", "finished"),
               "the migration to end")
    if server["status"] == "VERIFY_RESIZE":
        assert server["OS-EXT-SRV-ATTR:host"] == dest and server["flavor"]["id"] == "r2"
        _action(api, sid, {"confirmResize": None}, status=204)
        assert api.wait_for_status(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
        after = _used_mb(api)
        assert after[source] == before[source] - 512 and after[dest] == before[dest] + 1024
    else:
        assert server["OS-EXT-SRV-ATTR:host"] == source and server["flavor"]["id"] == "1"
        assert _migrations(api, sid)[0]["status"] == "error"
        assert _used_mb(api) == before
        # NOTE: the record tells what the hypervisor has: a test-driver compute loses its
        # guests with its process, so the server is SHUTOFF there, as every other server
        # of a restarted compute is, and os-start defines the guest again.
        if server["OS-EXT-STS:power_state"] == 1:
            assert api.get(f"/v2.1/servers/{sid}/diagnostics").status_code == 200
        else:
            assert server["status"] == "SHUTOFF", server
            _action(api, sid, {"os-start": None})
            api.wait_for_status(sid, "ACTIVE")
    # NOTE: the server takes actions again: nothing of the move is left on it.
    _action(api, sid, {"os-stop": None})
    api.wait_for_status(sid, "SHUTOFF")
    with open(restarted.log_path) as handle:
        handle.seek(offset)
        log = handle.read()
    assert "resolved after a restart" in log
    assert " ERROR " not in log and "Traceback" not in log, log


def test_resize_confirm_window_confirms_automatically(api, servers, cloud):
    """A third compute with resize_confirm_window = 2 confirms moves to it by itself.
    Last in the module: the host stays in the cloud (down) afterwards."""
    system, services = cloud
    third = start_compute(services, system.base_dir, "rz3",
                          extra_conf="resize_confirm_window = 2\n")
    wait_until(lambda: any(s["host"] == "rz3" and s["state"] == "up" for s in
                      api.get("/v2.1/os-services").json()["services"]),
               "rz3 to report up")
    sid = servers.create("auto")["id"]
    _action(api, sid, {"migrate": {"host": "rz3"}},
            headers={"OpenStack-API-Version": "compute 2.56"})
    api.wait_for_status(sid, "VERIFY_RESIZE")
    server = api.wait_for_status(sid, "ACTIVE", deadline=20)
    assert server["OS-EXT-SRV-ATTR:host"] == "rz3"
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "confirmed", "confirmed")
    actions = api.get(f"/v2.1/servers/{sid}/os-instance-actions").json()["instanceActions"]
    assert "confirmResize" in {a["action"] for a in actions}
    api.delete(f"/v2.1/servers/{sid}")
    api.wait_for_deleted(sid)
    third.popen.send_signal(signal.SIGTERM)
    third.popen.wait(timeout=30)
