"""Nova's image proxy (/v2.1/images) in-process: its filters, paging, the view of an
image's status and properties, and delete with Glance's rule of who may."""
import datetime

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
SERVER = "5d1f7a4e-9c3b-4e2a-8f6d-1b2c3d4e5f60"


@pytest.fixture
def store_path(tmp_path, flags):
    path = tmp_path / "images"
    path.mkdir()
    flags(store_path=str(path), group="image")
    return path


@pytest.fixture
def client(db, store_path):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _image(ctxt, name: str, owner: str = "p1", visibility: str = "private",
           status: str = "active", **fields) -> str:
    image = objects.Image(ctxt, name=name, disk_format="raw", container_format="bare",
                          size=1024, status=status, min_disk=fields.pop("min_disk", 0),
                          min_ram=fields.pop("min_ram", 0), owner=owner,
                          visibility=visibility, properties=fields.pop("properties", {}),
                          **fields)
    image.id = f"00000000-0000-4000-8000-{len(name):012d}"  # one id per name length
    image.create()
    return image.id


def _ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [image["id"] for image in resp.json["images"]]


@pytest.fixture
def images(admin_ctxt):
    return {
        "a": _image(admin_ctxt, "a", min_ram=512),
        "bb": _image(admin_ctxt, "bb", min_disk=5, status="queued"),
        "ccc": _image(admin_ctxt, "ccc", properties={"instance_uuid": SERVER,
                                                   "image_type": "snapshot"}),
        "dddd": _image(admin_ctxt, "dddd", owner="p2"),
    }


def test_list_filters_by_name_status_and_bounds(client, images):
    assert _ids(client.simulate_get("/v2.1/images", params={"name": "a"},
                                    headers=ALICE)) == [images["a"]]
    active = _ids(client.simulate_get("/v2.1/images/detail", params={"status": "ACTIVE"},
                                      headers=ALICE))
    assert sorted(active) == sorted([images["a"], images["ccc"]])
    assert _ids(client.simulate_get("/v2.1/images", params={"minRam": "256"},
                                    headers=ALICE)) == [images["a"]]
    assert _ids(client.simulate_get("/v2.1/images", params={"minDisk": "1"},
                                    headers=ALICE)) == [images["bb"]]
    bad = client.simulate_get("/v2.1/images", params={"minRam": "lots"}, headers=ALICE)
    assert bad.status_code == 400


def test_list_filters_by_server_link_type_and_changes_since(client, images):
    link = f"http://x/v2.1/servers/{SERVER}"
    for params in ({"server": SERVER}, {"server": link}, {"type": "snapshot"},
                   {"property-image_type": "snapshot"}):
        assert _ids(client.simulate_get("/v2.1/images", params=params,
                                        headers=ALICE)) == [images["ccc"]], params
    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    later = client.simulate_get("/v2.1/images", headers=ALICE,
                                params={"changes-since": future.isoformat()})
    assert _ids(later) == []
    assert len(_ids(client.simulate_get("/v2.1/images", headers=ALICE, params={
        "changes-since": "2000-01-01T00:00:00Z"}))) == 3
    bad = client.simulate_get("/v2.1/images", params={"changes-since": "yesterday"},
                              headers=ALICE)
    assert bad.status_code == 400


def test_list_pages_with_limit_marker_and_next_link(client, images):
    first = client.simulate_get("/v2.1/images/detail", params={"limit": "2"},
                                headers=ALICE)
    assert len(first.json["images"]) == 2
    href = first.json["images_links"][0]["href"]
    assert "/v2.1/images/detail?" in href and f"marker={first.json['images'][1]['id']}" in href
    rest = client.simulate_get("/v2.1/images/detail", headers=ALICE, params={
        "limit": "2", "marker": first.json["images"][1]["id"]})
    assert len(rest.json["images"]) == 1 and "images_links" not in rest.json
    assert set(_ids(first) + _ids(rest)) == {images["a"], images["bb"], images["ccc"]}
    missing = client.simulate_get("/v2.1/images", headers=ALICE,
                                  params={"marker": images["dddd"]})
    assert missing.status_code == 400
    assert client.simulate_get("/v2.1/images", params={"limit": "-1"},
                               headers=ALICE).status_code == 400


def test_show_translates_status_and_shows_properties(client, images):
    queued = client.simulate_get(f"/v2.1/images/{images['bb']}", headers=ALICE).json
    assert (queued["image"]["status"], queued["image"]["progress"]) == ("SAVING", 25)
    snap = client.simulate_get(f"/v2.1/images/{images['ccc']}", headers=ALICE).json["image"]
    assert snap["metadata"] == {"instance_uuid": SERVER, "image_type": "snapshot"}
    assert snap["server"]["id"] == SERVER
    assert snap["server"]["links"][0]["href"].endswith(f"/v2.1/servers/{SERVER}")
    other = client.simulate_get(f"/v2.1/images/{images['dddd']}", headers=ALICE)
    assert other.status_code == 404


def test_delete_removes_record_and_file(client, images, store_path):
    (store_path / images["a"]).write_bytes(b"*" * 1024)
    assert client.simulate_delete(f"/v2.1/images/{images['a']}",
                                  headers=ALICE).status_code == 204
    assert not (store_path / images["a"]).exists()
    assert client.simulate_get(f"/v2.1/images/{images['a']}",
                               headers=ALICE).status_code == 404
    assert client.simulate_delete(f"/v2.1/images/{images['a']}",
                                  headers=ALICE).status_code == 404


@pytest.mark.parametrize("path", ["/v2.1/images/", "/v2.1/images/-1",
                                  "/v2.1/images/detail", "/v2.1/images/" + "9" * 40])
def test_delete_of_no_such_image_is_404(client, images, path):
    assert client.simulate_delete(path, headers=ALICE).status_code == 404


def test_delete_of_another_projects_image(client, images, admin_ctxt):
    # Private: invisible, so 404; public but not one's own: Glance's 403.
    assert client.simulate_delete(f"/v2.1/images/{images['dddd']}",
                                  headers=ALICE).status_code == 404
    public = _image(admin_ctxt, "public", owner="p2", visibility="public")
    assert client.simulate_delete(f"/v2.1/images/{public}",
                                  headers=ALICE).status_code == 403
    assert client.simulate_delete(f"/v2.1/images/{public}",
                                  headers=ADMIN).status_code == 204


def test_delete_is_gone_from_236(client, images):
    resp = client.simulate_delete(f"/v2.1/images/{images['a']}", headers={
        **ALICE, "OpenStack-API-Version": "compute 2.36"})
    assert resp.status_code == 404
    assert client.simulate_get(f"/v2.1/images/{images['a']}",
                               headers=ALICE).status_code == 200
