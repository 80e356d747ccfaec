"""The falcon app in-process (fake RPC transport, real SQLite): routing, validation,
faults, headers, and the status mapping."""
import os
import urllib.parse

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova import policy
from mininova.api import wsgi
from mininova.api.views import servers as server_views

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    objects.Image(admin_ctxt, id="3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d", name="cirros",
                  disk_format="qcow2", container_format="bare", size=1, status="active",
                  min_disk=0, min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.mark.parametrize("vm_state, task_state, status", [
    ("active", None, "ACTIVE"), ("active", "rebooting", "REBOOT"),
    ("active", "rebooting_hard", "HARD_REBOOT"), ("active", "powering-off", "ACTIVE"),
    ("building", "scheduling", "BUILD"), ("building", "spawning", "BUILD"),
    ("stopped", None, "SHUTOFF"), ("stopped", "powering-on", "SHUTOFF"),
    ("error", None, "ERROR"), ("deleted", None, "DELETED"),
])
def test_status_mapping(vm_state, task_state, status):
    assert server_views.status(vm_state, task_state) == status


def test_versions_need_no_token_and_carry_request_id(client):
    resp = client.simulate_get("/")
    assert resp.status_code == 200
    # Nova's order, which tempest checks: the legacy v2.0 first, then v2.1.
    assert [v["id"] for v in resp.json["versions"]] == ["v2.0", "v2.1"]
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")
    assert client.simulate_get("/v2.1/").json["version"]["min_version"] == "2.1"
    # Every listed self link can be followed, without a token, to the same document.
    for version in resp.json["versions"]:
        href = version["links"][0]["href"]
        doc = client.simulate_get(urllib.parse.urlsplit(href).path)
        assert doc.status_code == 200, href
        assert doc.json["version"]["links"] == version["links"]


def test_missing_token_is_401(client):
    resp = client.simulate_get("/v2.1/servers")
    assert resp.status_code == 401
    assert resp.json["unauthorized"]["code"] == 401


@pytest.mark.parametrize("headers, answered", [
    ({}, "2.1"),
    ({"OpenStack-API-Version": "compute 2.47"}, "2.47"),
    ({"OpenStack-API-Version": "compute latest"}, "2.100"),
    ({"X-OpenStack-Nova-API-Version": "2.26"}, "2.26"),
    # The standard header wins over the legacy one; other services' entries are ignored.
    ({"OpenStack-API-Version": "compute 2.60, placement 1.30",
      "X-OpenStack-Nova-API-Version": "2.3"}, "2.60"),
])
def test_microversion_is_echoed(client, headers, answered):
    resp = client.simulate_get("/v2.1/flavors", headers={**ADMIN, **headers})
    assert resp.status_code == 200
    assert resp.headers["OpenStack-API-Version"] == f"compute {answered}"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == answered
    assert "OpenStack-API-Version" in resp.headers["Vary"]


@pytest.mark.parametrize("version", ["2.101", "3.0", "2.0", "1.1"])
def test_unsupported_microversion_is_406(client, version):
    resp = client.simulate_get("/v2.1/servers", headers={
        **ADMIN, "OpenStack-API-Version": f"compute {version}"})
    assert resp.status_code == 406
    assert "Minimum is 2.1 and maximum is 2.100" in resp.json["notAcceptable"]["message"]
    assert "OpenStack-API-Version" in resp.headers["Vary"]


def test_malformed_microversion_is_400(client):
    resp = client.simulate_get("/v2.1/servers", headers={
        **ADMIN, "OpenStack-API-Version": "compute two"})
    assert resp.status_code == 400
    assert "invalid format" in resp.json["badRequest"]["message"]


def test_version_document_states_the_range(client):
    doc = client.simulate_get("/v2.1").json["version"]
    assert (doc["min_version"], doc["version"]) == ("2.1", "2.100")


@pytest.mark.parametrize("body, fragment", [
    ("{not json", "Malformed request body"),
    ('{"server": {"name": "a", "imageRef": "x"}}', "'flavorRef' is a required property"),
    ('{"server": {"name": "a", "imageRef": "x", "flavorRef": "1", "bogus": 1}}',
     "Additional properties"),
    ('{"server": {"name": "", "imageRef": "x", "flavorRef": "1"}}', "name"),
    ('{"server": {"name": "a", "imageRef": "x", "flavorRef": "1"}}', "Image x could not"),
    ('{"server": {"name": "a", "imageRef": "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d", '
     '"flavorRef": "7"}}', "Flavor 7 could not"),
    ('{"server": {"name": "a", "imageRef": "x", "flavorRef": "1", "max_count": 0}}',
     "max_count"),
    ('{"server": {"name": "a", "imageRef": "x", "flavorRef": "1", "metadata": {"": "v"}}}',
     "metadata"),
])
def test_bad_create_bodies_are_400(client, body, fragment):
    resp = client.simulate_post("/v2.1/servers", body=body, headers=ADMIN)
    assert resp.status_code == 400
    assert fragment in resp.json["badRequest"]["message"]


def test_create_then_show_and_list(client):
    resp = client.simulate_post("/v2.1/servers", headers=ADMIN, json={"server": {
        "name": "vm1", "imageRef": "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d",
        "flavorRef": "1"}})
    assert resp.status_code == 202
    server_id = resp.json["server"]["id"]
    shown = client.simulate_get(f"/v2.1/servers/{server_id}", headers=ADMIN).json["server"]
    assert shown["status"] == "BUILD"
    assert shown["OS-EXT-STS:task_state"] == "scheduling"
    assert shown["flavor"]["id"] == "1"
    listed = client.simulate_get("/v2.1/servers/detail", headers=ADMIN).json["servers"]
    assert [s["id"] for s in listed] == [server_id]
    other = client.simulate_get("/v2.1/servers", headers={"X-Auth-Token": "bob:p2"})
    assert other.json["servers"] == []


@pytest.mark.parametrize("body, code, fragment", [
    ('{"os-explode": null}', 400, "There is no such action: os-explode"),
    ('{"reboot": {"type": "MEDIUM"}}', 400, "MEDIUM"),
    ('{"reboot": {}}', 400, "'type' is a required property"),
    ('{"os-stop": null, "os-start": null}', 400, "body"),
    ('{"os-stop": null}', 404, "could not be found"),
])
def test_bad_actions(client, body, code, fragment):
    resp = client.simulate_post("/v2.1/servers/5e1b4f4c-0000-4000-8000-000000000000/action",
                                body=body, headers=ADMIN)
    assert resp.status_code == code
    assert fragment in next(iter(resp.json.values()))["message"]


@pytest.mark.parametrize("version", ["2.1", "2.100"])
@pytest.mark.parametrize("body", ['{"os-stop": {}}', '{"os-start": {}}', '{"os-stop": null}',
                                  '{"os-start": {"any": "thing"}}', '{"os-stop": 1}'])
def test_start_and_stop_take_any_value(client, version, body):
    """tempest's client sends {"os-stop": {}}: the body passes, and only the state of the
    server (still building here) decides, with a 409."""
    resp = client.simulate_post("/v2.1/servers", headers=ADMIN, json={"server": {
        "name": "vm1", "imageRef": "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d",
        "flavorRef": "1", "networks": "none"}})
    headers = {**ADMIN, "OpenStack-API-Version": f"compute {version}"}
    action = client.simulate_post(f"/v2.1/servers/{resp.json['server']['id']}/action",
                                  body=body, headers=headers)
    assert action.status_code == 409, action.text
    assert "conflictingRequest" in action.json


def test_unknown_route_is_a_nova_fault(client):
    resp = client.simulate_get("/v2.1/nowhere", headers=ADMIN)
    assert resp.status_code == 404
    assert "itemNotFound" in resp.json


def test_os_services_is_admin_only(client):
    resp = client.simulate_get("/v2.1/os-services", headers={"X-Auth-Token": "bob:p2"})
    assert resp.status_code == 403


def test_flavors_and_images(client):
    flavors = client.simulate_get("/v2.1/flavors/detail", headers=ADMIN).json["flavors"]
    assert flavors[0]["ram"] == 512 and flavors[0]["id"] == "1"
    image = client.simulate_get("/v2.1/images/3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d",
                                headers=ADMIN).json["image"]
    assert image["status"] == "ACTIVE"
    assert client.simulate_get("/v2.1/flavors/404", headers=ADMIN).status_code == 404


def test_quota_sets_and_limits_follow_policy(client):
    member = {"X-Auth-Token": "bob:p2"}
    assert client.simulate_get("/v2.1/os-quota-sets/p2", headers=member).status_code == 200
    assert client.simulate_get("/v2.1/os-quota-sets/p3", headers=member).status_code == 403
    denied = client.simulate_put("/v2.1/os-quota-sets/p2", headers=member,
                                 json={"quota_set": {"instances": 1}})
    assert denied.status_code == 403 and "forbidden" in denied.json
    done = client.simulate_put("/v2.1/os-quota-sets/p2", headers=ADMIN,
                               json={"quota_set": {"instances": 1, "cores": "4"}})
    assert done.json["quota_set"]["instances"] == 1 and done.json["quota_set"]["cores"] == 4
    bad = client.simulate_put("/v2.1/os-quota-sets/p2", headers=ADMIN,
                              json={"quota_set": {"instances": -2}})
    assert bad.status_code == 400
    limits = client.simulate_get("/v2.1/limits", headers=member).json["limits"]["absolute"]
    assert limits["maxTotalInstances"] == 1 and limits["totalInstancesUsed"] == 0


def test_a_policy_file_overrides_the_defaults(db, tmp_path, flags):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"os_compute_api:os-services:list": "@"\n')
    flags(policy_file=str(policy_file), group="oslo_policy")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    client = testing.TestClient(wsgi.create_app(CONF, transport))
    resp = client.simulate_get("/v2.1/os-services", headers={"X-Auth-Token": "bob:p2"})
    assert resp.status_code == 200


def test_a_policy_file_change_is_seen_within_the_recheck_interval(db, tmp_path, flags,
                                                                  monkeypatch):
    """The enforcer looks at the policy file at most once a RECHECK_SECONDS, not on each
    check, and then sees the change."""
    clock = [1000.0]
    monkeypatch.setattr(policy.time, "monotonic", lambda: clock[0])
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"os_compute_api:os-services:list": "@"\n')
    flags(policy_file=str(policy_file), group="oslo_policy")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    client = testing.TestClient(wsgi.create_app(CONF, transport))
    bob = {"X-Auth-Token": "bob:p2"}
    assert client.simulate_get("/v2.1/os-services", headers=bob).status_code == 200
    policy_file.write_text('"os_compute_api:os-services:list": "!"\n')
    later = policy_file.stat().st_mtime + 10
    os.utime(policy_file, (later, later))
    assert client.simulate_get("/v2.1/os-services", headers=bob).status_code == 200
    clock[0] += policy.RECHECK_SECONDS
    assert client.simulate_get("/v2.1/os-services", headers=bob).status_code == 403


@pytest.mark.parametrize("method, path, kwargs", [
    ("GET", "/v2.1/servers", {"query_string": "name=a%00b"}),
    ("GET", "/v2.1/servers/ab%00cd", {}),
    ("POST", "/v2.1/flavors", {"body": '{"flavor": {"name": "a\\u0000b", "ram": 1, '
                                       '"vcpus": 1, "disk": 1}}'}),
    ("POST", "/v2.1/flavors", {"body": '{"flavor": {"name": "a\\udb57b", "ram": 1, '
                                       '"vcpus": 1, "disk": 1}}'}),
])
def test_strings_no_database_can_store_are_400(client, method, path, kwargs):
    """A NUL character or an unpaired surrogate anywhere in the input is the client's
    error (PostgreSQL and UTF-8 refuse them), not a 500 from the database."""
    resp = client.simulate_request(method, path, headers=ADMIN, **kwargs)
    assert resp.status_code == 400, resp.text
    assert "Invalid string" in resp.json["badRequest"]["message"]
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")
