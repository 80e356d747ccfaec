"""POST /os-server-external-events: Nova's body validation per microversion, each
event's code, 200/207/404, the service policy, and the instance action it records."""
import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.api_schema.response.compute.v2_1 import server_external_events
from tempest.lib.common import jsonschema_validator

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
MISSING = "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"
PATH = "/v2.1/os-server-external-events"


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _server(client, host: str | None = "compute1") -> str:
    resp = client.simulate_post("/v2.1/servers", headers=MEMBER, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1"}})
    server_id = resp.json["server"]["id"]
    db_instances.instance_update(server_id, {"vm_state": "active", "task_state": None,
                                             "host": host})
    return server_id


def _post(client, events, version="2.1", headers=ADMIN):
    return client.simulate_post(PATH, headers={**headers, **_v(version)},
                                json={"events": events})


def test_an_accepted_event_is_200_as_tempest_checks_and_recorded(client):
    server = _server(client)
    resp = _post(client, [{"name": "network-changed", "server_uuid": server}])
    assert resp.status_code == 200, resp.text
    assert resp.json == {"events": [{"name": "network-changed", "server_uuid": server,
                                     "code": 200}]}
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        server_external_events.create["response_body"])
    assert not list(validator.iter_errors(resp.json))
    actions = client.simulate_get(f"/v2.1/servers/{server}/os-instance-actions",
                                  headers=ADMIN).json["instanceActions"]
    assert actions[0]["action"] == "external_event"
    detail = client.simulate_get(
        f"/v2.1/servers/{server}/os-instance-actions/{actions[0]['request_id']}",
        headers=ADMIN).json["instanceAction"]
    assert [event["event"] for event in detail["events"]] == ["network-changed"]


def test_missing_and_hostless_servers_make_a_207(client):
    server, hostless = _server(client), _server(client, host=None)
    resp = _post(client, [
        {"name": "network-vif-plugged", "server_uuid": server, "tag": "port1"},
        {"name": "network-vif-plugged", "server_uuid": MISSING},
        {"name": "network-vif-plugged", "server_uuid": hostless, "status": "completed"}])
    assert resp.status_code == 207
    assert [(event["code"], event.get("status")) for event in resp.json["events"]] == [
        (200, None), (404, "failed"), (422, "failed")]


def test_no_accepted_event_is_404(client):
    resp = _post(client, [{"name": "network-changed", "server_uuid": MISSING}])
    assert resp.status_code == 404
    assert resp.json["itemNotFound"]["message"] == "No instances found for any event"


@pytest.mark.parametrize("name,version", [
    ("volume-extended", "2.51"), ("power-update", "2.76"),
    ("accelerator-request-bound", "2.82"), ("volume-reimaged", "2.93")])
def test_event_names_arrive_with_their_versions(client, name, version):
    server = _server(client)
    event = {"name": name, "server_uuid": server, "tag": "t"}
    below = f"2.{int(version[2:]) - 1}"
    assert _post(client, [event], below).status_code == 400
    assert _post(client, [event], version).status_code == 200


@pytest.mark.parametrize("events", [
    [], [{"name": "network-changed"}], [{"name": "bogus", "server_uuid": MISSING}],
    [{"name": "network-changed", "server_uuid": "not-a-uuid"}],
    [{"name": "network-changed", "server_uuid": MISSING, "status": "done"}],
    [{"name": "network-changed", "server_uuid": MISSING, "tag": "x" * 256}],
    [{"name": "network-changed", "server_uuid": MISSING, "extra": 1}]])
def test_bad_bodies_are_400(client, events):
    assert _post(client, events).status_code == 400


def test_members_may_not_post_events(client):
    server = _server(client)
    resp = _post(client, [{"name": "network-changed", "server_uuid": server}],
                 headers=MEMBER)
    assert resp.status_code == 403
