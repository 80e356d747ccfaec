"""Live migration across two computes (test driver): the move, Nova's 4xx for bad input,
the in-progress view, abort and force-complete, and the source or the destination killed
half-way.

Each compute holds a live migration 'running' for HOLD seconds ([libvirt]
test_live_migration_duration, the test driver's documented pause point), so that a test
can act on a migration in progress. A mininova of its own (own RabbitMQ vhost, own
database), so that killing its computes never disturbs the session's system.
"""
import signal
import time

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import Mininova
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import private_cloud
from tests.functional.conftest import start_compute
from tests.functional.conftest import wait_until

HOSTS = ("lm1", "lm2")
HOLD = 5
HOST_CONF = f"[libvirt]\ntest_live_migration_duration = {HOLD}\n"
MEMBER = "mover:move-project"
MICRO = {"OpenStack-API-Version": "compute 2.80"}
DEADLINE = 40.0


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp("livemig"), compute_hosts=HOSTS,
                       compute_conf={host: HOST_CONF for host in HOSTS}) as cloud:
        yield cloud


@pytest.fixture
def system(cloud) -> Mininova:
    return cloud[0]


def _other(host: str) -> str:
    return HOSTS[1] if host == HOSTS[0] else HOSTS[0]


def _used_mb(api: ApiClient) -> dict[str, int]:
    resp = api.get("/v2.1/os-hypervisors/detail")
    assert resp.status_code == 200, resp.text
    return {h["hypervisor_hostname"]: h["memory_mb_used"]
            for h in resp.json()["hypervisors"]}


def _migrations(api: ApiClient, sid: str) -> list[dict]:
    resp = api.get(f"/v2.1/os-migrations?instance_uuid={sid}", headers=MICRO)
    assert resp.status_code == 200, resp.text
    return resp.json()["migrations"]


def _live(api: ApiClient, sid: str, host: str | None, status: int = 202,
          version: str = "2.30", **extra):
    body = {"os-migrateLive": {"host": host, "block_migration": "auto", **extra}}
    resp = api.post(f"/v2.1/servers/{sid}/action", body,
                    headers={"OpenStack-API-Version": f"compute {version}"})
    assert resp.status_code == status, f"{body}: {resp.status_code} {resp.text}"
    return resp


def _settled(api: ApiClient, sid: str, deadline: float = DEADLINE) -> dict:
    """The server once its live migration is over (no task left)."""
    def done():
        server = api.show_server(sid)
        return server if server["OS-EXT-STS:task_state"] is None else None
    return wait_until(done, f"server {sid} to settle", deadline=deadline)


def _running(api: ApiClient, sid: str) -> dict:
    """The server's live migration as /servers/{id}/migrations shows it, once running."""
    def running():
        resp = api.get(f"/v2.1/servers/{sid}/migrations", headers=MICRO)
        assert resp.status_code == 200, resp.text
        migs = [m for m in resp.json()["migrations"] if m["status"] == "running"]
        return migs[0] if migs else None
    return wait_until(running, "the live migration to run")


def _events(api: ApiClient, sid: str, request_id: str, wanted: set[str]) -> dict:
    def finished():
        resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions/{request_id}",
                       headers={"OpenStack-API-Version": "compute 2.62"})
        events = {e["event"]: e for e in resp.json()["instanceAction"]["events"]}
        done = all(events.get(name, {}).get("result") for name in wanted)
        return events if done else None
    return wait_until(finished, f"events {sorted(wanted)} of {request_id}")


def _compute(services: ServiceSet, host: str):
    return services.latest(f"mininova-compute-{host}")


