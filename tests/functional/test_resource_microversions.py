"""Microversioned resources through the real services: services disabled and forced
down by UUID steer the real scheduler, a hypervisor at 2.88 reports the compute host's
own uptime over RPC, and a server's actions page at 2.58 and stay readable after delete."""
import netaddr
import pytest

from tests.functional.conftest import UUID_RE


def _at(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def _compute_services(api) -> dict[str, dict]:
    resp = api.get("/v2.1/os-services?binary=nova-compute", headers=_at("2.53"))
    assert resp.status_code == 200, resp.text
    return {svc["host"]: svc for svc in resp.json()["services"]}


def _update_service(api, service_id: str, body: dict) -> dict:
    resp = api.request("PUT", f"/v2.1/os-services/{service_id}", body=body,
                       headers=_at("2.53"))
    assert resp.status_code == 200, resp.text
    return resp.json()["service"]


@pytest.fixture
def restore_services(api):
    """Whatever a test does to the compute services, they end enabled and not forced down."""
    yield
    for svc in _compute_services(api).values():
        _update_service(api, svc["id"], {"status": "enabled", "forced_down": False})


def _host(api, server_id: str) -> str:
    return api.wait_for_status(server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]


def test_disable_and_force_down_by_uuid_steer_scheduling(api, servers, mininova,
                                                         restore_services):
    first, second = mininova.compute_hosts
    services = _compute_services(api)
    assert all(UUID_RE.fullmatch(svc["id"]) for svc in services.values()), services

    disabled = _update_service(api, services[first]["id"], {
        "status": "disabled", "disabled_reason": "functional test"})
    assert (disabled["status"], disabled["disabled_reason"], disabled["state"]) == (
        "disabled", "functional test", "up")
    ids = [servers.boot(f"steer-{i}") for i in range(2)]
    assert {_host(api, sid) for sid in ids} == {second}

    _update_service(api, services[first]["id"], {"status": "enabled"})
    forced = _update_service(api, services[second]["id"], {"forced_down": True})
    assert (forced["forced_down"], forced["state"]) == (True, "down")
    # NOTE: the host keeps heartbeating; forced down it stays down all the same.
    assert _compute_services(api)[second]["state"] == "down"
    ids = [servers.boot(f"steer-down-{i}") for i in range(2)]
    assert {_host(api, sid) for sid in ids} == {first}

    back = _update_service(api, services[second]["id"], {"forced_down": False})
    assert (back["forced_down"], back["state"]) == (False, "up")


def test_hypervisors_at_228_253_and_288(api, mininova):
    resp = api.get("/v2.1/os-hypervisors/detail", headers=_at("2.28"))
    assert resp.status_code == 200, resp.text
    for hyp in resp.json()["hypervisors"]:
        # libvirt's test driver describes its host CPU in getCapabilities().
        assert hyp["cpu_info"]["arch"] == "i686", hyp
        assert hyp["cpu_info"]["topology"]["sockets"] == 2, hyp
        assert netaddr.valid_ipv4(hyp["host_ip"]), hyp

    listed = api.get("/v2.1/os-hypervisors?limit=1", headers=_at("2.53")).json()
    (first,) = listed["hypervisors"]
    assert UUID_RE.fullmatch(first["id"]), first
    assert f"marker={first['id']}" in listed["hypervisors_links"][0]["href"]

    resp = api.get(f"/v2.1/os-hypervisors/{first['id']}", headers=_at("2.88"))
    assert resp.status_code == 200, resp.text
    shown = resp.json()["hypervisor"]
    assert "load average" in shown["uptime"], shown
    assert "vcpus" not in shown and "cpu_info" not in shown, shown
    assert UUID_RE.fullmatch(shown["service"]["id"]), shown
    assert api.get("/v2.1/os-hypervisors/statistics",
                   headers=_at("2.88")).status_code == 404


def test_actions_page_and_outlive_their_server(api, servers):
    sid = servers.create("actions")["id"]
    for action in ({"os-stop": None}, {"os-start": None}):
        resp = api.action(sid, action)
        assert resp.status_code == 202, resp.text
        api.wait_for_status(sid, "SHUTOFF" if "os-stop" in action else "ACTIVE")

    path = f"/v2.1/servers/{sid}/os-instance-actions"
    page = api.get(f"{path}?limit=2", headers=_at("2.58")).json()
    assert [a["action"] for a in page["instanceActions"]] == ["start", "stop"], page
    assert all(a["updated_at"] for a in page["instanceActions"]), page
    marker = page["instanceActions"][-1]["request_id"]
    assert f"marker={marker}" in page["links"][0]["href"], page
    rest = api.get(f"{path}?limit=2&marker={marker}", headers=_at("2.58")).json()
    assert [a["action"] for a in rest["instanceActions"]] == ["create"], rest

    create_rid = rest["instanceActions"][0]["request_id"]
    api.wait_for_action_events(sid, create_rid)
    detail = api.get(f"{path}/{create_rid}", headers=_at("2.84")).json()["instanceAction"]
    compute = [e for e in detail["events"] if e["event"].startswith("compute_")]
    assert compute and all(e["hostId"] and e["host"] and "details" in e
                           for e in compute), detail

    assert api.delete(f"/v2.1/servers/{sid}").status_code == 204
    api.wait_for_deleted(sid)
    assert api.get(path, headers=_at("2.20")).status_code == 404
    after = api.get(path, headers=_at("2.21"))
    assert after.status_code == 200, after.text
    assert [a["action"] for a in after.json()["instanceActions"]] == [
        "delete", "start", "stop", "create"]
