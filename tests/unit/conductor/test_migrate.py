"""The conductor's migrate task (conductor/tasks/migrate.py): the Migration it records,
the claims it hands over, what it asks the scheduler, and its rollback."""
import uuid
from unittest import mock

import pytest

from mininova import exception
from mininova import objects
from mininova.conductor import manager as conductor_manager
from mininova.db import allocations as db_allocations
from mininova.db import api as db_api
from mininova.db import models


def _instance(ctxt):
    inst = objects.Instance(
        ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1",
        user_id="alice", image_ref="3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d", flavor_id="1",
        flavor_name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
        host="src", node="src", vm_state="active", task_state="resize_prep",
        power_state=1, locked=False, launch_index=0, flavor_extra_specs={})
    inst.create()
    with db_api.session() as sess:
        sess.add(models.Allocation(consumer_uuid=inst.uuid, host="src", vcpus=1,
                                   memory_mb=512, disk_gb=1))
    return inst


@pytest.fixture
def setup(db, ctxt):
    for flavorid, name, ram, vcpus, disk in (("1", "m1.tiny", 512, 1, 1),
                                             ("2", "m1.medium", 1024, 2, 2)):
        objects.Flavor(ctxt, flavorid=flavorid, name=name, memory_mb=ram, vcpus=vcpus,
                       root_gb=disk, ephemeral_gb=0, swap=0, disabled=False,
                       is_public=True).create()
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        mgr = conductor_manager.ConductorManager("conductor1", transport=None)
    inst = _instance(ctxt)
    objects.InstanceAction.action_start(ctxt, inst.uuid, "resize")
    return mgr, inst


def _holder(consumer: str) -> str | None:
    row = db_allocations.get_by_consumer(consumer)
    return None if row is None else row.host


def test_resize_records_the_migration_and_casts_prep_resize(ctxt, setup):
    mgr, inst = setup
    mgr.scheduler_rpcapi.select_destinations_for_move.return_value = "dst"
    flavor = objects.Flavor.get_by_flavor_id(ctxt, "2")
    mgr.migrate_server(ctxt, instance=inst, flavor=flavor)

    (spec,) = mgr.scheduler_rpcapi.select_destinations_for_move.call_args.args[1:]
    assert (spec.memory_mb, spec.vcpus, spec.root_gb) == (1024, 2, 2)
    assert spec.ignore_hosts == ["src"] and spec.requested_host is None
    migration = objects.Migration.get_by_instance_and_status(ctxt, inst.uuid,
                                                             "pre-migrating")
    assert (migration.migration_type, migration.source_compute,
            migration.dest_compute) == ("resize", "src", "dst")
    assert migration.old_flavor["flavorid"] == "1" and migration.new_flavor["flavorid"] == "2"
    assert migration.new_instance_type_id == flavor.id != migration.old_instance_type_id
    # NOTE: the source's claim is the migration's now; the instance's is the scheduler's.
    assert _holder(migration.uuid) == "src" and _holder(inst.uuid) is None
    cast = mgr.compute_rpcapi.prep_resize.call_args
    assert cast.args[1].uuid == inst.uuid and cast.args[2].id == migration.id
    assert cast.args[3] == "dst"


def test_cold_migration_keeps_the_flavor_and_passes_the_host(ctxt, setup, flags):
    mgr, inst = setup
    flags(allow_resize_to_same_host=True)
    mgr.scheduler_rpcapi.select_destinations_for_move.return_value = "dst"
    mgr.migrate_server(ctxt, instance=inst, flavor=None, host="dst")
    (spec,) = mgr.scheduler_rpcapi.select_destinations_for_move.call_args.args[1:]
    # NOTE: allow_resize_to_same_host is for resizes only: a migration always moves.
    assert spec.ignore_hosts == ["src"] and spec.requested_host == "dst"
    assert spec.memory_mb == 512
    migration = objects.Migration.get_by_instance_and_status(ctxt, inst.uuid,
                                                             "pre-migrating")
    assert migration.migration_type == "migration"
    assert migration.old_instance_type_id == migration.new_instance_type_id


def test_resize_may_stay_on_its_host_when_allowed(ctxt, setup, flags):
    mgr, inst = setup
    flags(allow_resize_to_same_host=True)
    mgr.scheduler_rpcapi.select_destinations_for_move.return_value = "src"
    mgr.migrate_server(ctxt, instance=inst, flavor=objects.Flavor.get_by_flavor_id(ctxt, "2"))
    (spec,) = mgr.scheduler_rpcapi.select_destinations_for_move.call_args.args[1:]
    assert spec.ignore_hosts == []


@pytest.mark.parametrize("failure, fault", [
    (exception.NoValidHost(reason="full"), "No valid host"),
    (RuntimeError("database is locked"), "RuntimeError: database is locked")])
def test_no_host_rolls_back(ctxt, setup, failure, fault):
    """No host, or anything unexpected: the server stays where it was, with a fault."""
    mgr, inst = setup
    mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = failure
    mgr.migrate_server(ctxt, instance=inst, flavor=objects.Flavor.get_by_flavor_id(ctxt, "2"))

    after = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (after.vm_state, after.task_state, after.host, after.memory_mb) == (
        "active", None, "src", 512)
    assert _holder(inst.uuid) == "src"
    migration = objects.Migration.get_by_instance_and_status(ctxt, inst.uuid, "error")
    assert _holder(migration.uuid) is None
    faults = objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
    assert fault in faults[inst.uuid].message
    action = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id)
    (event,) = objects.InstanceActionEventList.get_by_action(ctxt, action.id)
    assert (event.event, event.result) == ("conductor_migrate_server", "Error")
    mgr.compute_rpcapi.prep_resize.assert_not_called()


def test_a_failed_cast_rolls_back_the_scheduler_claim(ctxt, setup):
    mgr, inst = setup

    def claim(context, spec):
        with db_api.session() as sess:
            sess.add(models.Allocation(consumer_uuid=inst.uuid, host="dst", vcpus=2,
                                       memory_mb=1024, disk_gb=2))
        return "dst"

    mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = claim
    mgr.compute_rpcapi.prep_resize.side_effect = exception.ServiceUnavailable(reason="x")
    mgr.migrate_server(ctxt, instance=inst, flavor=objects.Flavor.get_by_flavor_id(ctxt, "2"))
    assert _holder(inst.uuid) == "src"
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).task_state is None


def test_a_resize_its_conductor_died_in_is_undone_when_it_starts_again(ctxt, setup):
    """The conductor died while the scheduler was choosing (the source's claim already
    handed to the migration): started again, it gives the claim back, ends the
    migration in error and clears the task, as a failure would have."""
    mgr, inst = setup

    class Killed(BaseException):
        pass

    mgr.scheduler_rpcapi.select_destinations_for_move.side_effect = Killed()
    with pytest.raises(Killed):
        mgr.migrate_server(ctxt, instance=inst,
                           flavor=objects.Flavor.get_by_flavor_id(ctxt, "2"))
    (migration,) = objects.MigrationList.get_in_progress_by_instance(ctxt, inst.uuid)
    assert _holder(migration.uuid) == "src" and _holder(inst.uuid) is None

    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        conductor_manager.ConductorManager("conductor1", transport=None).init_host()
    after = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (after.vm_state, after.task_state, after.host) == ("active", None, "src")
    assert _holder(inst.uuid) == "src" and _holder(migration.uuid) is None
    assert objects.Migration.get_by_id(ctxt, migration.id).status == "error"
