"""The compute side of resize (compute/resize.py): a step that fails puts the server back,
a restart resolves a move half done, a step that arrives after that ends quietly, and
resize_confirm_window confirms by itself. Real objects on SQLite, a fake driver."""
import datetime
import uuid
from unittest import mock

import pytest

from mininova import objects
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import api as db_api
from mininova.db import models
from tests.unit.compute.fakes import HOST
from tests.unit.compute.fakes import FakeDriver

SOURCE, DEST = "src", HOST
OLD = {"id": 1, "flavorid": "1", "name": "m1.tiny", "memory_mb": 512, "vcpus": 1,
       "root_gb": 1, "ephemeral_gb": 0, "swap": 0, "extra_specs": {}}
NEW = dict(OLD, id=2, flavorid="2", name="m1.medium", memory_mb=1024, vcpus=2, root_gb=2)


class MoveDriver(FakeDriver):
    """The fake driver with the move steps: the guest appears and disappears."""

    def migrate_disk_and_power_off(self, context, instance, dest, timeout=0,
                                   retry_interval=0):
        self._call("migrate_disk_and_power_off", instance, dest)
        self.guests.pop(instance.uuid)

    def finish_migration(self, context, instance, power_on):
        self.calls.append(("finish_migration", instance.uuid, instance.memory_mb))
        self.guests[instance.uuid] = (power_state.RUNNING if power_on
                                      else power_state.SHUTDOWN)

    def finish_revert_migration(self, context, instance, power_on):
        self.calls.append(("finish_revert_migration", instance.uuid, instance.memory_mb))
        self.guests[instance.uuid] = (power_state.RUNNING if power_on
                                      else power_state.SHUTDOWN)

    def confirm_migration(self, context, instance):
        self.calls.append(("confirm_migration", instance.uuid))

    def cleanup_migration_destination(self, context, instance):
        self.calls.append(("cleanup_migration_destination", instance.uuid))
        self.guests.pop(instance.uuid, None)


@pytest.fixture
def driver(monkeypatch):
    from mininova.virt import driver as virt_driver
    fake = MoveDriver()
    monkeypatch.setattr(virt_driver, "load_driver", lambda conf: fake)
    return fake


@pytest.fixture
def mgr(mgr):
    mgr.compute_rpcapi = mock.Mock()
    return mgr


def _alloc(consumer: str, host: str, ram: int) -> None:
    with db_api.session() as sess:
        sess.add(models.Allocation(consumer_uuid=consumer, host=host, vcpus=1,
                                   memory_mb=ram, disk_gb=1))


def _holder(ctxt, consumer: str):
    alloc = objects.Allocation.get_by_consumer(ctxt, consumer)
    return None if alloc is None else (alloc.host, alloc.memory_mb)


def _move(ctxt, host: str, task_state: str, status: str, vm_state=vm_states.ACTIVE,
          flavor=OLD):
    """An instance moving from SOURCE to DEST, its migration and both claims."""
    inst = objects.Instance(
        ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1", user_id="alice",
        image_ref="img", flavor_id=flavor["flavorid"], flavor_name=flavor["name"],
        memory_mb=flavor["memory_mb"], vcpus=flavor["vcpus"], root_gb=flavor["root_gb"],
        host=host, node=host, vm_state=vm_state, task_state=task_state,
        power_state=power_state.RUNNING)
    inst.create()
    migration = objects.Migration(
        ctxt, uuid=str(uuid.uuid4()), instance_uuid=inst.uuid, source_compute=SOURCE,
        source_node=SOURCE, dest_compute=DEST, dest_node=DEST, dest_host=DEST,
        old_instance_type_id=1, new_instance_type_id=2, old_flavor=OLD, new_flavor=NEW,
        status=status, migration_type="resize", hidden=False)
    migration.create()
    _alloc(migration.uuid, SOURCE, 512)
    _alloc(inst.uuid, DEST, 1024)
    objects.InstanceAction.action_start(ctxt, inst.uuid, "resize")
    return inst, migration


def _reload(ctxt, inst, migration):
    return (objects.Instance.get_by_uuid(ctxt, inst.uuid),
            objects.Migration.get_by_id(ctxt, migration.id))


def test_a_failed_hand_over_puts_the_server_back_on_its_source(mgr, ctxt, driver):
    mgr.host = SOURCE
    inst, migration = _move(ctxt, SOURCE, task_states.RESIZE_PREP, "pre-migrating")
    driver.guests[inst.uuid] = power_state.RUNNING
    driver.fail.add("migrate_disk_and_power_off")
    with pytest.raises(Exception, match="failed"):
        mgr.resize_instance(ctxt, instance=inst, migration=migration)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state, got.memory_mb) == (
        SOURCE, vm_states.ACTIVE, None, 512)
    assert driver.guests[inst.uuid] == power_state.RUNNING
    assert mig.status == "error"
    assert _holder(ctxt, inst.uuid) == (SOURCE, 512) and _holder(ctxt, mig.uuid) is None
    assert inst.uuid in objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
    mgr.compute_rpcapi.finish_resize.assert_not_called()


