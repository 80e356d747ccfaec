"""os-networks: the flat network below 2.36 (admins see the nova-network fields too),
404 for any other id and from 2.36, 410 for nova-network's writes."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
NET = "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.mark.parametrize("headers", [ADMIN, MEMBER], ids=["admin", "member"])
def test_the_flat_network_is_listed_and_shown_below_2_36(client, headers):
    resp = client.simulate_get("/v2.1/os-networks", headers={**headers, **_v("2.35")})
    assert resp.status_code == 200, resp.text
    (network,) = resp.json["networks"]
    assert (network["label"], network["cidr"], network["gateway"]) == (
        "private", "10.99.0.0/24", "10.99.0.1")
    assert ("bridge" in network) == (headers is ADMIN)
    shown = client.simulate_get(f"/v2.1/os-networks/{network['id']}", headers=headers)
    assert (shown.status_code, shown.json) == (200, {"network": network})
    shown = client.simulate_get(f"/v2.1/os-networks/{NET}", headers=headers)
    assert shown.status_code == 404
    assert shown.json["itemNotFound"]["message"] == f"Network {NET} could not be found."


def test_the_proxy_is_gone_from_2_36(client):
    for path in ("/v2.1/os-networks", f"/v2.1/os-networks/{NET}"):
        assert client.simulate_get(path, headers={**ADMIN, **_v("2.36")}).status_code == 404


def test_nova_network_writes_are_410(client):
    assert client.simulate_post("/v2.1/os-networks", headers=ADMIN,
                                json={"network": {"label": "x"}}).status_code == 410
    assert client.simulate_delete(f"/v2.1/os-networks/{NET}",
                                  headers=ADMIN).status_code == 410
    assert client.simulate_post(f"/v2.1/os-networks/{NET}/action", headers=ADMIN,
                                json={"disassociate": None}).status_code == 410
