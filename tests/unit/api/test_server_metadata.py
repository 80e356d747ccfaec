"""/servers/{id}/metadata and metadata at create: Nova's rules for keys, values, quota,
states, locks, policy and project isolation."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import instance_metadata as db_metadata

CONF = conf.CONF
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
OWNER = {"X-Auth-Token": "bob:p2"}
OTHER = {"X-Auth-Token": "eve:p3"}
ADMIN = {"X-Auth-Token": "admin:admin"}


@pytest.fixture
def client(boot_client):
    return boot_client


def _create(client, metadata=None, headers=OWNER):
    server = {"name": "vm", "imageRef": IMAGE, "flavorRef": "1"}
    if metadata is not None:
        server["metadata"] = metadata
    return client.simulate_post("/v2.1/servers", headers=headers, json={"server": server})


def _set_state(admin_ctxt, uuid, vm_state="active", task_state=None, locked=False):
    inst = objects.Instance.get_by_uuid(admin_ctxt, uuid)
    inst.vm_state, inst.task_state, inst.locked = vm_state, task_state, locked
    inst.save()


@pytest.fixture
def server(client, admin_ctxt):
    uuid = _create(client, {"a": "1", "b": "2"}).json["server"]["id"]
    _set_state(admin_ctxt, uuid)
    return uuid


def test_metadata_given_at_create_is_shown_and_listed(client, server):
    shown = client.simulate_get(f"/v2.1/servers/{server}", headers=OWNER).json["server"]
    assert shown["metadata"] == {"a": "1", "b": "2"}
    listed = client.simulate_get("/v2.1/servers/detail", headers=OWNER).json["servers"]
    assert listed[0]["metadata"] == {"a": "1", "b": "2"}
    got = client.simulate_get(f"/v2.1/servers/{server}/metadata", headers=OWNER)
    assert got.json == {"metadata": {"a": "1", "b": "2"}}


def test_post_merges_put_replaces(client, server):
    url = f"/v2.1/servers/{server}/metadata"
    merged = client.simulate_post(url, headers=OWNER, json={"metadata": {"b": "3", "c": "4"}})
    assert merged.status_code == 200
    assert merged.json == {"metadata": {"a": "1", "b": "3", "c": "4"}}
    replaced = client.simulate_put(url, headers=OWNER, json={"metadata": {"z": "9"}})
    assert replaced.json == {"metadata": {"z": "9"}}
    assert client.simulate_get(url, headers=OWNER).json == {"metadata": {"z": "9"}}
    cleared = client.simulate_put(url, headers=OWNER, json={"metadata": {}})
    assert cleared.json == {"metadata": {}}


def test_one_key_show_set_delete(client, server):
    url = f"/v2.1/servers/{server}/metadata"
    assert client.simulate_get(f"{url}/a", headers=OWNER).json == {"meta": {"a": "1"}}
    put = client.simulate_put(f"{url}/new", headers=OWNER, json={"meta": {"new": "x"}})
    assert put.status_code == 200 and put.json == {"meta": {"new": "x"}}
    assert client.simulate_delete(f"{url}/a", headers=OWNER).status_code == 204
    assert client.simulate_get(url, headers=OWNER).json["metadata"] == {"b": "2", "new": "x"}
    missing = client.simulate_get(f"{url}/a", headers=OWNER)
    assert missing.status_code == 404
    assert missing.json["itemNotFound"]["message"] == "Metadata item was not found"
    assert client.simulate_delete(f"{url}/a", headers=OWNER).status_code == 404


@pytest.mark.parametrize("key, body, fragment", [
    ("key", {"meta": {"testkey": "v"}}, "Request body and URI mismatch"),
    ("a", {"meta": {"a": "1", "b": "2"}}, "meta"),
    ("a", {"meta": {}}, "meta"),
    ("a", {"metadata": {"a": "1"}}, "meta"),
])
def test_bad_one_key_bodies_are_400(client, server, key, body, fragment):
    resp = client.simulate_put(f"/v2.1/servers/{server}/metadata/{key}", headers=OWNER,
                               json=body)
    assert resp.status_code == 400
    assert fragment in resp.json["badRequest"]["message"]


@pytest.mark.parametrize("body", [
    {"metadata": {"": "v"}}, {"metadata": {"k" * 256: "v"}}, {"metadata": {"k": "v" * 256}},
    {"metadata": {"k": 1}}, {"metadata": {"k/x": "v"}}, {"meta": {"k": "v"}}, {},
])
def test_bad_metadata_bodies_are_400(client, server, body):
    url = f"/v2.1/servers/{server}/metadata"
    assert client.simulate_post(url, headers=OWNER, json=body).status_code == 400
    assert client.simulate_put(url, headers=OWNER, json=body).status_code == 400


def test_empty_body_is_400(client, server):
    resp = client.simulate_put(f"/v2.1/servers/{server}/metadata", headers=OWNER, body="")
    assert resp.status_code == 400


@pytest.mark.parametrize("metadata", [{"": "v"}, {"k" * 256: "v"}, {"k": "v" * 256}])
def test_bad_metadata_at_create_is_400(client, metadata):
    assert _create(client, metadata).status_code == 400


def test_metadata_items_quota(client, server, flags):
    flags(metadata_items=3, group="quota")
    url = f"/v2.1/servers/{server}/metadata"
    over = client.simulate_post(url, headers=OWNER, json={"metadata": {"c": "3", "d": "4"}})
    assert over.status_code == 403
    assert over.json["forbidden"]["message"] == "Maximum number of metadata items exceeds 3"
    assert client.simulate_post(url, headers=OWNER,
                                json={"metadata": {"a": "0", "c": "3"}}).status_code == 200
    too_many = {f"k{i}": "v" for i in range(4)}
    assert client.simulate_put(url, headers=OWNER,
                               json={"metadata": too_many}).status_code == 403
    assert _create(client, too_many).status_code == 403
    assert client.simulate_get(url, headers=OWNER).json["metadata"] == {
        "a": "0", "b": "2", "c": "3"}


@pytest.mark.parametrize("vm_state, task_state", [
    ("building", "scheduling"), ("active", "powering-off"), ("error", None)])
def test_changes_outside_settled_states_are_409(client, admin_ctxt, server, vm_state,
                                                task_state):
    _set_state(admin_ctxt, server, vm_state, task_state)
    url = f"/v2.1/servers/{server}/metadata"
    assert client.simulate_post(url, headers=OWNER,
                                json={"metadata": {"x": "1"}}).status_code == 409
    assert client.simulate_delete(f"{url}/a", headers=OWNER).status_code == 409
    assert client.simulate_get(url, headers=OWNER).status_code == 200


def test_stopped_server_metadata_changes(client, admin_ctxt, server):
    _set_state(admin_ctxt, server, "stopped")
    resp = client.simulate_put(f"/v2.1/servers/{server}/metadata/x", headers=OWNER,
                               json={"meta": {"x": "1"}})
    assert resp.status_code == 200


def test_locked_server_refuses_the_owner_not_an_admin(client, admin_ctxt, server):
    _set_state(admin_ctxt, server, locked=True)
    url = f"/v2.1/servers/{server}/metadata"
    refused = client.simulate_post(url, headers=OWNER, json={"metadata": {"x": "1"}})
    assert refused.status_code == 409
    assert client.simulate_post(url, headers=ADMIN,
                                json={"metadata": {"x": "1"}}).status_code == 200


def test_another_projects_server_is_404(client, server):
    url = f"/v2.1/servers/{server}/metadata"
    assert client.simulate_get(url, headers=OTHER).status_code == 404
    assert client.simulate_get(f"{url}/a", headers=OTHER).status_code == 404
    assert client.simulate_post(url, headers=OTHER,
                                json={"metadata": {"x": "1"}}).status_code == 404
    assert client.simulate_delete(f"{url}/a", headers=OTHER).status_code == 404
    missing = "/v2.1/servers/5e1b4f4c-0000-4000-8000-000000000000/metadata"
    assert client.simulate_get(missing, headers=OWNER).status_code == 404


def test_policy_file_can_forbid_metadata_changes(db, tmp_path, flags, client, server):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"os_compute_api:server-metadata:create": "role:admin"\n')
    flags(policy_file=str(policy_file), group="oslo_policy")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    strict = testing.TestClient(wsgi.create_app(CONF, transport))
    url = f"/v2.1/servers/{server}/metadata"
    assert strict.simulate_post(url, headers=OWNER,
                                json={"metadata": {"x": "1"}}).status_code == 403
    assert strict.simulate_get(url, headers=OWNER).status_code == 200


def test_metadata_goes_away_with_the_server(client, server):
    assert client.simulate_delete(f"/v2.1/servers/{server}", headers=OWNER).status_code == 204
    assert db_metadata.metadata_get(server) == {}
