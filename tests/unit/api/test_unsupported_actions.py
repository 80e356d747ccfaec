"""Server actions Nova has and mininova does not: the server is looked up first, Nova's
state rules answer where they can, the rest is a 400 naming the action."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import unsupported_actions
from mininova.api import wsgi
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
OTHER = {"X-Auth-Token": "bob:p2"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
MISSING = "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.fixture
def server(client):
    resp = client.simulate_post("/v2.1/servers", headers=MEMBER, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1"}})
    assert resp.status_code == 202, resp.text
    server_id = resp.json["server"]["id"]
    db_instances.instance_update(server_id, {"vm_state": "active", "task_state": None})
    return server_id


def _action(client, server_id, body, headers=MEMBER):
    return client.simulate_post(f"/v2.1/servers/{server_id}/action", headers=headers,
                                json=body)


@pytest.mark.parametrize("name", sorted(unsupported_actions.NAMES))
def test_a_missing_server_is_404_whatever_the_action(client, name):
    resp = _action(client, MISSING, {name: None}, ADMIN)
    assert resp.status_code == 404, resp.text


def test_another_projects_server_is_404(client, server):
    assert _action(client, server, {"migrate": None}, OTHER).status_code == 404


@pytest.mark.parametrize("name", sorted(unsupported_actions.NEEDS_STATE))
def test_actions_needing_a_state_mininova_never_reaches_are_409(client, server, name):
    resp = _action(client, server, {name: None}, ADMIN)
    assert resp.status_code == 409, resp.text
    assert f"Cannot '{name}' instance {server} while it is in vm_state active" in \
        resp.json["conflictingRequest"]["message"]


@pytest.mark.parametrize("name", ["suspend", "pause", "createImage", "shelve"])
def test_unsupported_actions_say_so(client, server, name):
    resp = _action(client, server, {name: {}}, ADMIN)
    assert resp.status_code == 400
    assert name in resp.json["badRequest"]["message"]
    assert "not supported" in resp.json["badRequest"]["message"]


def test_unknown_action_is_still_no_such_action(client, server):
    resp = _action(client, server, {"fly": None})
    assert resp.status_code == 400
    assert resp.json["badRequest"]["message"] == "There is no such action: fly"


def test_force_delete_deletes_in_any_state(client, server):
    assert _action(client, server, {"forceDelete": None}).status_code == 202
    assert client.simulate_get(f"/v2.1/servers/{server}",
                               headers=MEMBER).status_code == 404
