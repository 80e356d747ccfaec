"""The compute side of live migration (compute/live_migration.py): the source's flow,
the destination's switch, abort, the failures that leave the server running on its
source, and a restart half-way. Real objects on SQLite, a fake driver, the other host's
RPC mocked (its switch done as the destination would)."""
import uuid
from unittest import mock

import pytest

from mininova import exception
from mininova import objects
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import api as db_api
from mininova.db import models
from tests.unit.compute.fakes import HOST
from tests.unit.compute.fakes import FakeDriver

SOURCE, DEST = HOST, "dst"
DATA = {"block_migration": False, "is_shared_instance_path": True}


class LiveDriver(FakeDriver):
    """The fake driver with the live-migration steps; ``abort`` aborts the next move."""

    abort = False

    def pre_live_migration(self, context, instance, migrate_data):
        self._call("pre_live_migration", instance)

    def live_migration(self, context, instance, dest, migrate_data):
        self._call("live_migration", instance, dest)
        if self.abort:
            raise exception.LiveMigrationAborted(instance_uuid=instance.uuid)

    def live_migration_abort(self, instance):
        self.calls.append(("live_migration_abort", instance.uuid))
        return True

    def post_live_migration(self, context, instance, migrate_data):
        self._call("post_live_migration", instance)
        self.guests.pop(instance.uuid)

    def post_live_migration_at_destination(self, context, instance):
        self.calls.append(("post_live_migration_at_destination", instance.uuid))
        self.guests[instance.uuid] = power_state.RUNNING

    def rollback_live_migration_at_destination(self, context, instance):
        self.calls.append(("rollback_live_migration_at_destination", instance.uuid))
        self.guests.pop(instance.uuid, None)


@pytest.fixture
def driver(monkeypatch):
    from mininova.virt import driver as virt_driver
    fake = LiveDriver()
    monkeypatch.setattr(virt_driver, "load_driver", lambda conf: fake)
    return fake


@pytest.fixture
def mgr(mgr):
    mgr.compute_rpcapi = mock.Mock()
    mgr.compute_rpcapi.pre_live_migration.side_effect = (
        lambda ctxt, inst, mig, data, host: data)
    mgr.compute_rpcapi.post_live_migration_at_destination.side_effect = (
        lambda ctxt, inst, mig, host: mig.finish_live(host))
    return mgr


def _holder(ctxt, consumer: str):
    alloc = objects.Allocation.get_by_consumer(ctxt, consumer)
    return None if alloc is None else alloc.host


def _moving(ctxt, driver, status: str = "accepted"):
    """A running server on SOURCE in the middle of a live migration to DEST: its
    migration, the source's claim (the migration's) and the destination's."""
    inst = objects.Instance(
        ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1", user_id="alice",
        image_ref="img", flavor_id="1", flavor_name="m1.tiny", memory_mb=512, vcpus=1,
        root_gb=1, host=SOURCE, node=SOURCE, vm_state=vm_states.ACTIVE,
        task_state=task_states.MIGRATING, power_state=power_state.RUNNING)
    inst.create()
    migration = objects.Migration(
        ctxt, uuid=str(uuid.uuid4()), instance_uuid=inst.uuid, source_compute=SOURCE,
        source_node=SOURCE, dest_compute=DEST, dest_node=DEST, dest_host=DEST,
        status=status, migration_type="live-migration", hidden=False)
    migration.create()
    with db_api.session() as sess:
        sess.add(models.Allocation(consumer_uuid=migration.uuid, host=SOURCE, vcpus=1,
                                   memory_mb=512, disk_gb=1))
        sess.add(models.Allocation(consumer_uuid=inst.uuid, host=DEST, vcpus=1,
                                   memory_mb=512, disk_gb=1))
    objects.InstanceAction.action_start(ctxt, inst.uuid, "live-migration")
    driver.guests[inst.uuid] = power_state.RUNNING
    return inst, migration


def _reload(ctxt, inst, migration):
    return (objects.Instance.get_by_uuid(ctxt, inst.uuid),
            objects.Migration.get_by_id(ctxt, migration.id))


def test_the_move_hands_the_server_to_the_destination(mgr, ctxt, driver):
    inst, migration = _moving(ctxt, driver)
    mgr.live_migration(ctxt, instance=inst, migration=migration, migrate_data=DATA)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.node, got.vm_state, got.task_state) == (
        DEST, DEST, vm_states.ACTIVE, None)
    assert mig.status == "completed"
    assert _holder(ctxt, mig.uuid) is None and _holder(ctxt, inst.uuid) == DEST
    assert [c[0] for c in driver.calls] == ["live_migration", "post_live_migration"]
    assert inst.uuid not in driver.guests
    mgr.compute_rpcapi.rollback_live_migration_at_destination.assert_not_called()


