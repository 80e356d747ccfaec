"""Servers at microversion 2.100 through the real services (API, conductor, scheduler,
compute on libvirt's test driver): create options, embedded flavor, host_status, update,
tags, lock/unlock; and the same server as a 2.1 client (no header) sees it."""
import pytest

from tests.functional.conftest import ApiClient

LATEST = {"OpenStack-API-Version": "compute 2.100"}
MEMBER_TOKEN = "alice:microversions"


@pytest.fixture
def member(api) -> ApiClient:
    """A non-admin of a project of this module's own."""
    return api.clone(token=MEMBER_TOKEN)


def _act(client: ApiClient, server_id: str, body: dict):
    return client.post(f"/v2.1/servers/{server_id}/action", body, headers=LATEST)


def test_server_at_2_100_and_at_2_1(api, member, servers, mininova):
    resp = member.post("/v2.1/servers", {
        "server": {"name": "Web Server_01", "flavorRef": mininova.flavors[0][1],
                   "imageRef": mininova.image_id, "networks": "none",
                   "description": "front end", "tags": ["web", "prod"],
                   "user_data": "IyFjbG91ZC1jb25maWc="},
        "os:scheduler_hints": {"query": "mine"}}, headers=LATEST)
    assert resp.status_code == 202, resp.text
    assert resp.json()["server"]["adminPass"]
    server_id = resp.json()["server"]["id"]
    servers.track(server_id)
    member.wait_for_status(server_id, "ACTIVE")

    shown = member.get(f"/v2.1/servers/{server_id}", headers=LATEST).json()["server"]
    _, flavor_id, ram, vcpus, disk = mininova.flavors[0]
    assert shown["flavor"] == {"original_name": mininova.flavors[0][0], "ram": ram,
                               "vcpus": vcpus, "disk": disk, "ephemeral": 0, "swap": 0,
                               "extra_specs": {}}
    assert (shown["description"], shown["tags"]) == ("front end", ["prod", "web"])
    assert (shown["locked"], shown["locked_reason"]) == (False, None)
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "web-server-01"
    assert shown["scheduler_hints"] == {"query": "mine"}
    assert shown["pinned_availability_zone"] is None
    assert "host_status" not in shown and "OS-EXT-SRV-ATTR:host" not in shown

    as_admin = api.get(f"/v2.1/servers/{server_id}", headers=LATEST).json()["server"]
    assert as_admin["host_status"] == "UP"
    assert as_admin["OS-EXT-SRV-ATTR:host"] in mininova.compute_hosts
    assert as_admin["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert as_admin["OS-EXT-SRV-ATTR:user_data"] == "IyFjbG91ZC1jb25maWc="
    assert as_admin["OS-EXT-SRV-ATTR:root_device_name"] == "/dev/vda"

    # A client without a version header gets the 2.1 server.
    old = member.get(f"/v2.1/servers/{server_id}").json()["server"]
    assert old["flavor"]["id"] == flavor_id
    assert not {"locked", "description", "tags", "scheduler_hints"} & set(old)

    resp = member.request("PUT", f"/v2.1/servers/{server_id}", headers=LATEST,
                          body={"server": {"name": "web-1", "description": "renamed"}})
    assert resp.status_code == 200, resp.text
    updated = resp.json()["server"]
    assert (updated["name"], updated["description"]) == ("web-1", "renamed")
    assert updated["OS-EXT-STS:vm_state"] == "active", "2.75+: the whole server"

    tags = f"/v2.1/servers/{server_id}/tags"
    assert member.request("PUT", f"{tags}/blue", headers=LATEST).status_code == 201
    assert member.get(tags, headers=LATEST).json() == {"tags": ["blue", "prod", "web"]}
    listed = member.get("/v2.1/servers/detail", headers=LATEST).json()["servers"]
    assert server_id in [s["id"] for s in listed]
    found = member.get("/v2.1/servers?tags=blue,web", headers=LATEST).json()
    assert [s["id"] for s in found["servers"]] == [server_id]


def test_lock_through_the_real_services(api, member, servers, mininova):
    resp = member.post("/v2.1/servers", {"server": {
        "name": "locked-vm", "flavorRef": mininova.flavors[0][1],
        "imageRef": mininova.image_id, "networks": "auto"}}, headers=LATEST)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    servers.track(server_id)
    member.wait_for_status(server_id, "ACTIVE")

    assert _act(member, server_id, {"lock": {"locked_reason": "audit"}}).status_code == 202
    resp = _act(member, server_id, {"os-stop": None})
    assert resp.status_code == 409, resp.text
    assert "locked" in resp.json()["conflictingRequest"]["message"]
    assert member.delete(f"/v2.1/servers/{server_id}").status_code == 409
    shown = member.get(f"/v2.1/servers/{server_id}", headers=LATEST).json()["server"]
    assert (shown["status"], shown["locked"], shown["locked_reason"]) == (
        "ACTIVE", True, "audit")

    # An admin is not held back by the lock: the stop goes through to the compute host.
    assert _act(api, server_id, {"os-stop": None}).status_code == 202
    member.wait_for_status(server_id, "SHUTOFF")
    assert _act(member, server_id, {"unlock": None}).status_code == 202
    assert _act(member, server_id, {"os-start": None}).status_code == 202
    shown = member.wait_for_status(server_id, "ACTIVE")
    assert "locked" not in shown, "2.1 (no header) has no lock fields"

    actions = member.get(f"/v2.1/servers/{server_id}/os-instance-actions"
                         ).json()["instanceActions"]
    assert [a["action"] for a in actions] == ["start", "unlock", "stop", "lock", "create"]
