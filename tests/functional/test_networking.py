"""The flat network on the test driver: every server gets an address from the
conductor, shown in its views and its NIC in the domain XML, freed on delete; 50
concurrent boots get 50 distinct addresses; a full network is a clear fault."""
import ipaddress
import time
import urllib.parse

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import private_cloud

NETWORK = "private"
V237 = {"OpenStack-API-Version": "compute 2.37"}
# Five guest addresses: .2 to .6 (.0 the network, .1 the gateway, .7 the broadcast).
SMALL_CIDR = "10.98.0.0/29"


def _addresses(server: dict) -> list[dict]:
    return server["addresses"].get(NETWORK, [])


def _post(api: ApiClient, servers: ServerTracker, image_id: str, name: str, **fields):
    resp = api.post("/v2.1/servers", {"server": {
        "name": name, "flavorRef": fields.pop("flavor", "1"), "imageRef": image_id,
        **fields}}, headers=V237)
    if resp.status_code == 202:
        servers.track(resp.json()["server"]["id"])
    return resp


def _settle(api: ApiClient, server_id: str, deadline: float = 60.0) -> dict:
    """Poll until the server is ACTIVE or ERROR (either is an answer here)."""
    end = time.monotonic() + deadline
    while True:
        server = api.show_server(server_id)
        if server["status"] in ("ACTIVE", "ERROR") and not server["OS-EXT-STS:task_state"]:
            return server
        if time.monotonic() > end:
            pytest.fail(f"server {server_id} still {server['status']} after {deadline}s")
        time.sleep(0.1)


def _network_id(api: ApiClient) -> str:
    resp = api.get(f"/network/v2.0/networks?name={NETWORK}")
    assert resp.status_code == 200, resp.text
    (network,) = resp.json()["networks"]
    return network["id"]


def test_a_server_gets_an_address_shown_and_in_its_domain_xml(api: ApiClient, servers):
    server = servers.create("net-basic")
    (address,) = _addresses(server)
    assert address["version"] == 4 and address["OS-EXT-IPS:type"] == "fixed", server
    assert ipaddress.ip_address(address["addr"]) in ipaddress.ip_network("10.99.0.0/24")
    mac = address["OS-EXT-IPS-MAC:mac_addr"]
    assert mac.startswith("fa:16:3e:"), server
    # NOTE: the diagnostics read the NICs from the domain XML the driver defined.
    diag = api.get(f"/v2.1/servers/{server['id']}/diagnostics",
                   headers={"OpenStack-API-Version": "compute 2.48"})
    assert diag.status_code == 200, diag.text
    assert [nic["mac_address"] for nic in diag.json()["nic_details"]] == [mac], diag.text
    ips = api.get(f"/v2.1/servers/{server['id']}/ips")
    assert ips.json() == {"addresses": {NETWORK: [{"version": 4,
                                                   "addr": address["addr"]}]}}, ips.text
    pattern = urllib.parse.quote(address["addr"].replace(".", r"\."))
    listed = api.get(f"/v2.1/servers?ip={pattern}")
    assert [s["id"] for s in listed.json()["servers"]] == [server["id"]], listed.text


def test_networks_none_gives_no_nic_and_no_address(api: ApiClient, servers, mininova):
    resp = _post(api, servers, mininova.image_id, "net-none", networks="none")
    assert resp.status_code == 202, resp.text
    server = api.wait_for_status(resp.json()["server"]["id"], "ACTIVE")
    assert server["addresses"] == {}, server
    diag = api.get(f"/v2.1/servers/{server['id']}/diagnostics",
                   headers={"OpenStack-API-Version": "compute 2.48"})
    assert diag.json()["nic_details"] == [], diag.text


def test_a_deleted_servers_address_is_free_again(api: ApiClient, servers, mininova):
    first = servers.create("net-free-1")
    addr = _addresses(first)[0]["addr"]
    net_id = _network_id(api)
    taken = _post(api, servers, mininova.image_id, "net-taken",
                  networks=[{"uuid": net_id, "fixed_ip": addr}])
    assert taken.status_code == 400, taken.text
    assert "already in use" in taken.json()["badRequest"]["message"], taken.text
    resp = api.delete(f"/v2.1/servers/{first['id']}")
    assert resp.status_code == 204, resp.text
    api.wait_for_deleted(first["id"])
    resp = _post(api, servers, mininova.image_id, "net-free-2",
                 networks=[{"uuid": net_id, "fixed_ip": addr}])
    assert resp.status_code == 202, resp.text
    second = api.wait_for_status(resp.json()["server"]["id"], "ACTIVE")
    assert [a["addr"] for a in _addresses(second)] == [addr], second


