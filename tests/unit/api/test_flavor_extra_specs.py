"""os-extra_specs in-process: set, list, show, update, unset; Nova's body rules, 404s and
policies; extra specs in flavor bodies (2.61) and in a server's embedded flavor (2.47)."""
from unittest import mock

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa
from falcon import testing

from mininova import conf
from mininova import context as mn_context
from mininova import objects
from mininova.api import wsgi
from mininova.db import api as db_api
from mininova.db import flavors as db_flavors
from mininova.db import models

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
SPECS = "/v2.1/flavors/1/os-extra_specs"


def _at(version: str, headers: dict = ADMIN) -> dict:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def _app():
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.fixture
def client(db):
    client = _app()
    resp = client.simulate_post("/v2.1/flavors", headers=ADMIN, json={
        "flavor": {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    return client


def _set(client, specs: dict, path: str = SPECS, headers: dict = ADMIN):
    return client.simulate_post(path, headers=headers, json={"extra_specs": specs})


def _fault(resp, code: int) -> str:
    """The message of a Nova fault body with ``code``."""
    assert resp.status_code == code, resp.text
    (fault,) = resp.json.values()
    assert fault["code"] == code
    return fault["message"]


def test_set_list_show_update_and_unset(client):
    assert client.simulate_get(SPECS, headers=ADMIN).json == {"extra_specs": {}}
    resp = _set(client, {"hw:cpu_policy": "dedicated", "quota:cpu_quota": 10000})
    # NOTE: as Nova, a write answers with the body it was sent, numbers included.
    assert (resp.status_code, resp.json) == (
        200, {"extra_specs": {"hw:cpu_policy": "dedicated", "quota:cpu_quota": 10000}})
    # ... and keeps every value as a string.
    assert client.simulate_get(SPECS, headers=ADMIN).json == {"extra_specs": {
        "hw:cpu_policy": "dedicated", "quota:cpu_quota": "10000"}}
    shown = client.simulate_get(f"{SPECS}/quota:cpu_quota", headers=ADMIN)
    assert (shown.status_code, shown.json) == (200, {"quota:cpu_quota": "10000"})

    # POST merges: new keys are added, existing ones overwritten, others kept.
    assert _set(client, {"hw:cpu_policy": "shared", "my key.x-y_z": ""}).status_code == 200
    updated = client.simulate_put(f"{SPECS}/quota:cpu_quota", headers=ADMIN,
                                  json={"quota:cpu_quota": "20000"})
    assert (updated.status_code, updated.json) == (200, {"quota:cpu_quota": "20000"})
    assert client.simulate_get(SPECS, headers=ADMIN).json["extra_specs"] == {
        "hw:cpu_policy": "shared", "quota:cpu_quota": "20000", "my key.x-y_z": ""}

    # A key with a space is addressed percent-encoded.
    assert client.simulate_get(f"{SPECS}/my%20key.x-y_z", headers=ADMIN).json == {
        "my key.x-y_z": ""}
    deleted = client.simulate_delete(f"{SPECS}/hw:cpu_policy", headers=ADMIN)
    assert (deleted.status_code, deleted.text) == (200, "")
    assert client.simulate_get(SPECS, headers=ADMIN).json["extra_specs"] == {
        "quota:cpu_quota": "20000", "my key.x-y_z": ""}
    assert "has no extra specs with key hw:cpu_policy" in _fault(
        client.simulate_get(f"{SPECS}/hw:cpu_policy", headers=ADMIN), 404)
    assert "has no extra specs with key hw:cpu_policy" in _fault(
        client.simulate_delete(f"{SPECS}/hw:cpu_policy", headers=ADMIN), 404)


def test_put_needs_exactly_the_key_of_its_url(client):
    _set(client, {"a": "1"})
    path = f"{SPECS}/a"
    assert _fault(client.simulate_put(path, headers=ADMIN, json={"b": "2"}),
                  400) == "Request body and URI mismatch"
    for body in ({}, {"a": "1", "b": "2"}, {"extra_specs": {"a": "1"}}, ["a"]):
        _fault(client.simulate_put(path, headers=ADMIN, json=body), 400)
    # A key the URL does not hold yet is created by PUT, as in Nova.
    assert client.simulate_put(f"{SPECS}/new", headers=ADMIN,
                               json={"new": "v"}).status_code == 200
    assert client.simulate_get(f"{SPECS}/new", headers=ADMIN).json == {"new": "v"}


@pytest.mark.parametrize("body", [
    {},
    {"extra_specs": "a=b"},
    {"extra_specs": {"a": "b"}, "other": 1},
    {"extra_specs": {"bad/key": "v"}},
    {"extra_specs": {"bad?key": "v"}},
    {"extra_specs": {"": "v"}},
    {"extra_specs": {"k" * 256: "v"}},
    {"extra_specs": {"k": "v" * 256}},
    {"extra_specs": {"k": 10 ** 256}},
    {"extra_specs": {"k": None}},
    {"extra_specs": {"k": True}},
    {"extra_specs": {"k": {"nested": "v"}}},
], ids=["empty", "not-an-object", "extra-property", "slash-in-key", "question-mark",
        "empty-key", "long-key", "long-value", "long-number", "null", "boolean", "nested"])
def test_bodies_nova_refuses_are_400(client, body):
    resp = client.simulate_post(SPECS, headers=ADMIN, json=body)
    _fault(resp, 400)
    assert client.simulate_get(SPECS, headers=ADMIN).json == {"extra_specs": {}}


def test_longest_key_and_value_are_accepted(client):
    key, value = "k" * 255, "v" * 255
    assert _set(client, {key: value}).status_code == 200
    assert client.simulate_get(f"{SPECS}/{key}", headers=ADMIN).json == {key: value}


def test_unknown_flavor_is_404_for_every_method(client):
    path = "/v2.1/flavors/nope/os-extra_specs"
    for resp in (client.simulate_get(path, headers=ADMIN),
                 _set(client, {"a": "b"}, path=path),
                 client.simulate_get(f"{path}/a", headers=ADMIN),
                 client.simulate_put(f"{path}/a", headers=ADMIN, json={"a": "b"}),
                 client.simulate_delete(f"{path}/a", headers=ADMIN)):
        assert _fault(resp, 404) == "Flavor nope could not be found."


def test_members_read_and_only_admins_write(client):
    _set(client, {"a": "1"})
    assert client.simulate_get(SPECS, headers=MEMBER).json == {"extra_specs": {"a": "1"}}
    assert client.simulate_get(f"{SPECS}/a", headers=MEMBER).json == {"a": "1"}
    for resp in (_set(client, {"a": "2"}, headers=MEMBER),
                 client.simulate_put(f"{SPECS}/a", headers=MEMBER, json={"a": "2"}),
                 client.simulate_delete(f"{SPECS}/a", headers=MEMBER)):
        assert "os-flavor-extra-specs" in _fault(resp, 403)
    assert client.simulate_get(SPECS, headers=ADMIN).json == {"extra_specs": {"a": "1"}}


def test_flavor_bodies_show_extra_specs_from_261(client):
    _set(client, {"hw:mem_page_size": "large"})
    expected = {"hw:mem_page_size": "large"}
    shown = client.simulate_get("/v2.1/flavors/1", headers=_at("2.61", MEMBER))
    assert shown.json["flavor"]["extra_specs"] == expected
    old = client.simulate_get("/v2.1/flavors/1", headers=_at("2.60", MEMBER))
    assert "extra_specs" not in old.json["flavor"]
    detail = client.simulate_get("/v2.1/flavors/detail", headers=_at("2.61"))
    assert detail.json["flavors"][0]["extra_specs"] == expected
    listed = client.simulate_get("/v2.1/flavors", headers=_at("2.61"))
    assert "extra_specs" not in listed.json["flavors"][0]
    updated = client.simulate_put("/v2.1/flavors/1", headers=_at("2.61"),
                                  json={"flavor": {"description": "d"}})
    assert updated.json["flavor"]["extra_specs"] == expected
    created = client.simulate_post("/v2.1/flavors", headers=_at("2.61"), json={
        "flavor": {"name": "m1.new", "ram": 1, "vcpus": 1, "disk": 0}})
    assert created.json["flavor"]["extra_specs"] == {}


def test_who_may_not_list_them_sees_no_extra_specs_key(client, tmp_path, flags):
    _set(client, {"a": "1"})
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"os_compute_api:os-flavor-extra-specs:index": "role:admin"\n')
    flags(policy_file=str(policy_file), group="oslo_policy")
    client = _app()
    assert "extra_specs" not in client.simulate_get(
        "/v2.1/flavors/1", headers=_at("2.61", MEMBER)).json["flavor"]
    assert client.simulate_get(
        "/v2.1/flavors/1", headers=_at("2.61")).json["flavor"]["extra_specs"] == {"a": "1"}
    _fault(client.simulate_get(SPECS, headers=MEMBER), 403)


def test_writers_colliding_on_a_new_key_end_in_409_after_retries(client):
    collision = sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    with mock.patch.object(db_flavors, "_flavor_row", side_effect=collision) as row:
        message = _fault(_set(client, {"a": "1"}), 409)
    assert message == "Flavor 1 extra spec cannot be updated or created after 10 retries."
    assert row.call_count == 10


def test_deleting_a_flavor_deletes_its_extra_specs(client):
    _set(client, {"a": "1", "b": "2"})
    assert client.simulate_delete("/v2.1/flavors/1", headers=ADMIN).status_code == 202
    with db_api.session() as sess:
        assert sess.scalar(sa.select(sa.func.count()).select_from(
            models.FlavorExtraSpec)) == 0
    client.simulate_post("/v2.1/flavors", headers=ADMIN, json={
        "flavor": {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}})
    assert client.simulate_get(SPECS, headers=ADMIN).json == {"extra_specs": {}}


def test_listing_flavors_reads_extra_specs_in_one_query(client, admin_ctxt):
    """No query per flavor: the extra specs of a whole list come in one more query."""
    for n in range(2, 7):
        objects.Flavor(admin_ctxt, flavorid=str(n), name=f"m{n}", memory_mb=n, vcpus=1,
                       root_gb=1, disabled=False, is_public=True,
                       extra_specs={"n": str(n)}).create()
    statements = []
    engine = db_api._ENGINE.sessionmaker().kw["bind"]

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        flavors = objects.FlavorList.get_all(admin_ctxt)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert {f.flavorid: f.extra_specs for f in flavors}["4"] == {"n": "4"}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_a_server_keeps_the_extra_specs_of_its_boot(client, admin_ctxt):
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0, min_ram=0,
                  properties={}).create()
    _set(client, {"hw:cpu_policy": "dedicated"})
    created = client.simulate_post("/v2.1/servers", headers=_at("2.47", MEMBER), json={
        "server": {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1",
                   "networks": "none"}})
    assert created.status_code == 202, created.text
    server_id = created.json["server"]["id"]
    # The flavor changes afterwards; the server's embedded flavor does not.
    _set(client, {"hw:cpu_policy": "shared", "later": "x"})

    def embedded(version: str) -> dict:
        resp = client.simulate_get(f"/v2.1/servers/{server_id}",
                                   headers=_at(version, MEMBER))
        return resp.json["server"]["flavor"]

    assert embedded("2.47")["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert "extra_specs" not in embedded("2.46")
    detail = client.simulate_get("/v2.1/servers/detail", headers=_at("2.100", MEMBER))
    assert detail.json["servers"][0]["flavor"]["extra_specs"] == {
        "hw:cpu_policy": "dedicated"}
    # Even once the flavor is gone.
    client.simulate_delete("/v2.1/flavors/1", headers=ADMIN)
    assert embedded("2.100")["extra_specs"] == {"hw:cpu_policy": "dedicated"}


def test_an_instance_backported_to_1_0_drops_the_extra_specs_copy():
    inst = objects.Instance(mn_context.get_admin_context(), display_name="vm",
                            flavor_extra_specs={"a": "1"})
    assert "flavor_extra_specs" in inst.obj_to_primitive()["mininova_object.data"]
    old = inst.obj_to_primitive(target_version="1.0")["mininova_object.data"]
    assert "flavor_extra_specs" not in old and old["display_name"] == "vm"
