"""ComputeManager start-up recovery (_init_instance) and power-state sync, on a real
SQLite database through real objects, with a fake virt driver."""

import pytest

from mininova import exception
from mininova import objects
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import allocations as db_allocations
from mininova.network import api as network_api
from tests.unit.compute.fakes import HOST


def _reload(ctxt, instance):
    return objects.Instance.get_by_uuid(ctxt, instance.uuid)


def _faults(ctxt, instance):
    return objects.InstanceFault.get_latest_for_instances(ctxt, [instance.uuid])


@pytest.mark.parametrize("vm_state, task_state", [
    (vm_states.BUILDING, task_states.SCHEDULING),
    (vm_states.BUILDING, task_states.SPAWNING),
    (vm_states.BUILDING, None),
])
def test_interrupted_build_becomes_error_with_a_fault(mgr, make_instance, ctxt, vm_state,
                                                      task_state):
    inst = make_instance(vm_state=vm_state, task_state=task_state)
    db_allocations.heal()
    mgr._init_instance(ctxt, inst)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state) == (vm_states.ERROR, None)
    assert inst.uuid in _faults(ctxt, inst)
    # A failed build frees its claim, as Nova deletes its allocations.
    assert objects.Allocation.get_by_consumer(ctxt, inst.uuid) is None


def test_failed_spawn_is_error_and_frees_the_claim(mgr, make_instance, ctxt, driver,
                                                   monkeypatch):
    inst = make_instance(vm_state=vm_states.BUILDING, task_state=task_states.SCHEDULING,
                         guest=None)
    db_allocations.heal()
    assert objects.Allocation.get_by_consumer(ctxt, inst.uuid).host == HOST

    def spawn_fails(context, instance, image):
        raise exception.HypervisorError(reason="spawn failed")

    monkeypatch.setattr(driver, "spawn", spawn_fails)
    objects.InstanceAction.action_start(ctxt, inst.uuid, "create")
    with pytest.raises(exception.HypervisorError):
        mgr.build_and_run_instance(ctxt, instance=inst, image=None)
    assert _reload(ctxt, inst).vm_state == vm_states.ERROR
    assert objects.Allocation.get_by_consumer(ctxt, inst.uuid) is None


def test_interrupted_stop_is_done_again(mgr, make_instance, ctxt, driver):
    inst = make_instance(task_state=task_states.POWERING_OFF)
    mgr._init_instance(ctxt, inst)
    assert driver.calls == [("power_off", inst.uuid, 7, 2)]
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        vm_states.STOPPED, None, power_state.SHUTDOWN)


def test_interrupted_stop_of_a_guest_already_off(mgr, make_instance, ctxt):
    inst = make_instance(task_state=task_states.POWERING_OFF, guest=power_state.SHUTDOWN)
    mgr._init_instance(ctxt, inst)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        vm_states.STOPPED, None, power_state.SHUTDOWN)


def test_interrupted_start_is_done_again(mgr, make_instance, ctxt, driver):
    inst = make_instance(vm_state=vm_states.STOPPED, task_state=task_states.POWERING_ON,
                         guest=power_state.SHUTDOWN, power=power_state.SHUTDOWN)
    mgr._init_instance(ctxt, inst)
    assert driver.calls == [("power_on", inst.uuid)]
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        vm_states.ACTIVE, None, power_state.RUNNING)


@pytest.mark.parametrize("task_state, reboot_type", [
    (task_states.REBOOTING, "SOFT"), (task_states.REBOOTING_HARD, "HARD")])
def test_interrupted_reboot_is_done_again(mgr, make_instance, ctxt, driver, task_state,
                                          reboot_type):
    inst = make_instance(task_state=task_state, guest=power_state.SHUTDOWN)
    mgr._init_instance(ctxt, inst)
    assert driver.calls == [("reboot", inst.uuid, reboot_type)]
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        vm_states.ACTIVE, None, power_state.RUNNING)


@pytest.mark.parametrize("guest", [power_state.RUNNING, None])
def test_interrupted_delete_is_done_again(mgr, make_instance, ctxt, driver, guest):
    inst = make_instance(task_state=task_states.DELETING, guest=guest)
    mgr._init_instance(ctxt, inst)
    assert driver.calls == [("destroy", inst.uuid)]
    assert inst.uuid not in driver.guests
    with pytest.raises(exception.InstanceNotFound):
        _reload(ctxt, inst)


def test_failed_redo_leaves_error_and_no_task(mgr, make_instance, ctxt, driver):
    driver.fail.add("power_on")
    inst = make_instance(vm_state=vm_states.STOPPED, task_state=task_states.POWERING_ON,
                         guest=power_state.SHUTDOWN)
    mgr._init_instance(ctxt, inst)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state) == (vm_states.ERROR, None)


