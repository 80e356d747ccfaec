"""Private flavors and os-flavor-access: who sees, shows and boots a private flavor, and
the admin API that shares it with projects (tempest's flavors access tests' requests)."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
BOB = {"X-Auth-Token": "bob:p2"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"


@pytest.fixture
def client(db, admin_ctxt):
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0, min_ram=0,
                  properties={}).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    client = testing.TestClient(wsgi.create_app(CONF, transport))
    for flavor_id, public in (("pub", True), ("priv", "False")):
        resp = client.simulate_post("/v2.1/flavors", headers=ADMIN, json={"flavor": {
            "name": f"m1.{flavor_id}", "id": flavor_id, "ram": 512, "vcpus": 1,
            "disk": 1, "os-flavor-access:is_public": public}})
        assert resp.status_code == 200, resp.text
    return client


def _action(client, action: str, tenant: str, headers: dict = ADMIN, flavor: str = "priv",
            version: str = "2.1"):
    return client.simulate_post(
        f"/v2.1/flavors/{flavor}/action", json={action: {"tenant": tenant}},
        headers={**headers, "OpenStack-API-Version": f"compute {version}"})


def _listed(client, headers: dict, **params) -> set[str]:
    resp = client.simulate_get("/v2.1/flavors/detail", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    return {f["id"] for f in resp.json["flavors"]}


def _boot(client, headers: dict, flavor: str):
    return client.simulate_post("/v2.1/servers", headers=headers, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": flavor, "networks": "none"}})


def test_a_private_flavor_is_shown_private_and_starts_shared_with_nobody(client):
    flavor = client.simulate_get("/v2.1/flavors/priv", headers=ADMIN).json["flavor"]
    assert flavor["os-flavor-access:is_public"] is False
    resp = client.simulate_get("/v2.1/flavors/priv/os-flavor-access", headers=ADMIN)
    assert resp.status_code == 200 and resp.json == {"flavor_access": []}
    # Not even with the admin's own project (Nova's bug 1209101 behaviour).
    assert "priv" not in _listed(client, ADMIN)


def test_share_and_unshare_decide_what_a_project_sees_and_boots(client):
    assert "priv" not in _listed(client, ALICE)
    assert client.simulate_get("/v2.1/flavors/priv", headers=ALICE).status_code == 404
    refused = _boot(client, ALICE, "priv")
    assert refused.status_code == 400 and "priv" in refused.json["badRequest"]["message"]

    added = _action(client, "addTenantAccess", "p1")
    assert added.status_code == 200, added.text
    assert added.json == {"flavor_access": [{"flavor_id": "priv", "tenant_id": "p1"}]}
    assert _listed(client, ALICE) == {"pub", "priv"}
    assert "priv" not in _listed(client, BOB)
    assert client.simulate_get("/v2.1/flavors/priv", headers=ALICE).status_code == 200
    assert client.simulate_get("/v2.1/flavors/priv", headers=BOB).status_code == 404
    assert _boot(client, ALICE, "priv").status_code == 202
    assert _boot(client, BOB, "priv").status_code == 400

    _action(client, "addTenantAccess", "p2")
    listed = client.simulate_get("/v2.1/flavors/priv/os-flavor-access", headers=ADMIN)
    assert {a["tenant_id"] for a in listed.json["flavor_access"]} == {"p1", "p2"}
    removed = _action(client, "removeTenantAccess", "p1")
    assert removed.status_code == 200
    assert removed.json == {"flavor_access": [{"flavor_id": "priv", "tenant_id": "p2"}]}
    assert "priv" not in _listed(client, ALICE)
    assert client.simulate_get("/v2.1/flavors/priv/os-extra_specs",
                               headers=ALICE).status_code == 404


def test_sharing_twice_is_409_and_unsharing_what_is_not_shared_404(client):
    assert _action(client, "addTenantAccess", "p1").status_code == 200
    again = _action(client, "addTenantAccess", "p1")
    assert again.status_code == 409 and "conflictingRequest" in again.json
    missing = _action(client, "removeTenantAccess", "p2")
    assert missing.status_code == 404 and "itemNotFound" in missing.json
    assert _action(client, "addTenantAccess", "p1", flavor="nope").status_code == 404


def test_public_flavors_have_no_access_list(client):
    resp = client.simulate_get("/v2.1/flavors/pub/os-flavor-access", headers=ADMIN)
    assert resp.status_code == 404
    assert resp.json["itemNotFound"]["message"] == (
        "Access list not available for public flavors.")
    # Sharing a public flavor: refused from 2.7, quietly stored before.
    assert _action(client, "addTenantAccess", "p1", flavor="pub",
                   version="2.7").status_code == 409
    assert _action(client, "addTenantAccess", "p1", flavor="pub",
                   version="2.6").status_code == 200


def test_flavor_access_is_admin_only(client):
    assert _action(client, "addTenantAccess", "p1", headers=ALICE).status_code == 403
    _action(client, "addTenantAccess", "p1")
    assert _action(client, "removeTenantAccess", "p1", headers=ALICE).status_code == 403
    assert client.simulate_get("/v2.1/flavors/priv/os-flavor-access",
                               headers=ALICE).status_code == 403


@pytest.mark.parametrize("body", [
    {"addTenantAccess": {}}, {"addTenantAccess": {"tenant": ""}},
    {"addTenantAccess": {"tenant": 5}}, {"addTenantAccess": {"tenant": "p", "x": 1}},
    {"removeTenantAccess": None}, {"shareIt": {"tenant": "p1"}}, {},
    {"addTenantAccess": {"tenant": "p1"}, "removeTenantAccess": {"tenant": "p1"}},
])
def test_bad_action_bodies_are_400(client, body):
    resp = client.simulate_post("/v2.1/flavors/priv/action", json=body, headers=ADMIN)
    assert resp.status_code == 400, resp.text


def test_deleting_a_shared_flavor_drops_its_shares(client):
    _action(client, "addTenantAccess", "p1")
    assert client.simulate_delete("/v2.1/flavors/priv", headers=ADMIN).status_code == 202
    assert "priv" not in _listed(client, ALICE)
