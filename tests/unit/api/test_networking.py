"""The flat network through the APIs: networks at create validated as Nova does, a
server's addresses (views, /ips, the ip filter) and the Networking API subset at
/network, with another project's ports hidden."""
from unittest import mock

import pytest

from mininova import conf
from mininova import objects
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.db import fixed_ips as db_fixed_ips
from mininova.network import api as network_api
from mininova.network import model

CONF = conf.CONF
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
OWNER = {"X-Auth-Token": "bob:p2"}
OTHER = {"X-Auth-Token": "carol:p3"}
V237 = {"OpenStack-API-Version": "compute 2.37"}
UNKNOWN = "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"


@pytest.fixture
def cast():
    with mock.patch.object(conductor_rpcapi.ConductorAPI,
                           "schedule_and_build_instances") as method:
        yield method


@pytest.fixture
def client(boot_client, cast):
    return boot_client


def _create(client, headers=OWNER, **fields):
    server = {"name": "web", "imageRef": IMAGE, "flavorRef": "1", **fields}
    return client.simulate_post("/v2.1/servers", headers={**headers, **V237},
                                json={"server": server})


def _boot(client, admin_ctxt, headers=OWNER, **fields) -> objects.Instance:
    """Create a server and allocate as the conductor would."""
    resp = _create(client, headers=headers, networks="auto", **fields)
    assert resp.status_code == 202, resp.text
    instance = objects.Instance.get_by_uuid(admin_ctxt, resp.json["server"]["id"])
    network_api.allocate_for_instance(admin_ctxt, instance, None)
    return instance


def test_networks_reach_the_conductor_as_requests(client, cast):
    net = model.network_id(CONF)
    assert _create(client, networks="none").status_code == 202
    assert cast.call_args.kwargs["requested_networks"] == []
    assert _create(client, networks="auto").status_code == 202
    assert cast.call_args.kwargs["requested_networks"] == [{"network_id": net,
                                                            "address": None}]
    resp = _create(client, networks=[{"uuid": net, "fixed_ip": "10.99.0.9"}])
    assert resp.status_code == 202, resp.text
    assert cast.call_args.kwargs["requested_networks"] == [{"network_id": net,
                                                            "address": "10.99.0.9"}]


@pytest.mark.parametrize("networks, code, message", [
    ([{"uuid": UNKNOWN}], 400, f"Network {UNKNOWN} could not be found."),
    ([{"uuid": "not-a-uuid"}], 400, "network uuid is not in proper format (not-a-uuid)"),
    ([{"port": UNKNOWN}], 400, f"Port id {UNKNOWN} could not be found."),
    ([{"uuid": "NET", "fixed_ip": "192.168.1.5"}], 400,
     "Fixed IP address (192.168.1.5) does not exist in network"),
    ([{"uuid": "NET", "fixed_ip": "10.99.0.1"}], 400, "does not exist in network"),
    ([{"fixed_ip": "10.99.0.5"}], 400, "Bad network format: missing 'uuid'"),
    ([{"uuid": "NET", "tag": "nic1"}], 400, "Device tags are not supported"),
    (None, 400, "Invalid input"),
])
def test_bad_networks_are_refused_as_nova_does(client, networks, code, message):
    if isinstance(networks, list):
        networks = [{k: model.network_id(CONF) if v == "NET" else v for k, v in n.items()}
                    for n in networks]
    resp = _create(client, networks=networks)
    assert resp.status_code == code, resp.text
    assert message in resp.json["badRequest"]["message"], resp.text


def test_a_fixed_ip_or_port_in_use_is_refused(client, admin_ctxt):
    instance = _boot(client, admin_ctxt)
    (vif,) = objects.Instance.get_by_uuid(admin_ctxt, instance.uuid).network_info
    resp = _create(client, networks=[{"uuid": vif["network_id"], "fixed_ip": vif["address"]}])
    assert resp.status_code == 400
    assert resp.json["badRequest"]["message"] == (
        f"Fixed IP address {vif['address']} is already in use on instance {instance.uuid}.")
    resp = _create(client, networks=[{"port": vif["port_id"]}])
    assert resp.status_code == 409
    assert resp.json["conflictingRequest"]["message"] == (
        f"Port {vif['port_id']} is still in use.")
    resp = _create(client, max_count=2, networks=[{"uuid": vif["network_id"],
                                                   "fixed_ip": "10.99.0.50"}])
    assert resp.status_code == 400 and "max_count cannot be greater than 1" in resp.text


