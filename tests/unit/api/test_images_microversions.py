"""Nova's image proxy (/v2.1/images) ends at 2.36; the Image API subset stays."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi

CONF = conf.CONF
ALICE = {"X-Auth-Token": "alice:p1"}
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"


@pytest.fixture
def client(db, admin_ctxt):
    objects.Image(admin_ctxt, id=IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.mark.parametrize("path", ["/v2.1/images", "/v2.1/images/detail",
                                  f"/v2.1/images/{IMAGE}"])
def test_proxy_answers_until_236(client, path):
    old = client.simulate_get(path, headers={**ALICE, "OpenStack-API-Version":
                                             "compute 2.35"})
    assert old.status_code == 200, old.text
    gone = client.simulate_get(path, headers={**ALICE, "OpenStack-API-Version":
                                              "compute 2.36"})
    assert gone.status_code == 404 and "itemNotFound" in gone.json
    assert client.simulate_get("/image/v2/images", headers=ALICE).status_code == 200