@pytest.mark.parametrize("vm_state, guest, expected_vm, expected_power", [
    # The hypervisor is the authority on power state.
    (vm_states.ACTIVE, power_state.SHUTDOWN, vm_states.STOPPED, power_state.SHUTDOWN),
    (vm_states.ACTIVE, None, vm_states.STOPPED, power_state.NOSTATE),
    (vm_states.ACTIVE, power_state.RUNNING, vm_states.ACTIVE, power_state.RUNNING),
    (vm_states.STOPPED, power_state.SHUTDOWN, vm_states.STOPPED, power_state.SHUTDOWN),
    (vm_states.ERROR, power_state.RUNNING, vm_states.ERROR, power_state.RUNNING),
])
def test_no_task_rereads_the_power_state(mgr, make_instance, ctxt, driver, vm_state, guest,
                                         expected_vm, expected_power):
    inst = make_instance(vm_state=vm_state, guest=guest, power=power_state.PAUSED)
    mgr._init_instance(ctxt, inst)
    assert driver.calls == []
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        expected_vm, None, expected_power)


def test_unknown_task_is_cleared(mgr, make_instance, ctxt):
    inst = make_instance(task_state="migrating")
    mgr._init_instance(ctxt, inst)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state, got.power_state) == (
        vm_states.ACTIVE, None, power_state.RUNNING)


def test_init_host_leaves_no_task_state(mgr, make_instance, ctxt):
    tasks = [task_states.SPAWNING, task_states.POWERING_OFF, task_states.POWERING_ON,
             task_states.REBOOTING, task_states.REBOOTING_HARD, None]
    made = [make_instance(vm_state=vm_states.BUILDING if t == task_states.SPAWNING
                          else vm_states.ACTIVE, task_state=t) for t in tasks]
    deleting = make_instance(task_state=task_states.DELETING)
    mgr.init_host()
    remaining = objects.InstanceList.get_by_host(ctxt, HOST)
    assert {i.uuid for i in remaining} == {i.uuid for i in made}
    assert all(i.task_state is None for i in remaining)
    assert deleting.uuid not in {i.uuid for i in remaining}


def test_lifecycle_event_marks_a_guest_that_stopped_by_itself(mgr, make_instance, ctxt,
                                                             driver):
    inst = make_instance()
    driver.guests[inst.uuid] = power_state.SHUTDOWN
    mgr._handle_lifecycle_event(inst.uuid, power_state.SHUTDOWN)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.power_state) == (vm_states.STOPPED, power_state.SHUTDOWN)


def test_lifecycle_event_ignored_while_a_task_runs(mgr, make_instance, ctxt, driver):
    inst = make_instance(task_state=task_states.POWERING_OFF)
    driver.guests[inst.uuid] = power_state.SHUTDOWN
    mgr._handle_lifecycle_event(inst.uuid, power_state.SHUTDOWN)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.task_state) == (vm_states.ACTIVE, task_states.POWERING_OFF)


def test_lifecycle_event_left_to_work_in_progress(mgr, make_instance, ctxt, driver,
                                                  monkeypatch):
    inst = make_instance()
    submitted = []
    monkeypatch.setattr(mgr._events, "submit", lambda *args: submitted.append(args))
    with mgr.instance_lock(inst.uuid, "stop"):
        mgr._on_lifecycle_event(inst.uuid, power_state.SHUTDOWN)
        assert mgr.instance_lock.busy(inst.uuid)
    assert submitted == []
    assert not mgr.instance_lock.busy(inst.uuid)
    mgr._on_lifecycle_event(inst.uuid, power_state.SHUTDOWN)
    assert len(submitted) == 1


def test_a_build_failing_on_its_host_frees_its_addresses(mgr, make_instance, ctxt, driver,
                                                         monkeypatch):
    inst = make_instance(vm_state=vm_states.BUILDING, task_state=task_states.SCHEDULING,
                         guest=None)
    inst.network_info = network_api.allocate_for_instance(ctxt, inst, None)
    objects.InstanceAction.action_start(ctxt, inst.uuid, "create")

    def spawn(context, instance, image):
        raise exception.HypervisorError(reason="spawn failed")

    monkeypatch.setattr(driver, "spawn", spawn)
    with pytest.raises(exception.HypervisorError):
        mgr.build_and_run_instance(ctxt, instance=inst, image=None)
    got = _reload(ctxt, inst)
    assert (got.vm_state, got.network_info) == (vm_states.ERROR, [])


def test_a_task_begun_during_the_power_sync_is_left_to_it(mgr, make_instance, ctxt,
                                                           monkeypatch):
    raced = make_instance(guest=power_state.SHUTDOWN)
    other = make_instance(guest=power_state.SHUTDOWN)
    real_get_by_host = objects.InstanceList.get_by_host

    def listed_then_raced(context, host):
        listed = real_get_by_host(context, host)
        api_side = _reload(ctxt, raced)  # an os-stop wins after the list was read
        api_side.task_state = task_states.POWERING_OFF
        api_side.save(expected_task_state=[None])
        return listed

    monkeypatch.setattr(objects.InstanceList, "get_by_host", listed_then_raced)
    mgr.sync_power_states()
    assert _reload(ctxt, raced).task_state == task_states.POWERING_OFF
    assert _reload(ctxt, raced).vm_state == vm_states.ACTIVE  # the stop records its own
    assert _reload(ctxt, other).vm_state == vm_states.STOPPED  # and the sync went on
