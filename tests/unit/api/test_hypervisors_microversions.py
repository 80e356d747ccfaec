"""os-hypervisors across microversions: cpu_info as an object (2.28), paging (2.33), UUIDs,
hostname pattern and with_servers (2.53), servers always listed when asked (2.75), and
the resource fields giving way to uptime (2.88)."""
import json
from unittest import mock

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import exception
from mininova import objects
from mininova.api import wsgi
from mininova.compute import rpcapi as compute_rpcapi
from mininova.db import allocations as db_allocations
from mininova.db import instances as db_instances
from mininova.db import services as db_services

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
CPU = {"arch": "x86_64", "model": "Skylake", "vendor": "Intel",
       "topology": {"cells": 1, "sockets": 1, "cores": 4, "threads": 2},
       "features": ["aes", "vmx"]}
RESOURCE_FIELDS = {"vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "free_ram_mb",
                   "local_gb", "local_gb_used", "free_disk_gb", "disk_available_least",
                   "running_vms", "current_workload", "cpu_info"}
VM = "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10"


def _at(version: str) -> dict:
    return {**ADMIN, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt):
    for host in ("compute1", "compute2", "other3"):
        objects.Service.register(admin_ctxt, host, "nova-compute", "compute")
        objects.ComputeNode.report(admin_ctxt, host, {
            "hypervisor_hostname": f"{host}.example.org", "hypervisor_type": "QEMU",
            "hypervisor_version": 8002000, "vcpus": 4, "memory_mb": 4096, "local_gb": 40,
            "cpu_info": json.dumps(CPU), "host_ip": "192.0.2.10"})
    db_instances.instance_create({
        "uuid": VM, "display_name": "vm1", "project_id": "p1", "user_id": "u",
        "image_ref": "i", "flavor_id": "1", "flavor_name": "f", "memory_mb": 512,
        "vcpus": 1, "root_gb": 5, "host": "compute1", "vm_state": "active"})
    # NOTE: usage is what is claimed; heal gives the placed instance its allocation.
    db_allocations.heal()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _get(client, path: str, version: str, query: str = "", status: int = 200):
    resp = client.simulate_get(path, query_string=query, headers=_at(version))
    assert resp.status_code == status, resp.text
    return resp.json


def test_nodes_get_uuids_when_they_first_report(db, admin_ctxt):
    node = objects.ComputeNode.report(admin_ctxt, "c9", {
        "hypervisor_hostname": "c9", "hypervisor_type": "QEMU", "hypervisor_version": 1,
        "vcpus": 1, "memory_mb": 1, "local_gb": 1})
    again = objects.ComputeNode.report(admin_ctxt, "c9", {
        "hypervisor_hostname": "c9", "hypervisor_type": "QEMU", "hypervisor_version": 1,
        "vcpus": 2, "memory_mb": 1, "local_gb": 1})
    assert node.uuid == again.uuid and again.vcpus == 2


def test_cpu_info_string_then_object_at_228(client):
    (old, *_) = _get(client, "/v2.1/os-hypervisors/detail", "2.27")["hypervisors"]
    assert json.loads(old["cpu_info"]) == CPU
    (new, *_) = _get(client, "/v2.1/os-hypervisors/detail", "2.28")["hypervisors"]
    assert new["cpu_info"] == CPU
    assert new["host_ip"] == "192.0.2.10"


def test_paging_from_233(client):
    ids = [h["id"] for h in _get(client, "/v2.1/os-hypervisors", "2.33")["hypervisors"]]
    page = _get(client, "/v2.1/os-hypervisors", "2.33", "limit=2")
    assert [h["id"] for h in page["hypervisors"]] == ids[:2]
    (link,) = page["hypervisors_links"]
    assert link["rel"] == "next" and f"marker={ids[1]}" in link["href"]
    rest = _get(client, "/v2.1/os-hypervisors/detail", "2.33", f"limit=2&marker={ids[1]}")
    assert [h["id"] for h in rest["hypervisors"]] == ids[2:]
    assert "hypervisors_links" not in rest
    # Below 2.33 the parameters mean nothing.
    assert len(_get(client, "/v2.1/os-hypervisors", "2.32", "limit=1")["hypervisors"]) == 3
    _get(client, "/v2.1/os-hypervisors", "2.33", "marker=999", status=400)
    _get(client, "/v2.1/os-hypervisors", "2.33", "limit=-1", status=400)


def test_uuids_pattern_and_servers_from_253(client):
    listed = _get(client, "/v2.1/os-hypervisors", "2.53")["hypervisors"]
    nodes = {n.host: n for n in objects.ComputeNodeList.get_all(None)}
    assert [h["id"] for h in listed] == [nodes[h].uuid for h in ("compute1", "compute2",
                                                                 "other3")]
    page = _get(client, "/v2.1/os-hypervisors", "2.53", "limit=1")
    assert f"marker={listed[0]['id']}" in page["hypervisors_links"][0]["href"]

    found = _get(client, "/v2.1/os-hypervisors/detail", "2.53",
                 "hypervisor_hostname_pattern=compute&with_servers=true")["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == ["compute1.example.org",
                                                         "compute2.example.org"]
    assert found[0]["servers"] == [{"uuid": VM, "name": "vm1"}]
    assert "servers" not in found[1]  # none there; listed as [] from 2.75
    assert found[0]["service"]["id"] == db_services.service_get_by_host_and_binary(
        "compute1", "nova-compute").uuid
    at_275 = _get(client, "/v2.1/os-hypervisors", "2.75",
                  "hypervisor_hostname_pattern=compute2&with_servers=1")["hypervisors"]
    assert at_275[0]["servers"] == []

    _get(client, "/v2.1/os-hypervisors", "2.53", "hypervisor_hostname_pattern=nope",
         status=404)
    _get(client, "/v2.1/os-hypervisors", "2.53",
         "hypervisor_hostname_pattern=compute&limit=1", status=400)
    _get(client, "/v2.1/os-hypervisors", "2.53", "with_servers=perhaps", status=400)