@pytest.mark.parametrize("step", ["pre_live_migration", "live_migration", "abort",
                                  "post_live_migration_at_destination"])
def test_a_failure_before_the_switch_keeps_it_running_on_the_source(mgr, ctxt, driver,
                                                                      step):
    inst, migration = _moving(ctxt, driver)
    if step == "abort":
        driver.abort = True
    elif step == "live_migration":
        driver.fail.add("live_migration")
    else:
        getattr(mgr.compute_rpcapi, step).side_effect = exception.MininovaException(
            "the destination broke")
    if step == "abort":
        mgr.live_migration(ctxt, instance=inst, migration=migration, migrate_data=DATA)
    else:
        with pytest.raises(exception.MininovaException):
            mgr.live_migration(ctxt, instance=inst, migration=migration,
                               migrate_data=DATA)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state, got.power_state) == (
        SOURCE, vm_states.ACTIVE, None, power_state.RUNNING)
    assert mig.status == ("cancelled" if step == "abort" else "error")
    assert _holder(ctxt, inst.uuid) == SOURCE and _holder(ctxt, mig.uuid) is None
    assert driver.guests[inst.uuid] == power_state.RUNNING
    (call,) = mgr.compute_rpcapi.rollback_live_migration_at_destination.call_args_list
    assert call.args[2] == DEST


def test_a_destination_that_answers_late_but_took_the_server_wins(mgr, ctxt, driver):
    """The switch happened, then the answer was lost: the source's rollback loses the
    compare-and-swap and it removes its copy, as after a success."""
    inst, migration = _moving(ctxt, driver)

    def took_then_timed_out(ctxt_, inst_, mig, host):
        mig.finish_live(host)
        raise exception.MininovaException("timed out")
    mgr.compute_rpcapi.post_live_migration_at_destination.side_effect = took_then_timed_out
    mgr.live_migration(ctxt, instance=inst, migration=migration, migrate_data=DATA)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.task_state, mig.status) == (DEST, None, "completed")
    assert inst.uuid not in driver.guests


def test_the_destinations_switch_and_a_late_hand_over(mgr, ctxt, driver):
    mgr.host = DEST
    inst, migration = _moving(ctxt, driver, status="running")
    driver.guests.pop(inst.uuid)
    assert mgr.post_live_migration_at_destination(ctxt, instance=inst, migration=migration)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.task_state, got.power_state, mig.status) == (
        DEST, None, power_state.RUNNING, "completed")

    late, late_mig = _moving(ctxt, driver, status="running")
    assert late_mig.rollback_live("error")
    assert not mgr.post_live_migration_at_destination(ctxt, instance=late,
                                                      migration=late_mig)
    assert ("rollback_live_migration_at_destination", late.uuid) in driver.calls
    got, mig = _reload(ctxt, late, late_mig)
    assert (got.host, got.task_state, mig.status) == (SOURCE, None, "error")


def test_a_step_after_a_restart_resolved_the_move_ends_quietly(mgr, ctxt, driver):
    inst, migration = _moving(ctxt, driver, status="error")
    mgr.live_migration(ctxt, instance=inst, migration=migration, migrate_data=DATA)
    assert driver.calls == []


def test_abort_reaches_the_driver(mgr, ctxt, driver):
    inst, migration = _moving(ctxt, driver, status="running")
    mgr.live_migration_abort(ctxt, instance=inst, migration_id=migration.id)
    assert ("live_migration_abort", inst.uuid) in driver.calls


@pytest.mark.parametrize("status", ["accepted", "preparing", "running"])
def test_a_restart_of_the_source_rolls_the_move_back(mgr, ctxt, driver, status):
    inst, migration = _moving(ctxt, driver, status=status)
    driver.guests.pop(inst.uuid)  # a test-driver compute loses its guests
    seen = []
    mgr.compute_rpcapi.rollback_live_migration_at_destination.side_effect = (
        lambda *a, **k: seen.append(_reload(ctxt, inst, migration)[0]))
    mgr._init_instance(ctxt, inst)
    got, mig = _reload(ctxt, inst, migration)
    assert (got.host, got.vm_state, got.task_state) == (SOURCE, vm_states.STOPPED, None)
    # the task ended with the stopped state in one write: never ACTIVE without a guest
    assert [(s.vm_state, s.task_state) for s in seen] == [(vm_states.STOPPED, None)]
    assert mig.status == "error"
    assert _holder(ctxt, inst.uuid) == SOURCE and _holder(ctxt, mig.uuid) is None
    mgr.compute_rpcapi.rollback_live_migration_at_destination.assert_called_once()
