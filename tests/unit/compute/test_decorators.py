"""The four ComputeManager decorators, on a real database through real objects."""
import pytest

from mininova import exception
from mininova import objects
from mininova.compute import decorators
from mininova.compute import task_states
from mininova.compute import vm_states


class _Manager:
    host = "compute1"

    def __init__(self, error=None):
        self.error = error

    @decorators.wrap_exception
    @decorators.reverts_task_state
    @decorators.wrap_instance_event(prefix="compute")
    @decorators.wrap_instance_fault
    def stop_instance(self, context, instance):
        if self.error:
            raise self.error
        instance.task_state = None
        instance.vm_state = vm_states.STOPPED
        instance.save(expected_task_state=[task_states.POWERING_OFF])


@pytest.fixture
def instance(db, ctxt):
    inst = objects.Instance(ctxt, uuid="5a4c0d55-1d43-4a55-8d0e-0d2b0c3b8e21",
                            display_name="vm", project_id="p1", user_id="alice",
                            image_ref="img", flavor_id="1", flavor_name="m1.tiny",
                            memory_mb=512, vcpus=1, root_gb=1, host="compute1",
                            vm_state=vm_states.ACTIVE, task_state=task_states.POWERING_OFF,
                            power_state=1)
    inst.create()
    objects.InstanceAction.action_start(ctxt, inst.uuid, "stop")
    return inst


def _events(ctxt, uuid):
    action = objects.InstanceAction.get_by_request_id(ctxt, uuid, ctxt.request_id)
    return action, objects.InstanceActionEventList.get_by_action(ctxt, action.id)


def test_success_records_a_successful_event(ctxt, instance):
    _Manager().stop_instance(ctxt, instance=instance)
    _, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result, e.host) for e in events] == [
        ("compute_stop_instance", "Success", "compute1")]


def test_failure_reverts_task_state_and_records_fault_and_failed_event(ctxt, instance):
    with pytest.raises(exception.HypervisorError):
        _Manager(exception.HypervisorError(reason="boom")).stop_instance(ctxt,
                                                                         instance=instance)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert stored.task_state is None
    assert stored.vm_state == vm_states.ACTIVE
    faults = objects.InstanceFault.get_latest_for_instances(ctxt, [instance.uuid])
    assert "boom" in faults[instance.uuid].message
    action, events = _events(ctxt, instance.uuid)
    assert events[0].result == "Error" and "boom" in events[0].traceback
    assert action.message == "Error"


def test_lost_race_does_not_revert_someone_elses_task(ctxt, instance):
    other = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    other.task_state = task_states.DELETING
    other.save()
    with pytest.raises(exception.UnexpectedTaskStateError):
        _Manager().stop_instance(ctxt, instance=instance)
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state == "deleting"