def test_show_by_id_then_uuid(client):
    node = objects.ComputeNodeList.get_all(None)[0]
    assert _get(client, f"/v2.1/os-hypervisors/{node.id}", "2.52")["hypervisor"]["id"] == (
        node.id)
    _get(client, f"/v2.1/os-hypervisors/{node.uuid}", "2.52", status=404)
    shown = _get(client, f"/v2.1/os-hypervisors/{node.uuid}", "2.53",
                 "with_servers=true")["hypervisor"]
    assert (shown["id"], shown["servers"]) == (node.uuid, [{"uuid": VM, "name": "vm1"}])
    assert (shown["vcpus_used"], shown["running_vms"]) == (1, 1)
    _get(client, f"/v2.1/os-hypervisors/{node.id}", "2.53", status=400)
    _get(client, "/v2.1/os-hypervisors/0d9a1c1e-3b3f-4a0c-9f65-000000000000", "2.53",
         status=404)


def test_search_and_servers_below_253(client):
    found = _get(client, "/v2.1/os-hypervisors/compute/search", "2.52")["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == ["compute1.example.org",
                                                         "compute2.example.org"]
    assert all("servers" not in h for h in found)
    with_servers = _get(client, "/v2.1/os-hypervisors/compute1/servers", "2.1")
    assert with_servers["hypervisors"][0]["servers"] == [{"uuid": VM, "name": "vm1"}]
    _get(client, "/v2.1/os-hypervisors/nope/search", "2.1", status=404)
    _get(client, "/v2.1/os-hypervisors/compute/search", "2.53", status=404)
    _get(client, "/v2.1/os-hypervisors/compute/servers", "2.53", status=404)


def test_statistics_until_288(client):
    stats = _get(client, "/v2.1/os-hypervisors/statistics", "2.87")["hypervisor_statistics"]
    assert (stats["count"], stats["vcpus"], stats["vcpus_used"], stats["running_vms"]) == (
        3, 12, 1, 1)
    _get(client, "/v2.1/os-hypervisors/statistics", "2.88", status=404)


def test_288_drops_resources_and_shows_uptime_from_the_host(client):
    node = objects.ComputeNodeList.get_all(None)[0]
    with mock.patch.object(compute_rpcapi.ComputeAPI, "get_host_uptime",
                           return_value=" 10:00:00 up 1 day") as call:
        shown = _get(client, f"/v2.1/os-hypervisors/{node.uuid}", "2.88")["hypervisor"]
        detail = _get(client, "/v2.1/os-hypervisors/detail", "2.88")["hypervisors"]
        old = _get(client, f"/v2.1/os-hypervisors/{node.uuid}", "2.87")["hypervisor"]
    assert call.call_args.args[1] == "compute1"
    assert shown["uptime"] == " 10:00:00 up 1 day"
    assert not RESOURCE_FIELDS & set(shown) and not RESOURCE_FIELDS & set(detail[0])
    assert {"hypervisor_type", "hypervisor_version", "host_ip", "service"} <= set(shown)
    assert "uptime" not in detail[0] and "uptime" not in old
    assert RESOURCE_FIELDS <= set(old)


def test_uptime_none_when_the_host_does_not_answer(client):
    node = objects.ComputeNodeList.get_all(None)[0]
    with mock.patch.object(compute_rpcapi.ComputeAPI, "get_host_uptime",
                           side_effect=exception.RPCTimeout(service="c", host="h")):
        shown = _get(client, f"/v2.1/os-hypervisors/{node.uuid}", "2.88")["hypervisor"]
    assert shown["uptime"] is None


def test_uptime_resource_until_288(client):
    node = objects.ComputeNodeList.get_all(None)[0]
    with mock.patch.object(compute_rpcapi.ComputeAPI, "get_host_uptime",
                           return_value="up 2 days"):
        body = _get(client, f"/v2.1/os-hypervisors/{node.id}/uptime", "2.1")["hypervisor"]
        _get(client, f"/v2.1/os-hypervisors/{node.uuid}/uptime", "2.88", status=404)
    assert body == {"id": node.id, "hypervisor_hostname": "compute1.example.org",
                    "state": "up", "status": "enabled", "uptime": "up 2 days"}


def test_uptime_of_a_down_host_is_a_400(client, admin_ctxt):
    svc = objects.Service.get_by_host_and_binary(admin_ctxt, "compute1", "nova-compute")
    svc.forced_down = True
    svc.save()
    node = objects.ComputeNodeList.get_all(None)[0]
    resp = client.simulate_get(f"/v2.1/os-hypervisors/{node.id}/uptime", headers=_at("2.1"))
    assert resp.status_code == 400 and "badRequest" in resp.json


def test_out_of_range_ids_and_limits_are_client_errors(client):
    """Numbers past what the database holds are a 404 or a clamped page, never a 500."""
    huge = "99999999999999999999"
    assert client.simulate_get(f"/v2.1/os-hypervisors/{huge}",
                               headers=_at("2.1")).status_code == 404
    listed = _get(client, "/v2.1/os-hypervisors", "2.33", query=f"limit={huge}")
    assert len(listed["hypervisors"]) == 3