def test_addresses_in_views_ips_and_the_ip_filter(client, admin_ctxt):
    instance = _boot(client, admin_ctxt)
    (vif,) = objects.Instance.get_by_uuid(admin_ctxt, instance.uuid).network_info
    server = client.simulate_get(f"/v2.1/servers/{instance.uuid}", headers=OWNER).json
    assert server["server"]["addresses"] == {"private": [{
        "version": 4, "addr": vif["address"], "OS-EXT-IPS:type": "fixed",
        "OS-EXT-IPS-MAC:mac_addr": vif["mac"]}]}
    ips = client.simulate_get(f"/v2.1/servers/{instance.uuid}/ips", headers=OWNER)
    assert ips.json == {"addresses": {"private": [{"version": 4, "addr": vif["address"]}]}}
    one = client.simulate_get(f"/v2.1/servers/{instance.uuid}/ips/private", headers=OWNER)
    assert one.json == {"private": [{"version": 4, "addr": vif["address"]}]}
    missing = client.simulate_get(f"/v2.1/servers/{instance.uuid}/ips/public", headers=OWNER)
    assert missing.status_code == 404
    for pattern, found in ((vif["address"], True), (r"10\.99\.", True), ("99", False)):
        resp = client.simulate_get("/v2.1/servers", headers=OWNER, params={"ip": pattern})
        assert ([s["id"] for s in resp.json["servers"]] == [instance.uuid]) == found, pattern
    resp = client.simulate_get("/v2.1/servers", params={"ip6": "::"},
                               headers={**OWNER, "OpenStack-API-Version": "compute 2.5"})
    assert resp.json["servers"] == []


def test_network_api_subset(client, admin_ctxt):
    versions = client.simulate_get("/network")
    assert versions.json["versions"][0]["id"] == "v2.0"
    net_id = model.network_id(CONF)
    for params, found in (({"name": "private"}, True), ({"name": ["x", "private"]}, True),
                          ({"name": "public"}, False), ({"router:external": "false"}, True),
                          ({"router:external": "True"}, False), ({"shared": "true"}, True),
                          ({"id": net_id}, True)):
        resp = client.simulate_get("/network/v2.0/networks", headers=OWNER, params=params)
        assert [n["id"] for n in resp.json["networks"]] == ([net_id] if found else []), params
    resp = client.simulate_get("/network/v2.0/networks", headers=OWNER,
                               params={"bogus": "1"})
    assert resp.status_code == 400 and "NeutronError" in resp.json
    resp = client.simulate_get(f"/network/v2.0/networks/{UNKNOWN}", headers=OWNER)
    assert resp.status_code == 404 and resp.json["NeutronError"]["type"] == "NetworkNotFound"
    subnet = client.simulate_get("/network/v2.0/subnets", headers=OWNER).json["subnets"][0]
    assert (subnet["cidr"], subnet["gateway_ip"], subnet["network_id"]) == (
        "10.99.0.0/24", "10.99.0.1", net_id)
    assert subnet["allocation_pools"] == [{"start": "10.99.0.2", "end": "10.99.0.254"}]
    groups = client.simulate_get("/network/v2.0/security-groups", headers=OWNER).json
    assert [g["name"] for g in groups["security_groups"]] == ["default"]


def test_ports_are_scoped_to_the_project(client, admin_ctxt):
    mine = _boot(client, admin_ctxt)
    theirs = _boot(client, admin_ctxt, headers=OTHER)
    resp = client.simulate_get("/network/v2.0/ports", headers=OWNER,
                               params={"device_id": mine.uuid})
    (port,) = resp.json["ports"]
    row = db_fixed_ips.get_all({"instance_uuid": mine.uuid})[0]
    assert (port["id"], port["mac_address"], port["device_owner"], port["status"]) == (
        row["port_id"], row["mac"], "compute:nova", "ACTIVE")
    assert port["fixed_ips"][0]["ip_address"] == row["address"]
    resp = client.simulate_get("/network/v2.0/ports", headers=OWNER,
                               params={"device_id": theirs.uuid})
    assert resp.json["ports"] == []
    other_port = db_fixed_ips.get_all({"instance_uuid": theirs.uuid})[0]["port_id"]
    resp = client.simulate_get(f"/network/v2.0/ports/{other_port}", headers=OWNER)
    assert resp.status_code == 404
    resp = client.simulate_get("/network/v2.0/ports", headers=OWNER,
                               params={"fixed_ips": f"ip_address={row['address']}"})
    assert [p["id"] for p in resp.json["ports"]] == [row["port_id"]]


def test_delete_frees_the_address(client, admin_ctxt):
    instance = _boot(client, admin_ctxt)
    address = objects.Instance.get_by_uuid(admin_ctxt, instance.uuid).network_info[0]
    resp = client.simulate_delete(f"/v2.1/servers/{instance.uuid}", headers=OWNER)
    assert resp.status_code == 204
    assert db_fixed_ips.get_by_address(None, address["address"]) is None
