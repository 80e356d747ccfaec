"""os-migrateLive and the server migrations API: Nova's body per microversion, what
reaches the conductor (block_migration "auto" as None, force by Nova's rules), its 4xx,
and the force-complete / abort rules for a live migration in progress."""
import datetime
import uuid
from unittest import mock

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.compute import rpcapi as compute_rpcapi
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.db import instances as db_instances
from mininova.db import services as db_services

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}


def _v(version: str, token: dict = ADMIN) -> dict:
    return {"OpenStack-API-Version": f"compute {version}", **token}


@pytest.fixture
def cloud(db, admin_ctxt):
    """compute1 holds an ACTIVE server of project p1; compute2 is up, compute3 down.
    Yields (client, server id, the conductor cast mock, the compute rpcapi mock)."""
    for host in ("compute1", "compute2", "compute3"):
        svc = objects.Service.register(admin_ctxt, host, "nova-compute", "compute")
        if host == "compute3":
            db_services.service_update(svc.id, {"last_seen_up": datetime.datetime(2000, 1, 1)})
    inst = objects.Instance(
        admin_ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1",
        user_id="alice", image_ref="img", flavor_id="1", flavor_name="m1.tiny",
        memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0, vm_state="active",
        task_state=None, power_state=1, locked=False, launch_index=0,
        flavor_extra_specs={}, host="compute1", node="compute1")
    inst.create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    with mock.patch.object(conductor_rpcapi.ConductorAPI, "live_migrate_instance") as cast, \
            mock.patch.object(compute_rpcapi, "ComputeAPI") as computes:
        yield (testing.TestClient(wsgi.create_app(CONF, transport)), inst.uuid, cast,
               computes.return_value)


def _live(client, sid, body, version="2.30", token=ADMIN):
    return client.simulate_post(f"/v2.1/servers/{sid}/action",
                                json={"os-migrateLive": body}, headers=_v(version, token))


def _fault(resp, code: int, text: str = "") -> None:
    assert resp.status_code == code, resp.text
    (body,) = resp.json.values()
    assert body["code"] == code and text in body["message"], resp.text


@pytest.mark.parametrize("version, body, host, block, force", [
    ("2.1", {"host": "compute2", "block_migration": "true", "disk_over_commit": False},
     "compute2", True, True),
    ("2.24", {"host": None, "block_migration": False, "disk_over_commit": "0"},
     None, False, False),
    ("2.25", {"host": "compute2", "block_migration": "auto"}, "compute2", None, True),
    ("2.30", {"host": "compute2", "block_migration": "auto"}, "compute2", None, False),
    ("2.30", {"host": "compute2", "block_migration": False, "force": True},
     "compute2", False, True),
    ("2.68", {"host": "compute2", "block_migration": "auto"}, "compute2", None, False),
])
def test_the_body_of_each_version_reaches_the_conductor(cloud, version, body, host, block,
                                                        force):
    client, sid, cast, _computes = cloud
    resp = _live(client, sid, body, version)
    assert resp.status_code == 202 and resp.text == "", resp.text
    _ctxt, instance, *args = cast.call_args.args
    assert (instance.uuid, instance.task_state, *args) == (sid, "migrating", host, block,
                                                           force)
    shown = client.simulate_get(f"/v2.1/servers/{sid}", headers=ADMIN).json["server"]
    assert shown["status"] == "MIGRATING"
    actions = objects.InstanceActionList.get_by_instance_uuid(None, sid)
    assert "live-migration" in {a.action for a in actions}


