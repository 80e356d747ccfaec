"""The Image API v2 subset (/image) in-process: create, upload, list, show, delete, with
Glance's shapes, paging links and who may see or change what."""
import hashlib

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
OCTETS = {"Content-Type": "application/octet-stream"}
CIRROS = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"


@pytest.fixture
def store_path(tmp_path, flags):
    path = tmp_path / "images"
    flags(store_path=str(path), group="image")
    return path


@pytest.fixture
def client(db, admin_ctxt, store_path):
    objects.Image(admin_ctxt, id=CIRROS, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _create(client, headers=ADMIN, **body) -> dict:
    body = {"name": "img", "disk_format": "raw", "container_format": "bare", **body}
    resp = client.simulate_post("/image/v2/images", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json


def _upload(client, image_id: str, data: bytes, headers=ADMIN):
    return client.simulate_put(f"/image/v2/images/{image_id}/file", body=data,
                               headers={**headers, **OCTETS})


def test_version_document_points_at_v2(client):
    body = client.simulate_get("/image", headers=ADMIN).json
    current = [v for v in body["versions"] if v["status"] == "CURRENT"]
    assert current[0]["id"].startswith("v2.")
    assert current[0]["links"][0]["href"].endswith("/image/v2/")


def test_create_upload_show_has_glance_shape(client, store_path):
    created = _create(client, name="tiny", os_distro="cirros", min_ram=64)
    assert created["status"] == "queued" and created["size"] is None
    assert created["os_distro"] == "cirros"  # properties are top-level keys
    data = b"\0" * 5000 + b"mininova"
    assert _upload(client, created["id"], data).status_code == 204

    shown = client.simulate_get(f"/image/v2/images/{created['id']}", headers=ADMIN).json
    assert (store_path / created["id"]).read_bytes() == data
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert (shown["owner"], shown["visibility"], shown["min_ram"]) == ("admin", "shared", 64)
    assert shown["self"] == f"/v2/images/{created['id']}"
    assert shown["file"] == f"/v2/images/{created['id']}/file"
    assert shown["schema"] == "/v2/schemas/image"
    assert {"protected", "tags", "min_disk", "created_at", "updated_at"} <= set(shown)
    download = client.simulate_get(f"/image/v2/images/{created['id']}/file", headers=ADMIN)
    assert download.content == data
    # Nova's image proxy sees the same store.
    proxied = client.simulate_get(f"/v2.1/images/{created['id']}", headers=ADMIN).json
    assert proxied["image"]["status"] == "ACTIVE"


def test_second_upload_is_409_and_missing_formats_400(client):
    image = _create(client)
    assert _upload(client, image["id"], b"one").status_code == 204
    resp = _upload(client, image["id"], b"two")
    assert resp.status_code == 409
    bare = client.simulate_post("/image/v2/images", json={"name": "x"}, headers=ADMIN).json
    assert _upload(client, bare["id"], b"data").status_code == 400


@pytest.mark.parametrize("body", [
    {"name": "x", "status": "active"},            # read-only
    {"name": "x", "disk_format": "floppy"},
    {"name": "x", "id": "not-a-uuid"},
    {"name": "x", "hw_disk_bus": 3},               # properties are strings
])
def test_bad_create_bodies_are_400(client, body):
    resp = client.simulate_post("/image/v2/images", json=body, headers=ADMIN)
    assert resp.status_code == 400, resp.text


def test_duplicate_id_is_409(client):
    resp = client.simulate_post("/image/v2/images", json={"id": CIRROS}, headers=ADMIN)
    assert resp.status_code == 409


def test_list_filters_by_name_and_pages_with_next(client):
    ids = [_create(client, name=f"img{i}")["id"] for i in range(3)]
    by_name = client.simulate_get("/image/v2/images", params={"name": "img1"},
                                  headers=ADMIN).json
    assert [img["id"] for img in by_name["images"]] == [ids[1]]

    seen, query = [], {"limit": "2"}
    while True:
        page = client.simulate_get("/image/v2/images", params=query, headers=ADMIN).json
        seen += [img["id"] for img in page["images"]]
        if "next" not in page:
            break
        assert page["next"].startswith("/v2/images?")
        qs = page["next"].partition("?")[2]
        query = dict(pair.split("=") for pair in qs.split("&"))
        assert query["limit"] == "2"
    assert sorted(seen) == sorted([*ids, CIRROS])
    assert len(seen) == len(set(seen))


def test_visibility_and_ownership(client):
    mine = _create(client, headers=ALICE, name="alice-img")
    # Another project neither sees nor deletes it; public images are seen by all.
    assert client.simulate_get(f"/image/v2/images/{mine['id']}",
                               headers=BOB).status_code == 404
    bob_sees = {i["id"] for i in client.simulate_get("/image/v2/images", headers=BOB).json[
        "images"]}
    assert bob_sees == {CIRROS}
    assert client.simulate_delete(f"/image/v2/images/{CIRROS}",
                                  headers=BOB).status_code == 403
    assert _upload(client, mine["id"], b"x", headers=BOB).status_code == 404
    # Only an admin publishes.
    resp = client.simulate_post("/image/v2/images", json={"visibility": "public"},
                                headers=ALICE)
    assert resp.status_code == 403
    assert client.simulate_get(f"/image/v2/images/{mine['id']}",
                               headers=ADMIN).status_code == 200


def test_owner_deletes_and_the_file_goes(client, store_path):
    image = _create(client, headers=ALICE)
    _upload(client, image["id"], b"bits", headers=ALICE)
    assert (store_path / image["id"]).exists()
    resp = client.simulate_delete(f"/image/v2/images/{image['id']}", headers=ALICE)
    assert resp.status_code == 204
    assert not (store_path / image["id"]).exists()
    assert client.simulate_get(f"/image/v2/images/{image['id']}",
                               headers=ALICE).status_code == 404


def test_min_ram_past_the_database_integer_is_400(client):
    resp = client.simulate_post("/image/v2/images", headers=ADMIN, json={
        "name": "big", "disk_format": "raw", "container_format": "bare", "min_ram": 2**31})
    assert resp.status_code == 400, resp.text
