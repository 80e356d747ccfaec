"""os-flavor-manage (create/delete), flavor extra specs and os-hypervisors in-process."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import allocations as db_allocations
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _flavor(**over) -> dict:
    return {"flavor": {"name": "m1.cli", "ram": 256, "vcpus": 2, "disk": 3, **over}}


def test_admin_creates_shows_and_deletes_a_flavor(client):
    resp = client.simulate_post("/v2.1/flavors", json=_flavor(
        id="7", swap=0, rxtx_factor=1.0, **{"OS-FLV-EXT-DATA:ephemeral": 1,
                                            "os-flavor-access:is_public": True}),
        headers=ADMIN)
    assert resp.status_code == 200, resp.text
    flavor = resp.json["flavor"]
    assert (flavor["id"], flavor["ram"], flavor["vcpus"], flavor["disk"]) == ("7", 256, 2, 3)
    assert flavor["OS-FLV-EXT-DATA:ephemeral"] == 1
    assert client.simulate_get("/v2.1/flavors/7", headers=ALICE).json["flavor"]["name"] == (
        "m1.cli")
    specs = client.simulate_get("/v2.1/flavors/7/os-extra_specs", headers=ALICE)
    assert specs.json == {"extra_specs": {}}
    assert client.simulate_delete("/v2.1/flavors/7", headers=ADMIN).status_code == 202
    assert client.simulate_get("/v2.1/flavors/7", headers=ADMIN).status_code == 404
    assert client.simulate_delete("/v2.1/flavors/7", headers=ADMIN).status_code == 404


def test_flavor_id_auto_or_absent_is_a_uuid(client):
    for body in (_flavor(name="a", id="auto"), _flavor(name="b", id=None), _flavor(name="c")):
        flavor = client.simulate_post("/v2.1/flavors", json=body, headers=ADMIN).json
        assert len(flavor["flavor"]["id"]) == 36


def test_flavor_manage_is_admin_only_and_validated(client):
    resp = client.simulate_post("/v2.1/flavors", json=_flavor(), headers=ALICE)
    assert resp.status_code == 403 and "forbidden" in resp.json
    client.simulate_post("/v2.1/flavors", json=_flavor(id="7"), headers=ADMIN)
    assert client.simulate_delete("/v2.1/flavors/7", headers=ALICE).status_code == 403
    assert client.simulate_post("/v2.1/flavors", json=_flavor(id="8"),
                                headers=ADMIN).status_code == 409
    for bad in (_flavor(ram=0), _flavor(name=" x"), _flavor(bogus=1), _flavor(id="a/b")):
        assert client.simulate_post("/v2.1/flavors", json=bad,
                                    headers=ADMIN).status_code == 400


def test_hypervisors_show_nodes_services_and_usage(client, admin_ctxt):
    objects.Service.register(admin_ctxt, "compute1", "nova-compute", "compute")
    objects.ComputeNode.report(admin_ctxt, "compute1", {
        "hypervisor_hostname": "compute1", "hypervisor_type": "QEMU",
        "hypervisor_version": 8002000, "vcpus": 4, "memory_mb": 4096, "local_gb": 40})
    db_instances.instance_create({
        "uuid": "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", "display_name": "vm",
        "project_id": "p1", "user_id": "u", "image_ref": "i", "flavor_id": "1",
        "flavor_name": "f", "memory_mb": 512, "vcpus": 1, "root_gb": 5, "host": "compute1",
        "vm_state": "active"})
    # NOTE: usage is what is claimed; heal gives the placed instance its allocation.
    db_allocations.heal()

    listed = client.simulate_get("/v2.1/os-hypervisors", headers=ADMIN).json["hypervisors"]
    assert [(h["hypervisor_hostname"], h["state"], h["status"]) for h in listed] == [
        ("compute1", "up", "enabled")]
    (detail,) = client.simulate_get("/v2.1/os-hypervisors/detail",
                                    headers=ADMIN).json["hypervisors"]
    assert (detail["vcpus_used"], detail["memory_mb_used"], detail["local_gb_used"],
            detail["running_vms"], detail["free_ram_mb"]) == (1, 512, 5, 1, 3584)
    assert detail["service"]["host"] == "compute1"
    one = client.simulate_get(f"/v2.1/os-hypervisors/{detail['id']}", headers=ADMIN)
    assert one.json["hypervisor"] == detail
    assert client.simulate_get("/v2.1/os-hypervisors/999", headers=ADMIN).status_code == 404
    for path in ("/v2.1/os-hypervisors", "/v2.1/os-hypervisors/detail"):
        assert client.simulate_get(path, headers=ALICE).status_code == 403
