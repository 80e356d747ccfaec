"""The conductor's live-migrate task (conductor/tasks/live_migrate.py): the Migration it
records, the claims it hands over (the scheduler's, or its own on a forced host), the
pre-check call to the destination, the cast to the source, and its rollback."""
import uuid
from unittest import mock

import pytest

from mininova import exception
from mininova import objects
from mininova.conductor import manager as conductor_manager
from mininova.db import allocations as db_allocations
from mininova.db import api as db_api
from mininova.db import models

RESOURCES = {"vcpus": 2, "memory_mb": 1024, "local_gb": 10, "hypervisor_type": "fake",
             "hypervisor_version": 1}


def _holder(consumer: str) -> str | None:
    row = db_allocations.get_by_consumer(consumer)
    return None if row is None else row.host


@pytest.fixture
def setup(db, ctxt):
    objects.Flavor(ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1,
                   ephemeral_gb=0, swap=0, disabled=False, is_public=True).create()
    for host in ("src", "dst"):
        objects.Service.register(ctxt, host, "nova-compute", "compute")
        objects.ComputeNode.report(ctxt, host, dict(RESOURCES, hypervisor_hostname=host))
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        mgr = conductor_manager.ConductorManager("conductor1", transport=None)
    inst = objects.Instance(
        ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1",
        user_id="alice", image_ref="img", flavor_id="1", flavor_name="m1.tiny",
        memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0, host="src", node="src",
        vm_state="active", task_state="migrating", power_state=1, locked=False,
        launch_index=0, flavor_extra_specs={})
    inst.create()
    with db_api.session() as sess:
        sess.add(models.Allocation(consumer_uuid=inst.uuid, host="src", vcpus=1,
                                   memory_mb=512, disk_gb=1))
    objects.InstanceAction.action_start(ctxt, inst.uuid, "live-migration")
    mgr.compute_rpcapi.check_can_live_migrate_destination.return_value = {"probe": "p"}
    return mgr, inst


def _scheduler_claims(host: str):
    def claim(context, spec):
        assert db_allocations.claim(spec.instance_uuid, host,
                                    db_allocations.Resources(1, 512, 1),
                                    db_allocations.Resources(8, 8192, 80),
                                    place_instance=False)
        return host
    return claim


def _live_migration(ctxt, inst):
    (mig,) = objects.MigrationList.get_in_progress_by_instance(ctxt, inst.uuid) or [None]
    return mig


def test_the_scheduler_picks_and_the_source_is_cast_to(ctxt, setup):
    mgr, inst = setup
    mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = _scheduler_claims("dst")
    mgr.live_migrate_instance(ctxt, instance=inst, host=None, block_migration=None,
                              force=False)
    (spec,) = mgr.scheduler_rpcapi.select_destinations_for_move.call_args.args[1:]
    assert spec.ignore_hosts == ["src"] and spec.requested_host is None
    mig = _live_migration(ctxt, inst)
    assert (mig.status, mig.migration_type, mig.source_compute, mig.dest_compute) == (
        "accepted", "live-migration", "src", "dst")
    # NOTE: the source's claim is the migration's now; the instance's the destination's.
    assert _holder(mig.uuid) == "src" and _holder(inst.uuid) == "dst"
    check = mgr.compute_rpcapi.check_can_live_migrate_destination.call_args
    assert check.args[2:4] == ("dst", None)
    cast = mgr.compute_rpcapi.live_migration.call_args
    assert cast.args[2].id == mig.id and cast.args[3] == {"probe": "p"}
    events = objects.InstanceActionEventList.get_by_action(
        ctxt, objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id).id)
    assert [(e.event, e.result) for e in events] == [
        ("conductor_live_migrate_instance", "Success")]


def test_a_forced_host_skips_the_scheduler_but_not_the_capacity(ctxt, setup):
    mgr, inst = setup
    mgr.live_migrate_instance(ctxt, instance=inst, host="dst", block_migration=False,
                              force=True)
    mgr.scheduler_rpcapi.select_destinations_for_move.assert_not_called()
    assert _holder(inst.uuid) == "dst"
    mgr.compute_rpcapi.live_migration.assert_called_once()

    big = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    with db_api.session() as sess:
        sess.add(models.Allocation(consumer_uuid=str(uuid.uuid4()), host="src", vcpus=2,
                                   memory_mb=1024, disk_gb=1))
    big.host = big.node = "dst"
    big.task_state = "migrating"
    big.save()
    mgr.compute_rpcapi.live_migration.reset_mock()
    mgr.live_migrate_instance(ctxt, instance=big, host="src", block_migration=False,
                              force=True)
    mgr.compute_rpcapi.live_migration.assert_not_called()
    after = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (after.host, after.task_state, after.vm_state) == ("dst", None, "active")
    faults = objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
    assert "not enough capacity" in faults[inst.uuid].message


@pytest.mark.parametrize("failure", [
    "no valid host", "pre-check", "source down", "cast"])
def test_every_failure_leaves_the_server_on_its_source(ctxt, setup, failure):
    mgr, inst = setup
    mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = _scheduler_claims("dst")
    if failure == "no valid host":
        mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = (
            exception.NoValidHost(reason="full"))
    elif failure == "pre-check":
        mgr.compute_rpcapi.check_can_live_migrate_destination.side_effect = (
            exception.InvalidLocalStorage(path="src", reason="shared"))
    elif failure == "source down":
        svc = objects.Service.get_by_host_and_binary(ctxt, "src", "nova-compute")
        svc.forced_down = True
        svc.save()
    else:
        mgr.compute_rpcapi.live_migration.side_effect = exception.ServiceUnavailable(
            reason="cap")
    mgr.live_migrate_instance(ctxt, instance=inst, host=None, block_migration=True,
                              force=False)
    after = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (after.host, after.vm_state, after.task_state) == ("src", "active", None)
    assert _holder(inst.uuid) == "src"
    assert _live_migration(ctxt, inst) is None
    migration = objects.Migration.get_by_instance_and_status(ctxt, inst.uuid, "error")
    assert _holder(migration.uuid) is None
    assert inst.uuid in objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