@pytest.mark.parametrize("networks, code", [
    ([{"uuid": "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"}], 400),
    ([{"port": "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"}], 400),
    ([{"uuid": "NET", "fixed_ip": "192.0.2.9"}], 400),
    ([{"uuid": "NET", "fixed_ip": "not-an-ip"}], 400),
    ("some", 400),
])
def test_bad_networks_are_4xx_with_a_fault(api: ApiClient, servers, mininova, networks,
                                           code):
    if isinstance(networks, list):
        networks = [{k: _network_id(api) if v == "NET" else v for k, v in n.items()}
                    for n in networks]
    resp = _post(api, servers, mininova.image_id, "net-bad", networks=networks)
    assert resp.status_code == code, resp.text
    assert resp.json()["badRequest"]["message"], resp.text


@pytest.fixture
def tiny_and_unlimited(api: ApiClient):
    """A 32 MB flavor and no admin quota on instances, cores or RAM, for the duration."""
    resp = api.post("/v2.1/flavors", {"flavor": {"name": "net.nano", "ram": 32, "vcpus": 1,
                                                 "disk": 0, "id": "net-nano"}})
    assert resp.status_code == 200, resp.text
    resp = api.request("PUT", "/v2.1/os-quota-sets/admin", body={"quota_set": {
        "instances": -1, "cores": -1, "ram": -1}})
    assert resp.status_code == 200, resp.text
    yield "net-nano"
    api.delete("/v2.1/os-quota-sets/admin")
    api.delete("/v2.1/flavors/net-nano")


def test_concurrent_boots_get_distinct_addresses(api: ApiClient, servers, race, mininova,
                                                 tiny_and_unlimited):
    count = 50

    def boot(i: int) -> str:
        resp = _post(api, servers, mininova.image_id, f"net-race-{i}",
                     flavor=tiny_and_unlimited, networks="auto")
        assert resp.status_code == 202, resp.text
        return resp.json()["server"]["id"]

    ids = race(count, boot)
    seen = [api.wait_for_status(sid, "ACTIVE", deadline=180) for sid in ids]
    addrs = [a["addr"] for s in seen for a in _addresses(s)]
    assert len(addrs) == count and len(set(addrs)) == count, addrs
    macs = [a["OS-EXT-IPS-MAC:mac_addr"] for s in seen for a in _addresses(s)]
    assert len(set(macs)) == count, macs


@pytest.fixture(scope="module")
def small_network(tmp_path_factory):
    """A dedicated mininova whose network has room for five guests."""
    with private_cloud(tmp_path_factory.mktemp("small-net"), compute_hosts=("smallnet1",),
                       extra_conf=f"[network]\ncidr = {SMALL_CIDR}\n") as cloud:
        yield cloud[0]


def test_a_full_network_is_an_error_with_a_clear_fault(small_network):
    api = ApiClient(small_network.api_url)
    tracker = ServerTracker(api, small_network.image_id)
    try:
        # NOTE: multi-create of six: five get the five addresses, the last one none.
        resp = api.post("/v2.1/servers", {"server": {
            "name": "full", "flavorRef": "1", "imageRef": small_network.image_id,
            "min_count": 6, "networks": "auto"}}, headers=V237)
        assert resp.status_code == 202, resp.text
        listed = api.get("/v2.1/servers?name=^full-").json()["servers"]
        for server in listed:
            tracker.track(server["id"])
        assert len(listed) == 6
        final = {server["id"]: _settle(api, server["id"]) for server in listed}
        errors = [s for s in final.values() if s["status"] == "ERROR"]
        active = [s for s in final.values() if s["status"] == "ACTIVE"]
        assert len(errors) == 1 and len(active) == 5, final
        assert errors[0]["fault"]["message"].startswith(
            "No fixed IP addresses available for network"), errors[0]
        assert errors[0]["addresses"] == {}, errors[0]
        addrs = sorted(a["addr"] for s in active for a in _addresses(s))
        assert addrs == [f"10.98.0.{n}" for n in range(2, 7)], addrs
    finally:
        tracker.cleanup()
