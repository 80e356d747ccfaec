"""os-simple-tenant-usage in-process: the figures from the instances' lifetimes (deleted
ones within theirs), Nova's start/end rules, the admin-only list and paging from 2.40."""
import datetime

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi
from mininova.db import api as db_api
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
FMT = "%Y-%m-%dT%H:%M:%S.%f"
DAY = datetime.timedelta(days=1)
NOW = db_api.utcnow()


@pytest.fixture(autouse=True)
def _now():
    """NOW is when the test starts: the API clamps a period's end to the real now."""
    global NOW
    NOW = db_api.utcnow()


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _instance(uuid: str, project_id: str = "p1", launched_ago=2 * DAY,
              terminated_ago=None) -> None:
    """An instance launched (and terminated) that long before NOW; None: never."""
    launched = NOW - launched_ago if launched_ago is not None else None
    terminated = NOW - terminated_ago if terminated_ago is not None else None
    db_instances.instance_create({
        "uuid": uuid, "display_name": f"vm-{uuid[:4]}", "project_id": project_id,
        "user_id": "alice", "image_ref": "i", "flavor_id": "2", "flavor_name": "m1.small",
        "memory_mb": 2048, "vcpus": 2, "root_gb": 20, "ephemeral_gb": 5,
        "vm_state": "active", "launched_at": launched, "terminated_at": terminated})


def _period(start, end) -> dict:
    return {"start": start.strftime(FMT), "end": end.strftime(FMT)}


def test_show_counts_each_lifetime_inside_the_period(client):
    start = NOW - 3 * DAY
    _instance("aaaa0000-0000-0000-0000-000000000001")  # alive since 2 days ago: 48 h
    _instance("bbbb0000-0000-0000-0000-000000000002", launched_ago=2.5 * DAY)
    db_instances.instance_destroy("bbbb0000-0000-0000-0000-000000000002")  # 60 h
    _instance("cccc0000-0000-0000-0000-000000000003", launched_ago=4 * DAY,
              terminated_ago=2.5 * DAY)  # ended inside the period: 12 h
    _instance("dddd0000-0000-0000-0000-000000000004", launched_ago=10 * DAY,
              terminated_ago=5 * DAY)  # gone before the period: not listed
    _instance("eeee0000-0000-0000-0000-000000000005", launched_ago=None)  # never launched

    resp = client.simulate_get("/v2.1/os-simple-tenant-usage/p1",
                               params=_period(start, NOW + DAY), headers=ALICE)
    assert resp.status_code == 200, resp.text
    usage = resp.json["tenant_usage"]
    assert usage["start"] == start.strftime(FMT)
    # NOTE: the end is clamped to now.
    assert NOW.strftime(FMT) <= usage["stop"] < (NOW + DAY).strftime(FMT)
    assert usage["total_hours"] == pytest.approx(120, abs=0.1)
    assert usage["total_vcpus_usage"] == pytest.approx(240, abs=0.2)
    assert usage["total_memory_mb_usage"] == pytest.approx(120 * 2048, abs=300)
    assert usage["total_local_gb_usage"] == pytest.approx(120 * 25, abs=3)
    servers = {s["instance_id"][:4]: s for s in usage["server_usages"]}
    assert set(servers) == {"aaaa", "bbbb", "cccc"}
    assert servers["aaaa"]["state"] == "active" and servers["aaaa"]["ended_at"] is None
    assert servers["bbbb"]["state"] == "terminated" and servers["bbbb"]["ended_at"]
    assert servers["cccc"]["uptime"] == int(1.5 * 24 * 3600)
    assert (servers["cccc"]["flavor"], servers["cccc"]["local_gb"],
            servers["cccc"]["hours"]) == ("m1.small", 25, pytest.approx(12))

    earlier = client.simulate_get("/v2.1/os-simple-tenant-usage/p1", params=_period(
        NOW - 3 * DAY, NOW - DAY), headers=ALICE).json["tenant_usage"]
    assert earlier["stop"] == (NOW - DAY).strftime(FMT)
    assert earlier["total_hours"] == pytest.approx(24 + 36 + 12)


