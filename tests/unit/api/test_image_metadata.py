"""Nova's image-metadata proxy (/v2.1/images/{id}/metadata) in-process: the image's
properties, merged, replaced, set and removed with Nova's limits and Glance's owners."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import quotas as db_quotas

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
BOB = {"X-Auth-Token": "bob:p2"}
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
URL = f"/v2.1/images/{IMAGE}/metadata"


@pytest.fixture
def client(db, admin_ctxt):
    objects.Image(admin_ctxt, id=IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0, owner="p1", visibility="public",
                  properties={"kernel_id": "k1", "os_distro": "cirros"}).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def test_list_and_show_item(client):
    assert client.simulate_get(URL, headers=BOB).json == {
        "metadata": {"kernel_id": "k1", "os_distro": "cirros"}}
    assert client.simulate_get(f"{URL}/os_distro", headers=BOB).json == {
        "meta": {"os_distro": "cirros"}}
    assert client.simulate_get(f"{URL}/nope", headers=BOB).status_code == 404


def test_post_merges_and_put_replaces(client):
    merged = client.simulate_post(URL, json={"metadata": {"os_distro": "ubuntu",
                                                          "arch": "x86_64"}},
                                  headers=ALICE)
    assert merged.status_code == 200
    assert merged.json == {"metadata": {"kernel_id": "k1", "os_distro": "ubuntu",
                                        "arch": "x86_64"}}
    replaced = client.simulate_put(URL, json={"metadata": {"os_version": "1"}},
                                   headers=ALICE)
    assert replaced.json == {"metadata": {"os_version": "1"}}
    assert client.simulate_get(URL, headers=ALICE).json == {"metadata": {"os_version": "1"}}
    # The Image API sees the same properties.
    image = client.simulate_get(f"/image/v2/images/{IMAGE}", headers=ALICE).json
    assert image["os_version"] == "1" and "kernel_id" not in image


def test_put_and_delete_one_item(client):
    resp = client.simulate_put(f"{URL}/os_distro", json={"meta": {"os_distro": "fedora"}},
                               headers=ALICE)
    assert resp.json == {"meta": {"os_distro": "fedora"}}
    mismatch = client.simulate_put(f"{URL}/os_distro", json={"meta": {"other": "x"}},
                                   headers=ALICE)
    assert mismatch.status_code == 400
    assert client.simulate_delete(f"{URL}/kernel_id", headers=ALICE).status_code == 204
    assert client.simulate_get(URL, headers=ALICE).json == {
        "metadata": {"os_distro": "fedora"}}
    assert client.simulate_delete(f"{URL}/kernel_id", headers=ALICE).status_code == 404


@pytest.mark.parametrize("body", [{"metadata": {"": "x"}}, {"metadata": {"k": "v" * 256}},
                                  {"metadata": {"k" * 256: "v"}}, {"metadata": {"k": 1}},
                                  {"meta": {"k": "v"}}])
def test_bad_bodies_are_400(client, body):
    assert client.simulate_post(URL, json=body, headers=ALICE).status_code == 400


def test_only_owner_or_admin_changes(client):
    body = {"metadata": {"a": "b"}}
    assert client.simulate_post(URL, json=body, headers=BOB).status_code == 403
    assert client.simulate_put(f"{URL}/a", json={"meta": {"a": "b"}},
                               headers=BOB).status_code == 403
    assert client.simulate_delete(f"{URL}/kernel_id", headers=BOB).status_code == 403
    assert client.simulate_post(URL, json=body, headers=ADMIN).status_code == 200


def test_over_metadata_items_quota_is_403(client):
    db_quotas.quota_set("p1", "metadata_items", 3)
    ok = client.simulate_post(URL, json={"metadata": {"a": "1"}}, headers=ALICE)
    assert ok.status_code == 200
    over = client.simulate_post(URL, json={"metadata": {"b": "2"}}, headers=ALICE)
    assert over.status_code == 403 and "metadata" in over.json["forbidden"]["message"]
    assert client.simulate_put(URL, json={"metadata": {"x": "1", "y": "2"}},
                               headers=ALICE).status_code == 200


@pytest.mark.parametrize("path", [URL, f"{URL}/kernel_id"])
def test_unknown_image_and_from_239_are_404(client, path):
    assert client.simulate_get(path.replace(IMAGE, "9" * 8), headers=ALICE).status_code == 404
    old = client.simulate_get(path, headers={**ALICE, "OpenStack-API-Version":
                                             "compute 2.38"})
    assert old.status_code == 200
    gone = client.simulate_get(path, headers={**ALICE, "OpenStack-API-Version":
                                              "compute 2.39"})
    assert gone.status_code == 404
