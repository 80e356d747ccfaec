"""os-quota-class-sets in-process: the class ``default`` sets every project's defaults;
fields by microversion as Nova (2.50 and 2.57)."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
URL = "/v2.1/os-quota-class-sets/default"
NETWORK = {"floating_ips", "fixed_ips", "security_groups", "security_group_rules"}
INJECTED = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}
BASE = {"instances", "cores", "ram", "metadata_items", "key_pairs"}
GROUPS = {"server_groups", "server_group_members"}


def _at(version: str) -> dict:
    return {**ADMIN, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, flags):
    flags(instances=10, ram=51200, group="quota")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.mark.parametrize("version, fields", [
    ("2.1", BASE | NETWORK | INJECTED), ("2.49", BASE | NETWORK | INJECTED),
    ("2.50", BASE | GROUPS | INJECTED), ("2.57", BASE | GROUPS)])
def test_tempests_bump_every_default_by_100(client, version, fields):
    shown = client.simulate_get(URL, headers=_at(version)).json["quota_class_set"]
    assert shown.pop("id") == "default" and set(shown) == fields
    bumped = {key: value + 100 for key, value in shown.items()}
    updated = client.simulate_put(URL, headers=_at(version),
                                  json={"quota_class_set": bumped})
    assert updated.status_code == 200, updated.text
    assert updated.json["quota_class_set"] == bumped
    assert client.simulate_get(URL, headers=_at(version)).json["quota_class_set"] == {
        "id": "default", **bumped}


def test_the_default_class_is_every_projects_default(client):
    client.simulate_put(URL, headers=ADMIN, json={"quota_class_set": {"instances": 3}})
    client.simulate_put("/v2.1/os-quota-sets/p2", headers=ADMIN,
                        json={"quota_set": {"instances": 7}})
    defaults = client.simulate_get("/v2.1/os-quota-sets/p1/defaults", headers=ALICE)
    assert defaults.json["quota_set"]["instances"] == 3
    assert client.simulate_get("/v2.1/os-quota-sets/p1",
                               headers=ALICE).json["quota_set"]["instances"] == 3
    # A project's own limit wins; the [quota] option fills what the class leaves.
    p2 = client.simulate_get("/v2.1/os-quota-sets/p2", headers=ADMIN).json["quota_set"]
    assert (p2["instances"], p2["ram"]) == (7, 51200)
    absolute = client.simulate_get("/v2.1/limits", headers=ALICE).json["limits"]["absolute"]
    assert absolute["maxTotalInstances"] == 3


@pytest.mark.parametrize("version, body", [
    ("2.50", {"fixed_ips": 1}), ("2.57", {"injected_files": 1}), ("2.1", {"cores": -2}),
    ("2.1", {"cores": "lots"}), ("2.1", {"no_such": 1}), ("2.1", {"force": True})])
def test_what_nova_refuses_is_400(client, version, body):
    resp = client.simulate_put(URL, headers=_at(version), json={"quota_class_set": body})
    assert resp.status_code == 400, body


def test_admins_only(client):
    assert client.simulate_get(URL, headers=ALICE).status_code == 403
    assert client.simulate_put(URL, headers=ALICE, json={
        "quota_class_set": {"cores": 1}}).status_code == 403