def test_live_migration_moves_the_running_server(api, servers, cloud):
    _system, services = cloud
    sid = servers.create("mover")["id"]
    source = api.show_server(sid)["OS-EXT-SRV-ATTR:host"]
    dest = _other(source)
    before = _used_mb(api)
    resp = _live(api, sid, dest)
    assert api.show_server(sid)["status"] == "MIGRATING"
    running = _running(api, sid)
    assert (running["source_compute"], running["dest_compute"]) == (source, dest)
    server = _settled(api, sid)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"],
            server["OS-EXT-STS:power_state"]) == ("ACTIVE", dest, 1)
    # NOTE: diagnostics are a call to the server's host: the guest runs there.
    assert api.get(f"/v2.1/servers/{sid}/diagnostics").status_code == 200
    (mig,) = _migrations(api, sid)
    assert (mig["status"], mig["migration_type"], mig["source_compute"],
            mig["dest_compute"]) == ("completed", "live-migration", source, dest)
    after = _used_mb(api)
    assert after[source] == before[source] - 512 and after[dest] == before[dest] + 512
    events = _events(api, sid, resp.headers["X-Openstack-Request-Id"], {
        "conductor_live_migrate_instance", "compute_check_can_live_migrate_destination",
        "compute_check_can_live_migrate_source", "compute_pre_live_migration",
        "compute_live_migration", "compute_post_live_migration_at_destination"})
    assert events["compute_check_can_live_migrate_source"]["host"] == source
    assert events["compute_live_migration"]["host"] == source
    assert events["compute_pre_live_migration"]["host"] == dest
    assert events["compute_post_live_migration_at_destination"]["host"] == dest
    log = _compute(services, source).log_path.read_text()
    assert "removed here after its live migration" in log
    assert api.get(f"/v2.1/servers/{sid}/migrations", headers=MICRO).json() == {
        "migrations": []}

    # NOTE: back again, the scheduler choosing (the only other host); below 2.25.
    api.post(f"/v2.1/servers/{sid}/action", {"os-migrateLive": {
        "host": None, "block_migration": False, "disk_over_commit": False}})
    server = _settled(api, sid)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", source)
    assert _used_mb(api) == before


def test_bad_input_gets_novas_answers(api, servers, cloud):
    member = api.clone(token=MEMBER)
    resp = member.create_server("mine", "1", cloud[0].image_id)
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    servers.track(sid)
    api.wait_for_status(sid, "ACTIVE")
    source = api.show_server(sid)["OS-EXT-SRV-ATTR:host"]
    _live(member, sid, _other(source), status=403)
    for host, body_extra, version, status in (
            (source, {}, "2.30", 400),  # the same host
            ("nowhere", {}, "2.30", 400),  # no such compute host
            (None, {"force": True}, "2.30", 400),  # force without a host
            (_other(source), {"force": True}, "2.68", 400),  # no force from 2.68
            (_other(source), {"disk_over_commit": False}, "2.25", 400),  # gone in 2.25
            (_other(source), {"bogus": 1}, "2.30", 400)):
        resp = _live(api, sid, host, status=status, version=version, **body_extra)
        assert "badRequest" in resp.json(), resp.text
    # NOTE: the instance path is shared here, so a block migration is refused (Nova's
    # rule) after the checks: the server stays ACTIVE on its host, the migration error.
    resp = _live(api, sid, _other(source), **{"block_migration": True})
    server = _settled(api, sid)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", source)
    wait_until(lambda: _migrations(api, sid)[0]["status"] == "error", "the migration error")
    events = _events(api, sid, resp.headers["X-Openstack-Request-Id"],
                     {"conductor_live_migrate_instance"})
    assert events["conductor_live_migrate_instance"]["result"] == "Error"
    assert events["compute_check_can_live_migrate_source"]["result"] == "Error"
    assert api.post(f"/v2.1/servers/{sid}/action", {"os-stop": None}).status_code == 202
    api.wait_for_status(sid, "SHUTOFF")
    resp = _live(api, sid, _other(source), status=409)
    assert "conflictingRequest" in resp.json()