def test_list_is_for_admins_and_groups_by_project(client):
    _instance("aaaa0000-0000-0000-0000-000000000001")
    _instance("bbbb0000-0000-0000-0000-000000000002", project_id="p2")
    params = {**_period(NOW - DAY, NOW + DAY), "detailed": "1"}
    usages = client.simulate_get("/v2.1/os-simple-tenant-usage", params=params,
                                 headers=ADMIN).json["tenant_usages"]
    assert [u["tenant_id"] for u in usages] == ["p1", "p2"]
    assert len(usages[0]) == 8 and len(usages[0]["server_usages"]) == 1
    # NOTE: the end is clamped to now, so 24 hours at most.
    assert usages[0]["total_hours"] == pytest.approx(24, abs=0.01)
    brief = client.simulate_get("/v2.1/os-simple-tenant-usage", params=_period(
        NOW - DAY, NOW + DAY), headers=ADMIN).json["tenant_usages"]
    assert "server_usages" not in brief[0]
    assert client.simulate_get("/v2.1/os-simple-tenant-usage", params=params,
                               headers=ALICE).status_code == 403
    assert client.simulate_get("/v2.1/os-simple-tenant-usage/p2", params=params,
                               headers=ALICE).status_code == 403
    empty = client.simulate_get("/v2.1/os-simple-tenant-usage/p3", headers=ADMIN)
    assert empty.status_code == 200 and empty.json == {"tenant_usage": {}}


@pytest.mark.parametrize("params, message", [
    ({"start": "2020-01-02T00:00:00", "end": "2020-01-01T00:00:00"},
     "Invalid start time. The start time cannot occur after the end time."),
    ({"start": "yesterday"}, "Invalid datetime string: Datetime is in invalid format"),
    ({"start": "2020-01-01T00:00:00Z"},
     "Invalid datetime string: Datetime is in invalid format"),
])
def test_bad_periods_are_400(client, params, message):
    resp = client.simulate_get("/v2.1/os-simple-tenant-usage/p1", params=params,
                               headers=ADMIN)
    assert resp.status_code == 400
    assert resp.json["badRequest"]["message"] == message


def test_every_date_form_nova_takes(client):
    for start in ("2020-01-01T00:00:00", "2020-01-01T00:00:00.5", "2020-01-01 00:00:00.5"):
        assert client.simulate_get("/v2.1/os-simple-tenant-usage/p1", params={
            "start": start}, headers=ADMIN).status_code == 200, start


def test_an_empty_tenant_id_is_404(client):
    resp = client.simulate_get("/v2.1/os-simple-tenant-usage/", headers=ADMIN)
    assert resp.status_code == 404


def test_paging_from_2_40(client):
    for n in range(3):
        _instance(f"{n}aaa0000-0000-0000-0000-000000000000")
    headers = {**ADMIN, "OpenStack-API-Version": "compute 2.40"}
    params = {**_period(NOW - DAY, NOW + DAY), "detailed": "1", "limit": "2"}
    first = client.simulate_get("/v2.1/os-simple-tenant-usage", params=params,
                                headers=headers).json
    assert len(first["tenant_usages"][0]["server_usages"]) == 2
    link = first["tenant_usages_links"][0]
    assert link["rel"] == "next" and "marker=1aaa0000" in link["href"]
    second = client.simulate_get("/v2.1/os-simple-tenant-usage", params={
        **params, "marker": "1aaa0000-0000-0000-0000-000000000000"}, headers=headers).json
    assert [s["instance_id"][:4] for s in second["tenant_usages"][0]["server_usages"]] == [
        "2aaa"]
    assert "tenant_usages_links" not in second
    shown = client.simulate_get("/v2.1/os-simple-tenant-usage/p1", params={
        "limit": "1"}, headers=headers).json
    assert "/os-simple-tenant-usage/p1?" in shown["tenant_usage_links"][0]["href"]
    bad = client.simulate_get("/v2.1/os-simple-tenant-usage", params={"marker": "nope"},
                              headers=headers)
    assert bad.status_code == 400 and "Marker nope could not be found" in bad.text
    # Before 2.40 limit and marker mean nothing.
    assert "tenant_usages_links" not in client.simulate_get(
        "/v2.1/os-simple-tenant-usage", params=params, headers=ADMIN).json


def test_unknown_parameters_are_400_from_2_75(client):
    params = {"foo": "bar"}
    assert client.simulate_get("/v2.1/os-simple-tenant-usage", params=params,
                               headers=ADMIN).status_code == 200
    assert client.simulate_get("/v2.1/os-simple-tenant-usage", params=params, headers={
        **ADMIN, "OpenStack-API-Version": "compute 2.75"}).status_code == 400
