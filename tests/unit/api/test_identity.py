"""The noauth2 Identity v3 subset (/identity) in-process: version discovery, project
look-ups by id and by name, who sees which project, and clear faults for the rest."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi
from tests.unit.api.test_auth import keystone_tokens  # noqa: F401 - a fixture

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def test_version_documents_need_no_token_and_carry_no_microversion(client):
    root = client.simulate_get("/identity")
    assert root.status_code == 200, root.text
    (v3,) = root.json["versions"]["values"]
    assert v3["id"].startswith("v3.") and v3["status"] == "stable"
    assert v3["links"][0]["href"].endswith("/identity/v3/")
    version = client.simulate_get("/identity/v3")
    assert version.status_code == 200 and version.json["version"]["id"] == v3["id"]
    assert "OpenStack-API-Version" not in version.headers
    assert version.headers["X-Openstack-Request-Id"].startswith("req-")


def test_admin_finds_any_project_by_id_and_by_name(client):
    shown = client.simulate_get("/identity/v3/projects/demo", headers=ADMIN)
    assert shown.status_code == 200, shown.text
    assert {k: shown.json["project"][k] for k in ("id", "name", "domain_id", "enabled")} == {
        "id": "demo", "name": "demo", "domain_id": "default", "enabled": True}
    listed = client.simulate_get("/identity/v3/projects", params={"name": "demo"},
                                 headers=ADMIN)
    assert [p["id"] for p in listed.json["projects"]] == ["demo"]
    other_domain = client.simulate_get("/identity/v3/projects", headers=ADMIN,
                                       params={"name": "demo", "domain_id": "d2"})
    assert other_domain.json["projects"] == []
    blank = client.simulate_get("/identity/v3/projects?name=", headers=ADMIN)
    assert blank.status_code == 200 and blank.json["projects"] == []


def test_member_sees_only_its_own_project(client):
    own = client.simulate_get("/identity/v3/projects/p1", headers=ALICE)
    assert own.status_code == 200 and own.json["project"]["name"] == "p1"
    other = client.simulate_get("/identity/v3/projects/p2", headers=ALICE)
    assert other.status_code == 403 and "forbidden" in other.json
    by_name = {name: client.simulate_get("/identity/v3/projects", params={"name": name},
                                         headers=ALICE).json["projects"]
               for name in ("p1", "p2")}
    assert [p["id"] for p in by_name["p1"]] == ["p1"] and by_name["p2"] == []


def test_project_reads_need_a_token(client):
    resp = client.simulate_get("/identity/v3/projects/demo")
    assert resp.status_code == 401 and "unauthorized" in resp.json


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/identity/v3/projects", 501),  # no registry to list
    ("GET", "/identity/v3/users", 501),
    ("POST", "/identity/v3/auth/tokens", 501),
    ("DELETE", "/identity/v3/projects/demo", 405),
])
def test_the_rest_is_a_clear_fault(client, method, path, status):
    resp = client.simulate_request(method, path, headers=ADMIN)
    assert resp.status_code == status, resp.text
    (fault,) = resp.json.values()
    assert fault["code"] == status and fault["message"]


def test_keystone_mode_does_not_serve_it(keystone_tokens):  # noqa: F811
    headers = {"X-Auth-Token": "admin-token"}
    assert keystone_tokens.simulate_get("/identity/v3/projects/adm",
                                        headers=headers).status_code == 404
    assert keystone_tokens.simulate_get("/identity/v3").status_code == 404