def test_force_complete_and_abort(api, servers):
    sid = servers.create("held")["id"]
    source = api.show_server(sid)["OS-EXT-SRV-ATTR:host"]
    before = _used_mb(api)
    v224 = {"OpenStack-API-Version": "compute 2.24"}
    # NOTE: no migration runs: Nova's 409 (the server is not migrating).
    assert api.delete(f"/v2.1/servers/{sid}/migrations/1", headers=v224).status_code == 409

    _live(api, sid, _other(source))
    mig = _running(api, sid)
    assert api.delete(f"/v2.1/servers/{sid}/migrations/999999",
                      headers=v224).status_code == 404
    assert api.delete(f"/v2.1/servers/{sid}/migrations/{mig['id']}",
                      headers=v224).status_code == 202
    server = _settled(api, sid, deadline=HOLD + 20)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"],
            server["OS-EXT-STS:power_state"]) == ("ACTIVE", source, 1)
    assert _migrations(api, sid)[0]["status"] == "cancelled"
    assert _used_mb(api) == before

    resp = _live(api, sid, _other(source))
    mig = _running(api, sid)
    started = time.monotonic()
    action = f"/v2.1/servers/{sid}/migrations/{mig['id']}/action"
    v222 = {"OpenStack-API-Version": "compute 2.22"}
    assert api.post(action, {"force_complete": None},
                    headers={"OpenStack-API-Version": "compute 2.21"}).status_code == 404
    assert api.post(action, {"force_complete": 1}, headers=v222).status_code == 400
    assert api.post(action, {"force_complete": None}, headers=v222).status_code == 202
    server = _settled(api, sid)
    assert time.monotonic() - started < HOLD, "force-complete did not end the wait"
    assert server["OS-EXT-SRV-ATTR:host"] == _other(source)
    actions = {a["action"] for a in api.get(
        f"/v2.1/servers/{sid}/os-instance-actions").json()["instanceActions"]}
    assert {"live_migration_cancel", "live_migration_force_complete",
            "live-migration"} <= actions
    assert _migrations(api, sid)[0]["status"] == "completed"
    assert resp.status_code == 202


def test_source_killed_half_way_keeps_the_server_on_the_source(api, servers, cloud):
    """The source dies while the move runs: restarted, it rolls the move back (the
    server stays its own, no task, the claims as before, the migration error) and the
    destination removes the guest it had prepared."""
    system, services = cloud
    sid = servers.create("orphan")["id"]
    source = api.show_server(sid)["OS-EXT-SRV-ATTR:host"]
    dest = _other(source)
    before = _used_mb(api)
    _live(api, sid, dest)
    _running(api, sid)
    killed = _compute(services, source)
    killed.popen.send_signal(signal.SIGKILL)
    killed.popen.wait(timeout=10)
    assert api.show_server(sid)["OS-EXT-STS:task_state"] == "migrating"
    offset = killed.log_path.stat().st_size
    restarted = start_compute(services, system.base_dir, source, extra_conf=HOST_CONF)
    server = _settled(api, sid, deadline=60)
    # NOTE: a test-driver compute loses its guests with its process: SHUTOFF, as every
    # other server of a restarted compute; os-start defines the guest again.
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("SHUTOFF", source)
    assert _migrations(api, sid)[0]["status"] == "error"
    assert _used_mb(api) == before
    assert api.post(f"/v2.1/servers/{sid}/action", {"os-start": None}).status_code == 202
    api.wait_for_status(sid, "ACTIVE")
    with open(restarted.log_path) as handle:
        handle.seek(offset)
        log = handle.read()
    assert "resolved after a restart" in log
    assert " ERROR " not in log and "Traceback" not in log, log
    wait_until(lambda: "its live migration was rolled back" in _compute(
        services, dest).log_path.read_text(), "the destination to remove its guest")


def test_destination_killed_half_way_keeps_the_server_running_on_the_source(
        api, servers, cloud):
    """The destination dies while the move runs: the source's hand-over fails (after
    rpc_response_timeout), so the move is rolled back and the guest never stopped."""
    system, services = cloud
    sid = servers.create("stayer")["id"]
    source = api.show_server(sid)["OS-EXT-SRV-ATTR:host"]
    dest = _other(source)
    before = _used_mb(api)
    _live(api, sid, dest)
    _running(api, sid)
    killed = _compute(services, dest)
    killed.popen.send_signal(signal.SIGKILL)
    killed.popen.wait(timeout=10)
    server = _settled(api, sid, deadline=HOLD + 40)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"],
            server["OS-EXT-STS:power_state"]) == ("ACTIVE", source, 1)
    assert _migrations(api, sid)[0]["status"] == "error"
    assert _used_mb(api) == before
    start_compute(services, system.base_dir, dest, extra_conf=HOST_CONF)
    wait_until(lambda: any(svc["host"] == dest and svc["state"] == "up" for svc in
                      api.get("/v2.1/os-services").json()["services"]), f"{dest} up")
    # NOTE: whatever of the failed move still reaches the restarted destination (its
    # hand-over, the rollback) ends quietly there: the next move to it works.
    _live(api, sid, dest)
    server = _settled(api, sid)
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"],
            server["OS-EXT-STS:power_state"]) == ("ACTIVE", dest, 1)
    after = _used_mb(api)
    assert after[source] == before[source] - 512 and after[dest] == before[dest] + 512
