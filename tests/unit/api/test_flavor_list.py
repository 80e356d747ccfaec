"""GET /flavors and /flavors/detail as Nova serves them (filters, sorting, paging, the
400s), flavor ids and boolean strings at create, and the image-size rules at boot."""
import urllib.parse
import uuid

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
# id, ram, disk, public
FLAVORS = [("1", 512, 1, True), ("2", 2048, 20, True), ("3", 4096, 40, True),
           ("4", 1024, 10, False), ("5", 256, 5, True)]


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    client = testing.TestClient(wsgi.create_app(CONF, transport))
    for flavor_id, ram, disk, public in FLAVORS:
        resp = client.simulate_post("/v2.1/flavors", headers=ADMIN, json={"flavor": {
            "name": f"f{flavor_id}", "id": flavor_id, "ram": ram, "vcpus": 1,
            "disk": disk, "os-flavor-access:is_public": public}})
        assert resp.status_code == 200, resp.text
    return client


def _ids(client, headers: dict = ALICE, path: str = "/v2.1/flavors/detail",
         version: str = "2.1", **params) -> list[str]:
    resp = client.simulate_get(path, headers={**headers, "OpenStack-API-Version":
                                              f"compute {version}"}, params=params)
    assert resp.status_code == 200, resp.text
    return [f["id"] for f in resp.json["flavors"]]


def _bad(client, headers: dict = ALICE, version: str = "2.1", **params) -> str:
    resp = client.simulate_get("/v2.1/flavors", params=params, headers={
        **headers, "OpenStack-API-Version": f"compute {version}"})
    assert resp.status_code == 400, resp.text
    return resp.json["badRequest"]["message"]


def test_default_order_is_by_flavor_id_and_private_ones_are_left_out(client):
    assert _ids(client) == ["1", "2", "3", "5"]
    assert _ids(client, ADMIN, path="/v2.1/flavors") == ["1", "2", "3", "5"]


def test_min_ram_and_min_disk(client):
    assert _ids(client, minRam="1024") == ["2", "3"]
    assert _ids(client, minDisk="20") == ["2", "3"]
    assert _ids(client, minRam="256", minDisk="5", path="/v2.1/flavors") == ["2", "3", "5"]
    assert _bad(client, minRam="lots") == "Invalid minRam filter [lots]"
    assert _bad(client, minDisk="1.5") == "Invalid minDisk filter [1.5]"


@pytest.mark.parametrize("value, expected", [
    ("f", ["4"]), ("false", ["4"]), ("no", ["4"]), ("0", ["4"]),
    ("t", ["1", "2", "3", "5"]), ("TRUE", ["1", "2", "3", "5"]), ("yes", ["1", "2", "3", "5"]),
    ("1", ["1", "2", "3", "5"]), ("none", ["1", "2", "3", "4", "5"]),
    ("None", ["1", "2", "3", "4", "5"]),
])
def test_is_public_filter_for_admins(client, value, expected):
    assert _ids(client, ADMIN, is_public=value) == expected


def test_is_public_is_ignored_for_others_and_checked_for_admins(client):
    assert _ids(client, is_public="false") == ["1", "2", "3", "5"]
    assert _ids(client, is_public="bogus") == ["1", "2", "3", "5"]
    assert _bad(client, ADMIN, is_public="bogus") == "Invalid is_public filter [bogus]"


def test_sort_key_and_dir(client):
    assert _ids(client, sort_key="memory_mb") == ["5", "1", "2", "3"]
    assert _ids(client, sort_key="root_gb", sort_dir="desc") == ["3", "2", "5", "1"]
    assert _ids(client, sort_key="rxtx_factor", sort_dir="desc") == ["5", "3", "2", "1"]
    assert "sort_key" in _bad(client, sort_key="ram")
    assert "sort_dir" in _bad(client, sort_dir="up")


def test_limit_marker_and_next_links_walk_every_flavor_once(client):
    for path in ("/v2.1/flavors", "/v2.1/flavors/detail"):
        seen, params = [], {"limit": "2", "sort_key": "memory_mb"}
        while True:
            resp = client.simulate_get(path, headers=ALICE, params=params)
            assert resp.status_code == 200, resp.text
            seen += [f["id"] for f in resp.json["flavors"]]
            links = resp.json.get("flavors_links")
            if not links:
                break
            href = urllib.parse.urlsplit(links[0]["href"])
            assert links[0]["rel"] == "next" and href.path == path
            params = dict(urllib.parse.parse_qsl(href.query))
        assert seen == ["5", "1", "2", "3"]
    assert _ids(client, marker="2") == ["3", "5"]
    assert _ids(client, limit="0") == []
    assert _ids(client, limit="1", marker="1", minRam="2000") == ["2"]


def test_bad_paging_is_400(client):
    assert _bad(client, marker="9") == "marker [9] not found"
    # A private flavor the caller cannot see is no marker for them.
    assert _bad(client, marker="4") == "marker [4] not found"
    assert _ids(client, ADMIN, marker="4", is_public="none") == ["5"]
    for limit in ("-1", "x", ""):
        assert "limit" in _bad(client, limit=limit)


