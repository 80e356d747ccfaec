"""ComputeManager.rebuild_instance and get_instance_diagnostics, on a real SQLite database
through real objects, with test_manager's fake driver (whose rebuild is the contract's
default: destroy, spawn, power off when the server was stopped)."""
import dataclasses
import uuid

import pytest
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from mininova import exception
from mininova import objects
from mininova.compute import manager as compute_manager
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.virt import diagnostics
from mininova.virt import driver as virt_driver
from tests.unit.compute.fakes import HOST
from tests.unit.compute.fakes import FakeDriver


class RebuildFakeDriver(FakeDriver):
    def spawn(self, context, instance, image):
        self.calls.append(("spawn", instance.uuid, image))
        if "spawn" in self.fail:
            raise exception.HypervisorError(reason="spawn failed")
        super().spawn(context, instance, image)

    def get_instance_diagnostics(self, instance):
        return diagnostics.Diagnostics(state="running", driver="libvirt",
                                       cpu_details=[diagnostics.CpuDiagnostics(id=0)])


@pytest.fixture
def driver(monkeypatch):
    fake = RebuildFakeDriver()
    monkeypatch.setattr(virt_driver, "load_driver", lambda conf: fake)
    return fake


@pytest.fixture
def mgr(db, driver):
    manager = compute_manager.ComputeManager(HOST)
    yield manager
    manager._events.shutdown(wait=True)


@pytest.fixture
def rebuilding(db, ctxt, driver):
    """An instance the API has just accepted a rebuild of."""

    def _make(vm_state=vm_states.ACTIVE, guest=power_state.RUNNING):
        inst = objects.Instance(ctxt, uuid=str(uuid.uuid4()), display_name="vm",
                                project_id="p1", user_id="alice", image_ref="new-image",
                                flavor_id="1", flavor_name="m1.tiny", memory_mb=512, vcpus=1,
                                root_gb=1, host=HOST, vm_state=vm_state,
                                task_state=task_states.REBUILDING, power_state=guest)
        inst.create()
        driver.guests[inst.uuid] = guest
        objects.InstanceAction.action_start(ctxt, inst.uuid, "rebuild")
        return inst

    return _make


def _events(ctxt, inst):
    action = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id)
    return {e.event: e.result for e in objects.InstanceActionEventList.get_by_action(
        ctxt, action.id)}


@pytest.mark.parametrize("vm_state, guest, ends, power", [
    (vm_states.ACTIVE, power_state.RUNNING, vm_states.ACTIVE, power_state.RUNNING),
    (vm_states.ERROR, power_state.SHUTDOWN, vm_states.ACTIVE, power_state.RUNNING),
    (vm_states.STOPPED, power_state.SHUTDOWN, vm_states.STOPPED, power_state.SHUTDOWN),
])
def test_rebuild_recreates_the_guest_and_ends_as_nova_does(mgr, rebuilding, ctxt, driver,
                                                          vm_state, guest, ends, power):
    inst = rebuilding(vm_state, guest)
    mgr.rebuild_instance(ctxt, instance=inst, image="IMAGE", preserve_ephemeral=False)
    got = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (got.vm_state, got.task_state, got.power_state) == (ends, None, power)
    assert got.launched_at is not None
    names = [call[0] for call in driver.calls]
    assert names[:2] == ["destroy", "spawn"] and driver.calls[1][2] == "IMAGE"
    assert names[2:] == ([] if ends == vm_states.ACTIVE else ["power_off"])
    assert _events(ctxt, inst) == {"compute_rebuild_instance": "Success"}


def test_failed_rebuild_leaves_error_a_fault_and_no_task(mgr, rebuilding, ctxt, driver):
    inst = rebuilding()
    driver.fail.add("spawn")
    with pytest.raises(exception.HypervisorError):
        mgr.rebuild_instance(ctxt, instance=inst, image="IMAGE", preserve_ephemeral=False)
    got = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (got.vm_state, got.task_state) == (vm_states.ERROR, None)
    assert inst.uuid in objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
    assert _events(ctxt, inst) == {"compute_rebuild_instance": "Error"}


def test_rebuild_of_an_instance_whose_task_changed_does_nothing(mgr, rebuilding, ctxt,
                                                               driver):
    inst = rebuilding()
    stale = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    inst.task_state = task_states.DELETING
    inst.save()
    with pytest.raises(exception.UnexpectedTaskStateError):
        mgr.rebuild_instance(ctxt, instance=stale, image="IMAGE", preserve_ephemeral=False)
    assert driver.calls == []


@pytest.mark.parametrize("task_state", [task_states.REBUILDING,
                                        task_states.REBUILD_SPAWNING])
def test_interrupted_rebuild_becomes_error_with_a_fault(mgr, rebuilding, ctxt, task_state):
    inst = rebuilding()
    inst.task_state = task_state
    inst.save()
    mgr._init_instance(ctxt, inst)
    got = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (got.vm_state, got.task_state) == (vm_states.ERROR, None)
    assert inst.uuid in objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])


def test_diagnostics_of_a_running_guest(mgr, rebuilding, ctxt):
    inst = rebuilding()
    got = mgr.get_instance_diagnostics(ctxt, instance=inst)
    expected = diagnostics.Diagnostics(state="running", driver="libvirt",
                                       cpu_details=[diagnostics.CpuDiagnostics(id=0)])
    assert got == dataclasses.asdict(expected)


def test_diagnostics_of_a_guest_not_running_is_409(mgr, rebuilding, ctxt):
    inst = rebuilding(vm_states.STOPPED, power_state.SHUTDOWN)
    # NOTE: an expected exception: the RPC server sends it back without a traceback log.
    with pytest.raises(rpc_dispatcher.ExpectedException) as err:
        mgr.get_instance_diagnostics(ctxt, instance=inst)
    assert isinstance(err.value.exc_info[1], exception.InstanceInvalidState)
