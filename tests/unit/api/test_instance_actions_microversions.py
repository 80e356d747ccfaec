"""os-instance-actions across microversions: deleted servers (2.21), events for the owner
(2.51), updated_at and paging (2.58), hostId/host (2.62), changes-before (2.66) and event
details (2.84)."""
import datetime
import hashlib

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa
from falcon import testing

from mininova import conf
from mininova import context as mn_context
from mininova import exception
from mininova import objects
from mininova.api import wsgi
from mininova.db import api as db_api
from mininova.db import instances as db_instances
from mininova.db import models

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
VM = "0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10"
ACTIONS = "/v2.1/servers/" + VM + "/os-instance-actions"


def _at(version: str, headers: dict = ALICE) -> dict:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def _record(action: str, request_id: str, fail: bool = False) -> None:
    """An action as the API records it, with one event finished on compute1."""
    ctxt = mn_context.RequestContext(user_id="alice", project_id="p1",
                                     request_id=request_id)
    objects.InstanceAction.action_start(ctxt, VM, action)
    objects.InstanceActionEvent.event_start(ctxt, VM, f"compute_{action}", host="compute1")
    if fail:
        objects.InstanceActionEvent.event_finish_with_failure(
            ctxt, VM, f"compute_{action}", exception.HypervisorError(reason="disk full"))
    else:
        objects.InstanceActionEvent.event_finish(ctxt, VM, f"compute_{action}")


@pytest.fixture
def client(db):
    db_instances.instance_create({
        "uuid": VM, "display_name": "vm", "project_id": "p1", "user_id": "alice",
        "image_ref": "i", "flavor_id": "1", "flavor_name": "f", "memory_mb": 512,
        "vcpus": 1, "root_gb": 1, "host": "compute1", "vm_state": "active"})
    for number, action in enumerate(("create", "stop", "start", "reboot")):
        _record(action, f"req-{number}", fail=action == "reboot")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _list(client, version: str, query: str = "", status: int = 200,
          headers: dict = ALICE) -> dict:
    resp = client.simulate_get(ACTIONS, query_string=query, headers=_at(version, headers))
    assert resp.status_code == status, resp.text
    return resp.json


def _show(client, version: str, request_id: str, headers: dict = ALICE) -> dict:
    resp = client.simulate_get(f"{ACTIONS}/{request_id}", headers=_at(version, headers))
    assert resp.status_code == 200, resp.text
    return resp.json["instanceAction"]


def test_deleted_servers_actions_from_221(client):
    db_instances.instance_destroy(VM)
    assert client.simulate_get(ACTIONS, headers=_at("2.20")).status_code == 404
    actions = _list(client, "2.21")["instanceActions"]
    assert [a["action"] for a in actions] == ["reboot", "start", "stop", "create"]
    assert _show(client, "2.21", "req-0")["action"] == "create"
    bob = {"X-Auth-Token": "bob:p2"}
    assert client.simulate_get(ACTIONS, headers=_at("2.21", bob)).status_code == 404


def test_events_for_the_owner_from_251(client):
    assert "events" not in _show(client, "2.50", "req-0")
    (event,) = _show(client, "2.51", "req-0")["events"]
    assert (event["event"], event["result"]) == ("compute_create", "Success")
    assert "traceback" not in event and "host" not in event and "hostId" not in event
    (admin_event,) = _show(client, "2.1", "req-3", headers=ADMIN)["events"]
    assert "disk full" in admin_event["traceback"] and "host" not in admin_event


def test_host_id_for_all_and_host_for_admin_from_262(client):
    host_id = hashlib.sha224(b"p1compute1").hexdigest()
    (event,) = _show(client, "2.62", "req-0")["events"]
    assert event["hostId"] == host_id and "host" not in event
    (admin_event,) = _show(client, "2.62", "req-0", headers=ADMIN)["events"]
    assert (admin_event["hostId"], admin_event["host"]) == (host_id, "compute1")


def test_event_details_from_284(client):
    (failed,) = _show(client, "2.84", "req-3")["events"]
    assert failed["details"] == "Hypervisor error: disk full"
    assert "traceback" not in failed
    (fine,) = _show(client, "2.84", "req-0")["events"]
    assert fine["details"] is None
    assert "details" not in _show(client, "2.83", "req-3")["events"][0]


def test_updated_at_and_paging_from_258(client):
    assert "updated_at" not in _list(client, "2.57")["instanceActions"][0]
    # Below 2.58 paging parameters mean nothing.
    assert len(_list(client, "2.57", "limit=1")["instanceActions"]) == 4
    page = _list(client, "2.58", "limit=2")
    assert [a["request_id"] for a in page["instanceActions"]] == ["req-3", "req-2"]
    assert all(a["updated_at"] for a in page["instanceActions"])
    (link,) = page["links"]
    assert link["rel"] == "next" and "marker=req-2" in link["href"]
    rest = _list(client, "2.58", "limit=2&marker=req-2")
    assert [a["request_id"] for a in rest["instanceActions"]] == ["req-1", "req-0"]
    assert "updated_at" in _show(client, "2.58", "req-0")
    _list(client, "2.58", "marker=req-9", status=400)
    _list(client, "2.58", "limit=x", status=400)
    _list(client, "2.58", "bogus=1", status=400)


def _set_updated_at(request_id: str, when: datetime.datetime) -> None:
    with db_api.session() as sess:
        sess.execute(sa.update(models.InstanceAction)
                     .where(models.InstanceAction.request_id == request_id)
                     .values(updated_at=when))


def test_changes_since_258_and_before_266(client):
    base = datetime.datetime(2026, 1, 1)
    for number in range(4):
        _set_updated_at(f"req-{number}", base + datetime.timedelta(hours=number))
    since = _list(client, "2.58", "changes-since=2026-01-01T01:00:00Z")
    assert [a["request_id"] for a in since["instanceActions"]] == ["req-3", "req-2", "req-1"]
    _list(client, "2.65", "changes-before=2026-01-01T01:00:00Z", status=400)
    window = _list(client, "2.66", "changes-since=2026-01-01T01:00:00Z&"
                                   "changes-before=2026-01-01T02:00:00Z")
    assert [a["request_id"] for a in window["instanceActions"]] == ["req-2", "req-1"]
    _list(client, "2.66", "changes-since=2026-01-01T02:00:00Z&"
                          "changes-before=2026-01-01T01:00:00Z", status=400)
    _list(client, "2.58", "changes-since=yesterday", status=400)


def test_an_event_moves_its_actions_updated_at(client):
    before = _show(client, "2.58", "req-0")["updated_at"]
    ctxt = mn_context.RequestContext(user_id="alice", project_id="p1", request_id="req-0")
    objects.InstanceActionEvent.event_start(ctxt, VM, "compute_again", host="compute1")
    assert _show(client, "2.58", "req-0")["updated_at"] > before
