"""POST /servers/{id}/action rebuild and os-resetState, GET /servers/{id}/diagnostics:
each body field at the version that brings it, 400s, policies, and every rebuild and
diagnostics answer judged by tempest's schemas at each of the 100 versions."""
import dataclasses

import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.common import jsonschema_validator
from tempest.lib.services.compute.servers_client import ServersClient

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.compute import rpcapi as compute_rpcapi
from mininova.db import instances as db_instances
from mininova.network import api as network_api
from mininova.virt import diagnostics

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
OTHER = {"X-Auth-Token": "bob:p2"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
BIG_IMAGE_ID = "0a7c8e1f-5b6d-4c3a-9e8f-7d6c5b4a3f2e"
VERSIONS = [f"2.{minor}" for minor in range(1, 101)]

DIAGNOSTICS = diagnostics.Diagnostics(
    state="running", driver="libvirt", hypervisor="kvm", hypervisor_os="linux", uptime=42,
    memory_max_mb=512, memory_used_mb=256, memory_max_kb=524288,
    memory_stats={"actual": 524288, "rss": 1000},
    cpu_details=[diagnostics.CpuDiagnostics(id=0, time=17)],
    disk_details=[diagnostics.DiskDiagnostics(name="vda", read_bytes=1, read_requests=2,
                                              write_bytes=3, write_requests=4,
                                              errors_count=0)],
    nic_details=[diagnostics.NicDiagnostics(name="tap0", mac_address="fa:16:3e:00:00:01",
                                            rx_octets=5, rx_packets=6, tx_octets=7)])


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    for image_id, min_ram in ((IMAGE_ID, 0), (BIG_IMAGE_ID, 1024)):
        objects.Image(admin_ctxt, id=image_id, name="cirros", disk_format="qcow2",
                      container_format="bare", size=1, status="active", min_disk=0,
                      min_ram=min_ram).create()
    objects.Service.register(admin_ctxt, "compute1", "mininova-compute", "compute")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _settle(server_id: str, vm_state: str = "active") -> None:
    db_instances.instance_update(server_id, {"vm_state": vm_state, "task_state": None,
                                             "host": "compute1", "node": "compute1",
                                             "power_state": 1})


@pytest.fixture
def server(client):
    resp = client.simulate_post("/v2.1/servers", headers=MEMBER, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1"}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json["server"]["id"]
    _settle(server_id)
    return server_id


def _action(client, server_id, body, version="2.1", headers=MEMBER):
    return client.simulate_post(f"/v2.1/servers/{server_id}/action",
                                headers={**headers, **_v(version)}, json=body)


def _judge(name: str, version: str, resp) -> None:
    schema = None
    for entry in reversed(ServersClient.schema_versions_info):
        if entry["min"] is None or int(version[2:]) >= int(entry["min"][2:]):
            schema = getattr(entry["schema"], name)
            break
    assert resp.status_code in schema["status_code"], resp.text
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER)
    errors = [f"{e.message} at /{'/'.join(map(str, e.path))}"
              for e in validator.iter_errors(resp.json)]
    assert not errors, f"{name} at {version}: {errors}"


@pytest.mark.parametrize("headers", [ADMIN, MEMBER], ids=["admin", "member"])
def test_rebuild_answers_as_tempest_expects_at_every_version(client, server, headers):
    for version in VERSIONS:
        resp = _action(client, server, {"rebuild": {"imageRef": IMAGE_ID}}, version,
                       headers)
        _judge("rebuild_server_with_admin_pass", version, resp)
        assert resp.headers["Location"].endswith(f"/v2.1/servers/{server}")
        _settle(server)


def test_rebuild_changes_what_the_body_asks_for(client, server):
    resp = _action(client, server, {"rebuild": {
        "imageRef": IMAGE_ID, "name": "new-name", "adminPass": "rebuildPassw0rd",
        "metadata": {"rebuild": "server"}, "accessIPv4": "10.0.0.2",
        "accessIPv6": "fe80::1", "description": "rebuilt", "key_name": None,
        "user_data": "aGk=", "hostname": "new-host", "preserve_ephemeral": "yes",
        "trusted_image_certificates": None}}, "2.90")
    assert resp.status_code == 202, resp.text
    body = resp.json["server"]
    assert (body["name"], body["status"], body["adminPass"]) == (
        "new-name", "REBUILD", "rebuildPassw0rd")
    assert (body["description"], body["user_data"], body["key_name"]) == (
        "rebuilt", "aGk=", None)
    assert body["OS-EXT-STS:task_state"] == "rebuilding"
    assert "OS-EXT-SRV-ATTR:user_data" not in body
    generated = _action(client, server, {"rebuild": {"imageRef": IMAGE_ID}})
    assert generated.status_code == 409  # still rebuilding
    _settle(server)
    generated = _action(client, server, {"rebuild": {"imageRef": IMAGE_ID}})
    assert len(generated.json["server"]["adminPass"]) == 12


@pytest.mark.parametrize("field, value, ok_from", [
    ("description", "d", "2.19"),
    ("key_name", None, "2.54"),
    ("user_data", "aGk=", "2.57"),
    ("trusted_image_certificates", None, "2.63"),
    ("hostname", "host-1", "2.90"),
])
def test_fields_are_refused_below_their_version(client, server, field, value, ok_from):
    below = f"2.{int(ok_from[2:]) - 1}"
    body = {"rebuild": {"imageRef": IMAGE_ID, field: value}}
    assert _action(client, server, body, below).status_code == 400
    assert _action(client, server, body, ok_from).status_code == 202


@pytest.mark.parametrize("body, version", [
    ({}, "2.1"),
    ({"imageRef": ""}, "2.1"),
    ({"imageRef": "0a0a0a0a-0000-4000-8000-000000000000"}, "2.1"),
    ({"imageRef": BIG_IMAGE_ID}, "2.1"),  # min_ram above the flavor's
    ({"imageRef": IMAGE_ID, "name": " padded "}, "2.1"),
    ({"imageRef": IMAGE_ID, "accessIPv4": "300.1.1.1"}, "2.1"),
    ({"imageRef": IMAGE_ID, "accessIPv6": "fe80:::1"}, "2.1"),
    ({"imageRef": IMAGE_ID, "metadata": {"a/b": "c"}}, "2.1"),
    ({"imageRef": IMAGE_ID, "preserve_ephemeral": "maybe"}, "2.1"),
    ({"imageRef": IMAGE_ID, "personality": [{"path": "/a", "contents": "aGk="}]}, "2.57"),
    ({"imageRef": IMAGE_ID, "personality": [{"path": "/a", "contents": "aGk="}]}, "2.1"),
    ({"imageRef": IMAGE_ID, "key_name": "no-such-key"}, "2.54"),
    ({"imageRef": IMAGE_ID, "trusted_image_certificates": ["cert"]}, "2.63"),
    ({"imageRef": IMAGE_ID, "user_data": "not base64!"}, "2.57"),
])
def test_bad_rebuilds_are_400(client, server, body, version):
    resp = _action(client, server, {"rebuild": body}, version)
    assert resp.status_code == 400, resp.text
    assert "badRequest" in resp.json


def test_rebuild_of_another_projects_server_is_404_and_locked_is_409(client, server):
    body = {"rebuild": {"imageRef": IMAGE_ID}}
    assert _action(client, server, body, headers=OTHER).status_code == 404
    assert _action(client, server, {"lock": None}).status_code == 202
    locked = _action(client, server, body)
    assert locked.status_code == 409 and "conflictingRequest" in locked.json
    assert _action(client, server, body, headers=ADMIN).status_code == 202


def test_reset_state(client, server):
    for state, status in (("error", "ERROR"), ("active", "ACTIVE")):
        resp = _action(client, server, {"os-resetState": {"state": state}}, headers=ADMIN)
        assert resp.status_code == 202 and not resp.content, resp.text
        shown = client.simulate_get(f"/v2.1/servers/{server}", headers=ADMIN)
        assert shown.json["server"]["status"] == status
    forbidden = _action(client, server, {"os-resetState": {"state": "error"}})
    assert forbidden.status_code == 403
    for bad in ({"state": "invalid"}, {"state": 1}, {}, {"state": "active", "x": 1}):
        assert _action(client, server, {"os-resetState": bad},
                       headers=ADMIN).status_code == 400
    missing = _action(client, "999", {"os-resetState": {"state": "error"}}, headers=ADMIN)
    assert missing.status_code == 404


@pytest.fixture
def diag_call(monkeypatch):
    calls = []

    def call(self, ctxt, instance):
        calls.append(instance.uuid)
        return dataclasses.asdict(DIAGNOSTICS)

    monkeypatch.setattr(compute_rpcapi.ComputeAPI, "get_instance_diagnostics", call)
    return calls


def test_diagnostics_answers_as_tempest_expects(client, server, diag_call):
    for version in VERSIONS:
        resp = client.simulate_get(f"/v2.1/servers/{server}/diagnostics",
                                   headers={**ADMIN, **_v(version)})
        _judge("show_server_diagnostics", version, resp)
    assert diag_call == [server] * len(VERSIONS)


def test_diagnostics_bodies(client, server, diag_call):
    url = f"/v2.1/servers/{server}/diagnostics"
    legacy = client.simulate_get(url, headers=ADMIN).json
    assert legacy == {"cpu0_time": 17, "vda_read_req": 2, "vda_read": 1,
                      "vda_write_req": 4, "vda_write": 3, "vda_errors": 0,
                      "memory": 524288, "tap0_rx": 5, "tap0_rx_packets": 6, "tap0_tx": 7,
                      "memory-actual": 524288, "memory-rss": 1000}
    new = client.simulate_get(url, headers={**ADMIN, **_v("2.48")}).json
    assert (new["state"], new["driver"], new["hypervisor"], new["uptime"]) == (
        "running", "libvirt", "kvm", 42)
    assert new["cpu_details"] == [{"id": 0, "time": 17, "utilisation": None}]
    assert new["disk_details"] == [{"read_bytes": 1, "read_requests": 2, "write_bytes": 3,
                                    "write_requests": 4, "errors_count": 0}]
    assert (new["num_cpus"], new["num_disks"], new["num_nics"]) == (1, 1, 1)
    assert new["memory_details"] == {"maximum": 512, "used": 256}
    assert new["nic_details"][0]["mac_address"] == "fa:16:3e:00:00:01"
    assert new["nic_details"][0]["rx_drop"] is None


def test_diagnostics_policy_and_states(client, server, diag_call):
    url = f"/v2.1/servers/{server}/diagnostics"
    assert client.simulate_get(url, headers=MEMBER).status_code == 403
    assert client.simulate_get(url, headers=OTHER).status_code == 404
    db_instances.instance_update(server, {"host": None, "vm_state": "error"})
    resp = client.simulate_get(url, headers=ADMIN)
    assert resp.status_code == 409 and "conflictingRequest" in resp.json
    assert diag_call == []


def test_rebuild_and_update_show_plain_addresses_before_2_75(client, server, admin_ctxt):
    """Nova's rebuild and PUT answers extend addresses (OS-EXT-IPS) only from 2.75 on,
    where they became the full server view; tempest's schemas refuse them before."""
    instance = objects.Instance.get_by_uuid(admin_ctxt, server)
    network_api.allocate_for_instance(admin_ctxt, instance, None)
    resp = _action(client, server, {"rebuild": {"imageRef": IMAGE_ID}}, "2.1")
    [address] = next(iter(resp.json["server"]["addresses"].values()))
    assert set(address) == {"version", "addr"}
    _judge("rebuild_server_with_admin_pass", "2.1", resp)
    _settle(server)
    resp = _action(client, server, {"rebuild": {"imageRef": IMAGE_ID}}, "2.75")
    [address] = next(iter(resp.json["server"]["addresses"].values()))
    assert address["OS-EXT-IPS:type"] == "fixed"
    _judge("rebuild_server_with_admin_pass", "2.75", resp)
    for version, extended in (("2.1", False), ("2.75", True)):
        resp = client.simulate_put(f"/v2.1/servers/{server}", headers={**MEMBER, **_v(version)},
                                   json={"server": {"name": "renamed"}})
        [address] = next(iter(resp.json["server"]["addresses"].values()))
        assert ("OS-EXT-IPS:type" in address) is extended
        _judge("update_server", version, resp)