@pytest.mark.parametrize("version, body, code, text", [
    ("2.24", {"host": "compute2", "block_migration": False}, 400, "disk_over_commit"),
    ("2.25", {"host": "compute2", "block_migration": False, "disk_over_commit": False},
     400, "disk_over_commit"),
    ("2.25", {"host": "compute2", "block_migration": "auto", "force": True}, 400, "force"),
    ("2.68", {"host": "compute2", "block_migration": "auto", "force": True}, 400, "force"),
    ("2.30", {"host": None, "block_migration": "auto", "force": True}, 400,
     "Can't force to a non-provided destination"),
    ("2.30", {"block_migration": "auto"}, 400, "host"),
    ("2.24", {"host": "compute2", "block_migration": "auto", "disk_over_commit": False},
     400, "block_migration"),
    ("2.30", {"host": "nowhere", "block_migration": "auto"}, 400,
     "Compute host nowhere could not be found."),
    ("2.30", {"host": "compute1", "block_migration": "auto"}, 400, "current host"),
    ("2.30", {"host": "compute3", "block_migration": "auto"}, 400,
     "Compute service of compute3 is unavailable"),
])
def test_bad_input_is_novas_400(cloud, version, body, code, text):
    client, sid, cast, _computes = cloud
    _fault(_live(client, sid, body, version), code, text)
    cast.assert_not_called()
    assert objects.Instance.get_by_uuid(None, sid).task_state is None


def test_admin_only_and_active_only(cloud):
    client, sid, cast, _computes = cloud
    body = {"host": "compute2", "block_migration": "auto"}
    _fault(_live(client, sid, body, token=MEMBER), 403)
    db_instances.instance_update(sid, {"vm_state": "stopped"})
    _fault(_live(client, sid, body), 409, "vm_state stopped")
    db_instances.instance_update(sid, {"vm_state": "active", "task_state": "migrating"})
    _fault(_live(client, sid, body), 409, "task_state migrating")
    cast.assert_not_called()


def _migration(ctxt, sid: str, status: str, migration_type: str = "live-migration"):
    migration = objects.Migration(
        ctxt, uuid=str(uuid.uuid4()), instance_uuid=sid, source_compute="compute1",
        source_node="compute1", dest_compute="compute2", dest_node="compute2",
        dest_host="compute2", status=status, migration_type=migration_type, hidden=False)
    migration.create()
    return migration


def test_force_complete_and_abort_follow_novas_rules(cloud, admin_ctxt):
    client, sid, _cast, computes = cloud
    path = f"/v2.1/servers/{sid}/migrations"
    db_instances.instance_update(sid, {"task_state": "migrating"})
    running = _migration(admin_ctxt, sid, "running")
    preparing = _migration(admin_ctxt, sid, "preparing")
    resize = _migration(admin_ctxt, sid, "running", "resize")

    def force(mid, version="2.22"):
        return client.simulate_post(f"{path}/{mid}/action", json={"force_complete": None},
                                    headers=_v(version))

    def abort(mid, version="2.24", token=ADMIN):
        return client.simulate_delete(f"{path}/{mid}", headers=_v(version, token))

    _fault(force(running.id, "2.21"), 404)
    _fault(force(999), 400, "not found")
    _fault(force(preparing.id), 400, "Cannot force complete")
    _fault(force(resize.id), 400, "Cannot force complete")
    assert force(running.id).status_code == 202
    (call,) = computes.live_migration_force_complete.call_args_list
    assert call.args[2].id == running.id

    _fault(abort(running.id, "2.23"), 404)
    _fault(abort(running.id, token=MEMBER), 403)
    _fault(abort(999), 404, "not found")
    _fault(abort(preparing.id), 400, "Cannot abort live migration")
    _fault(abort(preparing.id, "2.65"), 409, "not yet supported")
    assert abort(running.id).status_code == 202
    assert computes.live_migration_abort.call_args.args[2] == running.id
    actions = {a.action for a in objects.InstanceActionList.get_by_instance_uuid(None, sid)}
    assert {"live_migration_force_complete", "live_migration_cancel"} <= actions

    listed = client.simulate_get(path, headers=_v("2.80")).json["migrations"]
    assert {m["id"] for m in listed} == {running.id, preparing.id}
    assert listed[0]["server_uuid"] == sid and "memory_total_bytes" in listed[0]

    db_instances.instance_update(sid, {"task_state": None})
    _fault(abort(running.id), 409, "task_state None")
    _fault(force(running.id), 409, "task_state None")
