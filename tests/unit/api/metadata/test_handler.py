"""mininova-metadata's app: the guest is whoever holds the request's source address."""
import json

import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api.metadata import handler
from mininova.compute import server_metadata

UUID = "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10"


@pytest.fixture
def server(db, ctxt):
    inst = objects.Instance(ctxt, uuid=UUID, display_name="vm1", hostname="vm1",
                            project_id="p1", user_id="u", image_ref="i", flavor_id="1",
                            flavor_name="f", memory_mb=1, vcpus=1, root_gb=1,
                            vm_state="active", power_state=1, key_name="k1",
                            key_data="ssh-ed25519 AAAA k1")
    inst.create()
    server_metadata.update(ctxt, inst, {"role": "db"}, quota_checked=True)
    return inst


def _client(allocations: dict) -> testing.TestClient:
    app = handler.create_app(conf.CONF, find_fixed_ip=lambda ctxt, addr: allocations.get(addr))
    return testing.TestClient(app)


def test_a_guest_gets_its_own_metadata(server):
    client = _client({"10.99.0.5": {"instance_uuid": UUID, "project_id": "p1"}})
    resp = client.simulate_get("/openstack/latest/meta_data.json", remote_addr="10.99.0.5")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    body = json.loads(resp.text)
    assert body["uuid"] == UUID and body["meta"] == {"role": "db"}
    assert body["public_keys"] == {"k1": "ssh-ed25519 AAAA k1"}
    resp = client.simulate_get("/latest/meta-data/hostname", remote_addr="10.99.0.5")
    assert resp.text == "vm1"


def test_an_unknown_source_is_404(server):
    client = _client({"10.99.0.5": {"instance_uuid": UUID, "project_id": "p1"}})
    resp = client.simulate_get("/openstack/latest/meta_data.json", remote_addr="10.99.0.6")
    assert resp.status_code == 404


def test_an_allocation_of_another_project_is_404(server):
    client = _client({"10.99.0.5": {"instance_uuid": UUID, "project_id": "p2"}})
    resp = client.simulate_get("/openstack/latest/meta_data.json", remote_addr="10.99.0.5")
    assert resp.status_code == 404


def test_a_deleted_server_is_404(server):
    server.destroy()
    client = _client({"10.99.0.5": {"instance_uuid": UUID, "project_id": "p1"}})
    assert client.simulate_get("/openstack", remote_addr="10.99.0.5").status_code == 404


def test_unknown_path_is_404(server):
    client = _client({"10.99.0.5": {"instance_uuid": UUID, "project_id": "p1"}})
    assert client.simulate_get("/openstack/latest/x", remote_addr="10.99.0.5").status_code \
        == 404
    assert client.simulate_get("/latest/user-data", remote_addr="10.99.0.5").status_code \
        == 404
