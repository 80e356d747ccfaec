"""Flavors across microversions: description (2.55, with PUT to change it), extra_specs
in flavor bodies (2.61) and swap 0 rather than "" (2.75)."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}


def _at(version: str, headers: dict = ADMIN) -> dict:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    client = testing.TestClient(wsgi.create_app(CONF, transport))
    resp = client.simulate_post("/v2.1/flavors", headers=_at("2.1"), json={
        "flavor": {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    return client


def _show(client, version: str, flavor_id: str = "1") -> dict:
    resp = client.simulate_get(f"/v2.1/flavors/{flavor_id}", headers=_at(version, ALICE))
    assert resp.status_code == 200, resp.text
    return resp.json["flavor"]


def test_description_from_255_in_every_view(client):
    assert "description" not in _show(client, "2.54")
    resp = client.simulate_post("/v2.1/flavors", headers=_at("2.55"), json={"flavor": {
        "name": "m1.desc", "id": "2", "ram": 512, "vcpus": 1, "disk": 1,
        "description": "for tests"}})
    assert resp.status_code == 200, resp.text
    assert resp.json["flavor"]["description"] == "for tests"
    assert _show(client, "2.55", "2")["description"] == "for tests"
    assert _show(client, "2.55")["description"] is None
    for path in ("/v2.1/flavors", "/v2.1/flavors/detail"):
        listed = client.simulate_get(path, headers=_at("2.55")).json["flavors"]
        assert {f["id"]: f["description"] for f in listed} == {"1": None, "2": "for tests"}
        old = client.simulate_get(path, headers=_at("2.54")).json["flavors"]
        assert all("description" not in f for f in old)


def test_description_needs_255_to_be_set(client):
    resp = client.simulate_post("/v2.1/flavors", headers=_at("2.54"), json={"flavor": {
        "name": "m1.d", "ram": 512, "vcpus": 1, "disk": 1, "description": "early"}})
    assert resp.status_code == 400 and "badRequest" in resp.json
    # What clients send below 2.55: an explicit null.
    resp = client.simulate_post("/v2.1/flavors", headers=_at("2.1"), json={"flavor": {
        "name": "m1.d", "ram": 512, "vcpus": 1, "disk": 1, "description": None}})
    assert resp.status_code == 200, resp.text


def test_put_updates_the_description_admin_only(client):
    resp = client.simulate_put("/v2.1/flavors/1", headers=_at("2.55"),
                               json={"flavor": {"description": "small"}})
    assert resp.status_code == 200, resp.text
    assert resp.json["flavor"]["description"] == "small"
    assert _show(client, "2.55")["description"] == "small"
    assert client.simulate_put("/v2.1/flavors/1", headers=_at("2.55"), json={
        "flavor": {"description": None}}).json["flavor"]["description"] is None

    assert client.simulate_put("/v2.1/flavors/1", headers=_at("2.55", ALICE), json={
        "flavor": {"description": "x"}}).status_code == 403
    assert client.simulate_put("/v2.1/flavors/1", headers=_at("2.54"), json={
        "flavor": {"description": "x"}}).status_code == 404
    assert client.simulate_put("/v2.1/flavors/9", headers=_at("2.55"), json={
        "flavor": {"description": "x"}}).status_code == 404
    for bad in ({"flavor": {"ram": 1}}, {"flavor": {}}, {"flavor": {"description": 5}},
                {"flavor": {"description": "a\x00b"}}):
        resp = client.simulate_put("/v2.1/flavors/1", headers=_at("2.55"), json=bad)
        assert resp.status_code == 400, bad


def test_extra_specs_in_flavor_bodies_from_261(client):
    assert "extra_specs" not in _show(client, "2.60")
    assert _show(client, "2.61")["extra_specs"] == {}
    detail = client.simulate_get("/v2.1/flavors/detail", headers=_at("2.61")).json
    assert all(f["extra_specs"] == {} for f in detail["flavors"])
    listed = client.simulate_get("/v2.1/flavors", headers=_at("2.61")).json
    assert all("extra_specs" not in f for f in listed["flavors"])
    specs = client.simulate_get("/v2.1/flavors/1/os-extra_specs", headers=_at("2.61"))
    assert specs.json == {"extra_specs": {}}


def test_no_swap_is_empty_string_then_zero_at_275(client):
    assert _show(client, "2.74")["swap"] == ""
    assert _show(client, "2.75")["swap"] == 0
    client.simulate_post("/v2.1/flavors", headers=_at("2.1"), json={"flavor": {
        "name": "m1.swap", "id": "3", "ram": 512, "vcpus": 1, "disk": 1, "swap": 256}})
    assert _show(client, "2.74", "3")["swap"] == _show(client, "2.75", "3")["swap"] == 256


def test_post_to_flavors_detail_is_405(client):
    resp = client.simulate_post("/v2.1/flavors/detail", headers=ADMIN, json={
        "flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 405
    assert "x" not in {f["name"] for f in client.simulate_get(
        "/v2.1/flavors", headers=ADMIN).json["flavors"]}


def test_a_create_that_loses_the_race_is_409_not_500(client, monkeypatch):
    """Two creates of one name: the loser's insert hits the unique index -> 409."""
    from mininova.db import api as db_api

    body = {"flavor": {"name": "twin", "ram": 1, "vcpus": 1, "disk": 1}}
    assert client.simulate_post("/v2.1/flavors", headers=ADMIN, json=body).status_code == 200
    real_scalars = db_api.sa.orm.Session.scalars

    def no_clash_seen(self, statement, *args, **kwargs):
        # NOTE: the check-then-insert window: the first query finds nothing.
        if "flavors" in str(statement) and "INSERT" not in str(statement):
            monkeypatch.setattr(db_api.sa.orm.Session, "scalars", real_scalars)
            return real_scalars(self, statement.where(db_api.sa.false()), *args, **kwargs)
        return real_scalars(self, statement, *args, **kwargs)

    monkeypatch.setattr(db_api.sa.orm.Session, "scalars", no_clash_seen)
    resp = client.simulate_post("/v2.1/flavors", headers=ADMIN, json=body)
    assert resp.status_code == 409, resp.text
    assert "conflictingRequest" in resp.json


@pytest.mark.parametrize("ram", [2**31, "2147483648"])
def test_sizes_past_the_database_integer_are_400(client, ram):
    resp = client.simulate_post("/v2.1/flavors", headers=ADMIN, json={
        "flavor": {"name": "huge", "ram": ram, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 400, resp.text
    assert "2147483647" in resp.json["badRequest"]["message"]
