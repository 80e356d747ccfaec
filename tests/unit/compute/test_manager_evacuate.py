"""The compute side of evacuate (compute/evacuate.py), on a real SQLite database through
real objects and the fake driver: the destination defines the server's guest; the old
host, starting again, destroys the guests that went away and leaves their servers (and
claims) alone."""
import pytest

from mininova import exception
from mininova import objects
from mininova.compute import evacuate
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import allocations as db_allocations
from tests.unit.compute.fakes import HOST

UNLIMITED = db_allocations.Resources(64, 65536, 1000)


@pytest.fixture
def evacuating(ctxt, make_instance):
    """A server of the down host "src" the API accepted an evacuation of."""

    def _make(vm_state=vm_states.ACTIVE):
        inst = make_instance(vm_state=vm_state, task_state=task_states.REBUILDING,
                             guest=None)
        inst.host = inst.node = "src"
        inst.save()
        objects.InstanceAction.action_start(ctxt, inst.uuid, "evacuate")
        return inst

    return _make


def _node(ctxt, host: str) -> None:
    objects.ComputeNode.report(ctxt, host, {
        "hypervisor_hostname": host, "hypervisor_type": "QEMU", "hypervisor_version": 1,
        "vcpus": 4, "memory_mb": 4096, "local_gb": 40})


@pytest.mark.parametrize("vm_state, target, end", [
    (vm_states.ACTIVE, None, vm_states.ACTIVE),
    (vm_states.STOPPED, None, vm_states.STOPPED),
    (vm_states.ERROR, None, vm_states.ACTIVE),
    (vm_states.ACTIVE, vm_states.STOPPED, vm_states.STOPPED),
    (vm_states.ERROR, vm_states.STOPPED, vm_states.ACTIVE),
])
def test_final_vm_state_is_novas(vm_state, target, end):
    assert evacuate.final_vm_state(vm_state, target) == end


@pytest.mark.parametrize("target, end, guest", [
    (None, vm_states.ACTIVE, power_state.RUNNING),
    (vm_states.STOPPED, vm_states.STOPPED, power_state.SHUTDOWN),
])
def test_the_destination_takes_the_server_and_defines_its_guest(ctxt, mgr, driver,
                                                                evacuating, target, end,
                                                                guest):
    inst = evacuating()
    mgr.rebuild_instance(ctxt, instance=inst, image=None, preserve_ephemeral=False,
                         recreate=True, target_state=target)
    inst = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (inst.host, inst.node, inst.vm_state, inst.task_state, inst.power_state) == (
        HOST, HOST, end, None, guest)
    assert driver.guests[inst.uuid] == guest
    assert inst.launched_at is not None
    action = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id)
    (event,) = objects.InstanceActionEventList.get_by_action(ctxt, action.id)
    assert (event.event, event.result, event.host) == (
        "compute_rebuild_instance", "Success", HOST)


def test_a_failed_definition_is_an_error_on_the_destination(ctxt, mgr, driver,
                                                            evacuating, monkeypatch):
    inst = evacuating()

    def broken(*args, **kwargs):
        raise exception.HypervisorError(reason="no room in libvirt")

    monkeypatch.setattr(driver, "recreate", broken)
    with pytest.raises(exception.HypervisorError):
        mgr.rebuild_instance(ctxt, instance=inst, image=None, preserve_ephemeral=False,
                             recreate=True, target_state=None)
    inst = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (inst.host, inst.vm_state, inst.task_state) == (HOST, vm_states.ERROR, None)
    faults = objects.InstanceFault.get_latest_for_instances(ctxt, [inst.uuid])
    assert "no room in libvirt" in faults[inst.uuid].message


def test_a_cast_after_the_evacuation_was_resolved_ends_quietly(ctxt, mgr, driver,
                                                              evacuating):
    """This compute restarted before the cast arrived: its init_host made the server
    ERROR (an interrupted rebuild); the late cast defines nothing and raises nothing."""
    inst = evacuating()
    stale = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    inst.host = inst.node = HOST
    inst.save()
    mgr._init_instance(ctxt, objects.Instance.get_by_uuid(ctxt, inst.uuid))
    mgr.rebuild_instance(ctxt, instance=stale, image=None, preserve_ephemeral=False,
                         recreate=True, target_state=None)
    inst = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert (inst.host, inst.vm_state, inst.task_state) == (HOST, vm_states.ERROR, None)
    assert inst.uuid not in driver.guests


def test_init_host_destroys_evacuated_guests_and_nothing_else(ctxt, mgr, driver,
                                                              make_instance):
    gone = make_instance()  # its guest is still here, its server elsewhere now
    gone.host = gone.node = "dst"
    gone.save()
    _node(ctxt, "dst")
    assert db_allocations.claim(gone.uuid, "dst", db_allocations.requested(gone), UNLIMITED)
    mine = make_instance()
    driver.guests["0b8e5a35-0000-4000-8000-000000000000"] = power_state.RUNNING  # no server
    mgr.init_host()
    assert gone.uuid not in driver.guests and ("destroy", gone.uuid) in driver.calls
    assert driver.guests[mine.uuid] == power_state.RUNNING
    assert "0b8e5a35-0000-4000-8000-000000000000" in driver.guests
    gone = objects.Instance.get_by_uuid(ctxt, gone.uuid)
    assert (gone.host, gone.vm_state, gone.task_state) == ("dst", vm_states.ACTIVE, None)
    assert db_allocations.get_by_consumer(gone.uuid).host == "dst"
    assert not any(call[0] == "power_on" for call in driver.calls)