def test_restart_before_the_hand_over_undoes_the_move(mgr, ctxt, driver):
    mgr.host = SOURCE
    inst, migration = _move(ctxt, SOURCE, task_states.RESIZE_PREP, "pre-migrating")
    driver.guests[inst.uuid] = power_state.RUNNING
    mgr._init_instance(ctxt, inst)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state) == (SOURCE, vm_states.ACTIVE, None)
    assert mig.status == "error" and _holder(ctxt, inst.uuid) == (SOURCE, 512)


def test_restart_during_the_hand_over_restarts_the_guest_on_the_source(mgr, ctxt, driver):
    mgr.host = SOURCE
    inst, migration = _move(ctxt, SOURCE, task_states.RESIZE_MIGRATING, "migrating")
    mgr._init_instance(ctxt, inst)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state, got.power_state) == (
        SOURCE, vm_states.ACTIVE, None, power_state.RUNNING)
    assert ("finish_revert_migration", inst.uuid, 512) in driver.calls
    assert mig.status == "error" and _holder(ctxt, inst.uuid) == (SOURCE, 512)


@pytest.mark.parametrize("vm_state, power", [(vm_states.ACTIVE, power_state.RUNNING),
                                             (vm_states.STOPPED, power_state.SHUTDOWN)])
def test_restart_after_the_hand_over_finishes_the_move(mgr, ctxt, driver, vm_state, power):
    inst, migration = _move(ctxt, DEST, task_states.RESIZE_MIGRATED, "post-migrating",
                            vm_state=vm_state)
    stale = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    mgr._init_instance(ctxt, inst)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state, got.memory_mb, got.flavor_id) == (
        DEST, vm_states.RESIZED, None, 1024, "2")
    assert got.power_state == power and mig.status == "finished"
    # NOTE: the finish_resize still queued for this host arrives afterwards: a no-op.
    mgr.finish_resize(ctxt, instance=stale, migration=migration)
    assert _reload(ctxt, inst, migration)[0].vm_state == vm_states.RESIZED
    assert [c for c in driver.calls if c[0] == "finish_migration"] == [
        ("finish_migration", inst.uuid, 1024)]


def test_confirm_frees_the_source_and_revert_gives_it_back(mgr, ctxt, driver):
    mgr.host = SOURCE
    inst, migration = _move(ctxt, DEST, None, "confirming", vm_state=vm_states.RESIZED,
                            flavor=NEW)
    mgr.confirm_resize(ctxt, instance=inst, migration=migration)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.vm_state, mig.status) == (vm_states.ACTIVE, "confirmed")
    assert _holder(ctxt, mig.uuid) is None and _holder(ctxt, inst.uuid) == (DEST, 1024)

    other, back = _move(ctxt, DEST, task_states.RESIZE_REVERTING, "reverting",
                        vm_state=vm_states.RESIZED, flavor=NEW)
    mgr.finish_revert_resize(ctxt, instance=other, migration=back)
    got, mig = _reload(ctxt, other, back)
    assert (got.host, got.vm_state, got.task_state, got.memory_mb) == (
        SOURCE, vm_states.ACTIVE, None, 512)
    assert mig.status == "reverted" and _holder(ctxt, other.uuid) == (SOURCE, 512)


def test_resize_confirm_window_confirms_old_moves_only(mgr, ctxt, flags):
    flags(resize_confirm_window=60)
    old, old_mig = _move(ctxt, DEST, None, "finished", vm_state=vm_states.RESIZED)
    new, new_mig = _move(ctxt, DEST, None, "finished", vm_state=vm_states.RESIZED)
    past = db_api.utcnow() - datetime.timedelta(seconds=120)
    with db_api.session() as sess:
        sess.get(models.Migration, old_mig.id).updated_at = past
    mgr.poll_unconfirmed_resizes()
    assert objects.Migration.get_by_id(ctxt, old_mig.id).status == "confirming"
    assert objects.Migration.get_by_id(ctxt, new_mig.id).status == "finished"
    (call,) = mgr.compute_rpcapi.confirm_resize.call_args_list
    assert call.args[1].uuid == old.uuid and call.args[3] == SOURCE
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, old.uuid)
    assert "confirmResize" in {a.action for a in actions}


def test_prep_resize_that_cannot_go_on_gives_the_claims_back(mgr, ctxt):
    inst, migration = _move(ctxt, SOURCE, task_states.RESIZE_PREP, "pre-migrating")
    mgr.compute_rpcapi.resize_instance.side_effect = RuntimeError("broker gone")
    with pytest.raises(RuntimeError):
        mgr.prep_resize(ctxt, instance=inst, migration=migration)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.task_state, mig.status) == (SOURCE, None, "error")
    assert _holder(ctxt, inst.uuid) == (SOURCE, 512) and _holder(ctxt, mig.uuid) is None


def test_prep_resize_after_the_move_was_undone_ends_quietly(mgr, ctxt):
    inst, migration = _move(ctxt, SOURCE, task_states.RESIZE_PREP, "error")
    mgr.prep_resize(ctxt, instance=inst, migration=migration)
    mgr.compute_rpcapi.resize_instance.assert_not_called()
    assert objects.Migration.get_by_id(ctxt, migration.id).status == "error"
