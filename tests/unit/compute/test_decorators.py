"""The four ComputeManager decorators, on a real database through real objects."""
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import exception
from mininova import objects
from mininova.compute import decorators
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.objects import base


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


class _OneCallManager(_Manager):
    """stop_instance as the ComputeManager writes it: the event ends with the save."""

    @decorators.wrap_exception
    @decorators.reverts_task_state
    @decorators.wrap_instance_event(prefix="compute", pass_event=True)
    @decorators.wrap_instance_fault
    def stop_instance(self, context, instance, event):
        if self.error:
            raise self.error
        instance.task_state = None
        instance.vm_state = vm_states.STOPPED
        event.save_instance(instance, expected_task_state=[task_states.POWERING_OFF])


class _Conductor:
    """The indirection a compute host uses, run in this process through the
    conductor's own code; it records which object methods travelled, and answers
    can_send_version as a conductor capped at ``cap`` would."""

    def __init__(self, cap=None):
        from mininova.conductor import manager as conductor_manager
        self.manager = conductor_manager.ConductorManager.__new__(
            conductor_manager.ConductorManager)
        self.cap, self.calls = cap, []
        self.serializer = base.MininovaObjectSerializer()

    def can_send_version(self, version):
        return self.cap is None or tuple(map(int, version.split("."))) <= self.cap

    def _remote(self, fn, context, **kwargs):
        kwargs = {k: self.serializer.deserialize_entity(
            context, self.serializer.serialize_entity(context, v)) for k, v in kwargs.items()}
        with mock.patch.object(base.MininovaObject, "indirection_api", None):
            return fn(context, **kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append(objmethod)
        return self._remote(self.manager.object_action, context, objinst=objinst,
                            objmethod=objmethod, args=args, kwargs=kwargs)

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        self.calls.append(objmethod)
        return self._remote(self.manager.object_class_action_versions, context,
                            objname=objname, objmethod=objmethod,
                            object_versions=object_versions, args=args, kwargs=kwargs)


def test_one_call_saves_and_records_the_whole_event(ctxt, instance):
    conductor = _Conductor()
    with mock.patch.object(base.MininovaObject, "indirection_api", conductor):
        _OneCallManager().stop_instance(ctxt, instance=instance)
    assert conductor.calls == ["save_and_record_event"]
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).vm_state == vm_states.STOPPED
    assert instance.obj_what_changed() == set()
    action, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result, e.host) for e in events] == [
        ("compute_stop_instance", "Success", "compute1")]
    assert events[0].start_time <= events[0].finish_time == action.finish_time


def test_a_conductor_capped_below_1_7_gets_nova_s_three_calls(ctxt, instance):
    conductor = _Conductor(cap=(1, 6))
    with mock.patch.object(base.MininovaObject, "indirection_api", conductor):
        _OneCallManager().stop_instance(ctxt, instance=instance)
    assert conductor.calls == ["event_start", "save", "event_finish"]
    _, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result) for e in events] == [("compute_stop_instance", "Success")]


def test_one_call_failure_records_a_failed_event_and_reverts(ctxt, instance):
    with pytest.raises(exception.HypervisorError):
        _OneCallManager(exception.HypervisorError(reason="boom")).stop_instance(
            ctxt, instance=instance)
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state is None
    action, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result, e.host) for e in events] == [
        ("compute_stop_instance", "Error", "compute1")]
    assert "boom" in events[0].traceback and events[0].details == "Hypervisor error: boom"
    assert action.message == "Error"


def test_one_call_lost_race_writes_nothing_but_the_failed_event(ctxt, instance):
    other = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    other.task_state = task_states.DELETING
    other.save()
    with pytest.raises(exception.UnexpectedTaskStateError):
        _OneCallManager().stop_instance(ctxt, instance=instance)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.vm_state, stored.task_state) == (vm_states.ACTIVE, "deleting")
    _, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result) for e in events] == [("compute_stop_instance", "Error")]