def test_unknown_parameters_are_ignored_until_275(client):
    assert _ids(client, version="2.74", flavor_type="x") == ["1", "2", "3", "5"]
    assert "flavor_type" in _bad(client, version="2.75", flavor_type="x")


def _create(client, **fields):
    body = {"flavor": {"name": f"n-{uuid.uuid4()}", "ram": 512, "vcpus": 1, "disk": 1,
                       **fields}}
    return client.simulate_post("/v2.1/flavors", headers=ADMIN, json=body)


@pytest.mark.parametrize("given, shown", [(1234, "1234"), ("abc.d_e-f 1", "abc.d_e-f 1"),
                                          ("5e0b6b8a-8a3e-4a6e-9d8c-3e2b1f0a9c7d",
                                           "5e0b6b8a-8a3e-4a6e-9d8c-3e2b1f0a9c7d")])
def test_flavor_ids_at_create(client, given, shown):
    resp = _create(client, id=given)
    assert resp.status_code == 200, resp.text
    assert resp.json["flavor"]["id"] == shown
    assert client.simulate_get(f"/v2.1/flavors/{shown}", headers=ALICE).status_code == 200


def test_null_or_absent_id_is_a_uuid(client):
    for fields in ({"id": None}, {}):
        created = _create(client, **fields).json["flavor"]["id"]
        assert str(uuid.UUID(created)) == created


@pytest.mark.parametrize("flavor_id", [" 1", "1 ", "a/b", "", "x" * 256, True, [1]])
def test_bad_flavor_ids_are_400(client, flavor_id):
    assert _create(client, id=flavor_id).status_code == 400


def test_duplicate_id_or_name_is_409_saying_which(client):
    resp = _create(client, id="1")
    assert resp.status_code == 409
    assert resp.json["conflictingRequest"]["message"] == "Flavor with ID 1 already exists."
    resp = _create(client, id="99", name="f1")
    assert resp.status_code == 409
    assert resp.json["conflictingRequest"]["message"] == "Flavor with name f1 already exists."


@pytest.mark.parametrize("value, public", [
    ("False", False), ("false", False), ("0", False), ("no", False), ("OFF", False),
    (False, False), ("True", True), ("1", True), ("yes", True), ("On", True), (True, True),
])
def test_is_public_takes_novas_boolean_strings(client, value, public):
    resp = _create(client, **{"os-flavor-access:is_public": value})
    assert resp.status_code == 200, resp.text
    assert resp.json["flavor"]["os-flavor-access:is_public"] is public


@pytest.mark.parametrize("fields", [
    {"os-flavor-access:is_public": "maybe"}, {"os-flavor-access:is_public": 1},
    {"os-flavor-access:is_public": "t"}, {"rxtx_factor": 0}, {"rxtx_factor": "-1"},
    {"rxtx_factor": "fast"}, {"rxtx_factor": 1e39}, {"ram": 0}, {"vcpus": "0"},
    {"disk": -1}, {"swap": "1.5"}, {"OS-FLV-EXT-DATA:ephemeral": -1}, {"name": " x"},
])
def test_bad_flavor_fields_are_400(client, fields):
    assert _create(client, **fields).status_code == 400


def test_created_flavor_shows_novas_defaults(client):
    flavor = _create(client, rxtx_factor="2.5", swap="0").json["flavor"]
    assert (flavor["swap"], flavor["OS-FLV-EXT-DATA:ephemeral"]) == ("", 0)
    assert flavor["os-flavor-access:is_public"] is True
    assert flavor["OS-FLV-DISABLED:disabled"] is False
    assert int(flavor["rxtx_factor"]) in (1, 2)


@pytest.mark.parametrize("image, message", [
    ({"min_ram": 513}, "Flavor's memory is too small for requested image."),
    ({"min_disk": 2}, "Flavor's disk is smaller than the minimum size specified in image "
                      "metadata."),
    ({"size": 2 * 1024 ** 3}, "Flavor's disk is too small for requested image."),
])
def test_a_flavor_smaller_than_the_image_asks_is_400_at_boot(client, admin_ctxt, image,
                                                             message):
    objects.Image(admin_ctxt, id=IMAGE_ID, name="big", disk_format="qcow2",
                  container_format="bare", status="active", properties={},
                  **{"size": 1, "min_disk": 0, "min_ram": 0, **image}).create()
    resp = client.simulate_post("/v2.1/servers", headers=ALICE, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1", "networks": "none"}})
    assert resp.status_code == 400, resp.text
    assert resp.json["badRequest"]["message"].startswith(message)
    # Flavor 2 (2 GB RAM, 20 GB disk) holds it.
    resp = client.simulate_post("/v2.1/servers", headers=ALICE, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "2", "networks": "none"}})
    assert resp.status_code == 202, resp.text


def test_query_values_no_database_can_take_are_400_or_harmless(client):
    assert _ids(client, minRam=str(10 ** 30)) == []
    assert _ids(client, minDisk=str(-10 ** 30)) == ["1", "2", "3", "5"]
    assert _ids(client, limit=str(10 ** 30)) == ["1", "2", "3", "5"]
    assert "NUL" in _bad(client, marker="a\x00b")
