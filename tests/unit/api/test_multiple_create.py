"""POST /servers with min_count/max_count: validation, quota up front, names, shared
reservation id, launch indexes, return_reservation_id and one conductor cast."""
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import conf
from mininova import objects
from mininova.compute import api as compute_api
from mininova.conductor import rpcapi as conductor_rpcapi

CONF = conf.CONF
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
OWNER = {"X-Auth-Token": "bob:p2"}
ADMIN = {"X-Auth-Token": "admin:admin"}


@pytest.fixture
def cast():
    with mock.patch.object(conductor_rpcapi.ConductorAPI,
                           "schedule_and_build_instances") as method:
        yield method


@pytest.fixture
def client(boot_client, cast):
    return boot_client


def _create(client, **fields):
    server = {"name": "web", "imageRef": IMAGE, "flavorRef": "1", **fields}
    return client.simulate_post("/v2.1/servers", headers=OWNER, json={"server": server})


def _servers(client, **params):
    resp = client.simulate_get("/v2.1/servers/detail", headers=OWNER, params=params)
    return sorted(resp.json["servers"], key=lambda s: s["name"])


def test_min_count_builds_that_many_with_one_reservation(client, cast, admin_ctxt):
    resp = _create(client, min_count=3, metadata={"role": "web"})
    assert resp.status_code == 202
    first = resp.json["server"]["id"]
    servers = _servers(client)
    assert [s["name"] for s in servers] == ["web-1", "web-2", "web-3"]
    assert all(s["metadata"] == {"role": "web"} for s in servers)
    instances = [objects.Instance.get_by_uuid(admin_ctxt, s["id"]) for s in servers]
    assert [inst.launch_index for inst in instances] == [0, 1, 2]
    assert [inst.hostname for inst in instances] == ["web-1", "web-2", "web-3"]
    assert len({inst.reservation_id for inst in instances}) == 1
    assert instances[0].uuid == first
    (ctxt, sent), _ = cast.call_args
    assert cast.call_count == 1 and [inst.uuid for inst in sent] == [s["id"] for s in servers]
    assert all(len(objects.InstanceActionList.get_by_instance_uuid(admin_ctxt, s["id"])) == 1
               for s in servers)


def test_one_server_keeps_its_name(client):
    assert _create(client, min_count="1", max_count="1").status_code == 202
    assert [s["name"] for s in _servers(client)] == ["web"]


def test_return_reservation_id_and_the_reservation_filter(client):
    resp = _create(client, max_count=2, return_reservation_id=True)
    assert resp.status_code == 202
    reservation = resp.json["reservation_id"]
    assert reservation.startswith("r-") and "server" not in resp.json
    _create(client)
    found = _servers(client, reservation_id=reservation)
    assert [s["name"] for s in found] == ["web-1", "web-2"]
    plain = _create(client, return_reservation_id="false")
    assert "reservation_id" not in plain.json and "server" in plain.json


def test_quota_builds_as_many_as_fit_between_min_and_max(client, flags):
    flags(instances=3, group="quota")
    _create(client)
    assert _create(client, min_count=1, max_count=5).status_code == 202
    assert len(_servers(client)) == 3


def test_quota_refuses_when_min_count_does_not_fit(client, flags, cast):
    flags(ram=1024, group="quota")
    resp = _create(client, min_count=3)
    assert resp.status_code == 403
    assert resp.json["forbidden"]["message"] == (
        "Quota exceeded for ram: Requested 1536, but already used 0 of 1024 ram")
    assert _servers(client) == [] and cast.call_count == 0


@pytest.mark.parametrize("fields, fragment", [
    ({"min_count": 0}, "min_count"), ({"max_count": 0}, "max_count"),
    ({"min_count": 2.5}, "min_count"), ({"max_count": "abc"}, "max_count"),
    ({"min_count": "-1"}, "min_count"), ({"min_count": ""}, "min_count"),
    ({"min_count": 3, "max_count": 2}, "min_count must be <= max_count"),
    ({"return_reservation_id": "maybe"}, "return_reservation_id"),
])
def test_bad_counts_are_400(client, fields, fragment):
    resp = _create(client, **fields)
    assert resp.status_code == 400
    assert fragment in resp.json["badRequest"]["message"]


def test_unlimited_quota_still_bounds_one_request(client, flags, monkeypatch):
    flags(instances=-1, cores=-1, ram=-1, group="quota")
    monkeypatch.setattr(compute_api, "MAX_INSTANCES_PER_REQUEST", 4)
    resp = _create(client, min_count=5)
    assert resp.status_code == 400 and "min_count must be <= 4" in resp.text
    assert _create(client, min_count=1, max_count=10**12).status_code == 202
    assert len(_servers(client)) == 4


def test_broker_down_leaves_none_of_them(client, cast):
    cast.side_effect = messaging.MessageDeliveryFailure("down")
    assert _create(client, min_count=2).status_code == 503
    assert _servers(client) == []