def test_the_state_is_saved_even_without_an_action_to_record_into(db, ctxt):
    inst = objects.Instance(ctxt, uuid="9b0f7d3e-7d55-4a43-9d4c-3f3b8a0b6c11",
                            display_name="vm", project_id="p1", user_id="alice",
                            image_ref="img", flavor_id="1", flavor_name="m1.tiny",
                            memory_mb=512, vcpus=1, root_gb=1, host="compute1",
                            vm_state=vm_states.ACTIVE, task_state=task_states.POWERING_OFF,
                            power_state=1)
    inst.create()
    _OneCallManager().stop_instance(ctxt, instance=inst)
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).vm_state == vm_states.STOPPED


class _Terminator(_Manager):
    @decorators.wrap_exception
    @decorators.reverts_task_state
    @decorators.wrap_instance_event(prefix="compute", pass_event=True)
    @decorators.wrap_instance_fault
    def terminate_instance(self, context, instance, event):
        event.destroy_instance(instance)


def test_one_call_destroys_and_records_the_whole_event(ctxt, instance):
    conductor = _Conductor()
    with mock.patch.object(base.MininovaObject, "indirection_api", conductor):
        _Terminator().terminate_instance(ctxt, instance=instance)
    assert conductor.calls == ["destroy_and_record_event"]
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctxt, instance.uuid)
    _, events = _events(ctxt, instance.uuid)
    assert [(e.event, e.result) for e in events] == [("compute_terminate_instance", "Success")]


class _LostReplyManager(_Manager):
    """A stop whose final save reaches the database but whose answer never comes back
    (the broker restarted under the conductor's reply), or whose save never arrives."""

    def __init__(self, landed: bool, meanwhile=None):
        self.landed, self.meanwhile = landed, meanwhile

    @decorators.wrap_exception
    @decorators.reverts_task_state
    @decorators.wrap_instance_event(prefix="compute")
    @decorators.wrap_instance_fault
    def stop_instance(self, context, instance):
        instance.task_state = None
        instance.vm_state = vm_states.STOPPED
        if self.landed:
            writer = objects.Instance.get_by_uuid(context, instance.uuid)
            writer.task_state, writer.vm_state = None, vm_states.STOPPED
            writer.save(expected_task_state=[task_states.POWERING_OFF])
            if self.meanwhile:
                self.meanwhile(writer)
        raise messaging.MessagingTimeout("no reply")


def test_a_lost_reply_never_overwrites_a_later_request(ctxt, instance):
    """The stop's save landed, then a start ran to its end: the stop's failure must
    not write its stale state (STOPPED) over the start's ACTIVE."""
    def started(writer):
        writer.task_state = task_states.POWERING_ON
        writer.save(expected_task_state=[None])
        writer.vm_state, writer.task_state = vm_states.ACTIVE, None
        writer.save(expected_task_state=[task_states.POWERING_ON])

    with pytest.raises(messaging.MessagingTimeout):
        _LostReplyManager(landed=True, meanwhile=started).stop_instance(
            ctxt, instance=instance)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.vm_state, stored.task_state) == (vm_states.ACTIVE, None)


def test_a_final_save_that_never_arrived_is_written_by_the_revert(ctxt, instance):
    with pytest.raises(messaging.MessagingTimeout):
        _LostReplyManager(landed=False).stop_instance(ctxt, instance=instance)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.vm_state, stored.task_state) == (vm_states.STOPPED, None)


def test_a_build_revert_covers_the_states_the_compute_moved_it_to(ctxt, instance):
    assert task_states.carried_on_from(task_states.SCHEDULING) == [
        task_states.SCHEDULING, task_states.SPAWNING]
    assert task_states.carried_on_from(task_states.RESIZE_MIGRATED) == [
        task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH]
    assert task_states.carried_on_from(task_states.POWERING_OFF) == [
        task_states.POWERING_OFF]
