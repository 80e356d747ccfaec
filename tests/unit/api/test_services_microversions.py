"""os-services across microversions: forced_down (2.11), UUID ids and PUT/DELETE by
UUID (2.53), the action URLs below 2.53, and what disabling or forcing down changes."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import instances as db_instances
from mininova.db import services as db_services
from mininova.scheduler import host_manager

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}


def _at(version: str, headers: dict = ADMIN) -> dict:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt):
    for host in ("compute1", "compute2"):
        objects.Service.register(admin_ctxt, host, "nova-compute", "compute")
        objects.ComputeNode.report(admin_ctxt, host, {
            "hypervisor_hostname": host, "hypervisor_type": "QEMU",
            "hypervisor_version": 1, "vcpus": 4, "memory_mb": 4096, "local_gb": 40})
    objects.Service.register(admin_ctxt, "controller", "nova-conductor", "conductor")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _services(client, version: str, query: str = "") -> list[dict]:
    resp = client.simulate_get("/v2.1/os-services", query_string=query, headers=_at(version))
    assert resp.status_code == 200, resp.text
    return resp.json["services"]


def test_registration_gives_each_service_a_uuid_kept_across_restarts(db, admin_ctxt):
    first = objects.Service.register(admin_ctxt, "c1", "nova-compute", "compute")
    again = objects.Service.register(admin_ctxt, "c1", "nova-compute", "compute")
    other = objects.Service.register(admin_ctxt, "c2", "nova-compute", "compute")
    assert first.uuid == again.uuid != other.uuid


def test_ids_and_forced_down_by_version(client):
    at_21 = _services(client, "2.1")
    assert all(isinstance(s["id"], int) and "forced_down" not in s for s in at_21)
    at_211 = _services(client, "2.11")
    assert all(isinstance(s["id"], int) and s["forced_down"] is False for s in at_211)
    at_253 = _services(client, "2.53")
    uuids = {s["host"]: s["id"] for s in at_253}
    assert uuids["compute1"] == db_services.service_get_by_host_and_binary(
        "compute1", "nova-compute").uuid


def test_host_and_binary_filters(client):
    assert {s["host"] for s in _services(client, "2.53", "binary=nova-compute")} == {
        "compute1", "compute2"}
    assert [s["binary"] for s in _services(client, "2.53", "host=controller")] == [
        "nova-conductor"]
    assert _services(client, "2.53", "host=compute1&binary=nova-conductor") == []


def test_action_urls_below_253(client):
    body = {"host": "compute1", "binary": "nova-compute"}
    resp = client.simulate_put("/v2.1/os-services/disable-log-reason", headers=_at("2.1"),
                               json={**body, "disabled_reason": "maintenance"})
    assert resp.json == {"service": {**body, "status": "disabled",
                                     "disabled_reason": "maintenance"}}
    (svc,) = _services(client, "2.1", "host=compute1")
    assert (svc["status"], svc["disabled_reason"]) == ("disabled", "maintenance")
    resp = client.simulate_put("/v2.1/os-services/enable", headers=_at("2.1"), json=body)
    assert resp.json == {"service": {**body, "status": "enabled"}}
    resp = client.simulate_put("/v2.1/os-services/disable", headers=_at("2.1"), json=body)
    assert resp.json == {"service": {**body, "status": "disabled"}}

    # force-down arrives at 2.11.
    assert client.simulate_put("/v2.1/os-services/force-down", headers=_at("2.10"), json={
        **body, "forced_down": True}).status_code == 404
    resp = client.simulate_put("/v2.1/os-services/force-down", headers=_at("2.11"), json={
        **body, "forced_down": True})
    assert resp.json == {"service": {**body, "forced_down": True}}
    (svc,) = _services(client, "2.11", "host=compute1")
    assert (svc["state"], svc["forced_down"]) == ("down", True)


def test_action_url_errors(client):
    body = {"host": "nowhere", "binary": "nova-compute"}
    assert client.simulate_put("/v2.1/os-services/enable", headers=_at("2.1"),
                               json=body).status_code == 404
    bad = client.simulate_put("/v2.1/os-services/enable", headers=_at("2.1"),
                              json={"host": "compute1"})
    assert bad.status_code == 400 and "badRequest" in bad.json
    assert client.simulate_put("/v2.1/os-services/explode", headers=_at("2.1"),
                               json=body).status_code == 404
    assert client.simulate_put("/v2.1/os-services/enable", headers=_at("2.1", ALICE), json={
        "host": "compute1", "binary": "nova-compute"}).status_code == 403


def _uuid(client, host: str) -> str:
    (svc,) = _services(client, "2.53", f"host={host}&binary=nova-compute")
    return svc["id"]


def test_put_by_uuid_from_253(client):
    sid = _uuid(client, "compute1")
    resp = client.simulate_put(f"/v2.1/os-services/{sid}", headers=_at("2.53"), json={
        "status": "disabled", "disabled_reason": "broken fan"})
    assert resp.status_code == 200, resp.text
    svc = resp.json["service"]
    assert (svc["id"], svc["status"], svc["disabled_reason"], svc["state"]) == (
        sid, "disabled", "broken fan", "up")
    resp = client.simulate_put(f"/v2.1/os-services/{sid}", headers=_at("2.53"), json={
        "forced_down": True})
    assert (resp.json["service"]["forced_down"], resp.json["service"]["state"]) == (
        True, "down")
    resp = client.simulate_put(f"/v2.1/os-services/{sid}", headers=_at("2.53"), json={
        "status": "enabled", "forced_down": False})
    svc = resp.json["service"]
    assert (svc["status"], svc["disabled_reason"], svc["state"], svc["forced_down"]) == (
        "enabled", None, "up", False)


@pytest.mark.parametrize("body", [
    {}, {"disabled_reason": "x"}, {"status": "enabled", "disabled_reason": "x"},
    {"status": "off"}, {"forced_down": "yes"}, {"status": "disabled", "bogus": 1}])
def test_put_by_uuid_rejects_bad_bodies(client, body):
    resp = client.simulate_put(f"/v2.1/os-services/{_uuid(client, 'compute1')}",
                               headers=_at("2.53"), json=body)
    assert resp.status_code == 400 and "badRequest" in resp.json, body


def test_put_by_uuid_errors(client):
    conductor = _services(client, "2.53", "host=controller")[0]["id"]
    resp = client.simulate_put(f"/v2.1/os-services/{conductor}", headers=_at("2.53"),
                               json={"status": "disabled"})
    assert resp.status_code == 400, resp.text
    assert client.simulate_put("/v2.1/os-services/enable", headers=_at("2.53"), json={
        "host": "compute1", "binary": "nova-compute"}).status_code == 400
    missing = "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10"
    assert client.simulate_put(f"/v2.1/os-services/{missing}", headers=_at("2.53"),
                               json={"status": "disabled"}).status_code == 404


def test_disabled_and_forced_down_hosts_get_no_instances(client, admin_ctxt):
    def schedulable() -> set:
        return {h.host for h in host_manager.get_host_states(admin_ctxt)
                if h.up and not h.disabled}

    assert schedulable() == {"compute1", "compute2"}
    client.simulate_put(f"/v2.1/os-services/{_uuid(client, 'compute1')}",
                        headers=_at("2.53"), json={"status": "disabled"})
    client.simulate_put(f"/v2.1/os-services/{_uuid(client, 'compute2')}",
                        headers=_at("2.53"), json={"forced_down": True})
    assert schedulable() == set()


def test_delete_by_id_and_by_uuid(client):
    db_instances.instance_create({
        "uuid": "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", "display_name": "vm",
        "project_id": "p1", "user_id": "u", "image_ref": "i", "flavor_id": "1",
        "flavor_name": "f", "memory_mb": 512, "vcpus": 1, "root_gb": 5, "host": "compute1",
        "vm_state": "active"})
    busy = _uuid(client, "compute1")
    resp = client.simulate_delete(f"/v2.1/os-services/{busy}", headers=_at("2.53"))
    assert resp.status_code == 409 and "conflictingRequest" in resp.json

    idle = _uuid(client, "compute2")
    assert client.simulate_delete(f"/v2.1/os-services/{idle}",
                                  headers=_at("2.53", ALICE)).status_code == 403
    assert client.simulate_delete(f"/v2.1/os-services/{idle}",
                                  headers=_at("2.53")).status_code == 204
    assert client.simulate_delete(f"/v2.1/os-services/{idle}",
                                  headers=_at("2.53")).status_code == 404
    assert [n.host for n in objects.ComputeNodeList.get_all(None)] == ["compute1"]
    assert client.simulate_delete("/v2.1/os-services/12", headers=_at("2.53")).status_code == 400

    conductor = _services(client, "2.1", "host=controller")[0]["id"]
    assert client.simulate_delete(f"/v2.1/os-services/{conductor}",
                                  headers=_at("2.1")).status_code == 204
    assert client.simulate_delete("/v2.1/os-services/abc", headers=_at("2.1")).status_code == 400
    assert _services(client, "2.1", "host=controller") == []
