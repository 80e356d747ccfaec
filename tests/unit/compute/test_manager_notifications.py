"""The notifications ComputeManager and the objects send, through oslo.messaging's own
``test`` notification driver on the fake transport: what is sent, in which format, with
what payload, and that nothing is built when no driver is set."""
import oslo_messaging as messaging
import pytest
from oslo_messaging.notify import _impl_test

from mininova import exception
from mininova import objects
from mininova import rpc
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import instances as db_instances
from mininova.notifications import base as notifications
from mininova.notifications import notifier as notifiers


@pytest.fixture
def sent(flags, monkeypatch):
    """Notifications on (oslo's test driver); yields the list they are recorded in."""
    messaging.get_notification_transport(rpc.cfg.CONF, url="fake:///")  # registers opts
    flags(transport_url="fake:///")
    flags(driver=["test"], group="oslo_messaging_notifications")
    flags(notification_format="both", notify_on_state_change="vm_state",
          group="notifications")
    monkeypatch.setattr(notifiers, "_NOTIFIERS", {})
    _impl_test.reset()
    yield Sent()
    _impl_test.reset()


class Sent:
    """The messages the test driver recorded (its list is replaced on each reset)."""

    def __iter__(self):
        return iter(note[1] for note in _impl_test.NOTIFICATIONS)


def _acting(ctxt, inst, action: str):
    """The instance action the API records before casting (events attach to it)."""
    objects.InstanceAction.action_start(ctxt, inst.uuid, action)
    return inst


def _events(sent, prefix="instance."):
    return [n["event_type"] for n in sent if n["event_type"].startswith(prefix)]


def _note(sent, event_type):
    return next(n for n in sent if n["event_type"] == event_type)


def _data(note):
    return note["payload"]["nova_object.data"]


def test_stop_sends_power_off_start_and_end_in_both_formats(mgr, make_instance, ctxt,
                                                            sent):
    inst = _acting(ctxt, make_instance(task_state=task_states.POWERING_OFF), "stop")
    mgr.stop_instance(ctxt, instance=inst)
    assert _events(sent) == ["instance.power_off.start", "instance.update",
                             "instance.power_off.end"]
    assert _events(sent, "compute.instance.") == [
        "compute.instance.power_off.start", "compute.instance.update",
        "compute.instance.power_off.end"]
    end = _note(sent, "instance.power_off.end")
    assert end["payload"]["nova_object.name"] == "InstanceActionPayload"
    assert end["payload"]["nova_object.namespace"] == "nova"
    assert end["publisher_id"] == "nova-compute:compute1"
    assert (_data(end)["state"], _data(end)["power_state"]) == ("stopped", "shutdown")
    assert _data(end)["request_id"] == ctxt.request_id
    assert _data(end)["action_initiator_user"] == "alice"


def test_a_failed_reboot_sends_reboot_error_with_the_fault(mgr, make_instance, ctxt, sent,
                                                           driver):
    inst = _acting(ctxt, make_instance(task_state=task_states.REBOOTING_HARD), "reboot")
    driver.fail.add("reboot")
    with pytest.raises(exception.HypervisorError):
        mgr.reboot_instance(ctxt, instance=inst, reboot_type="HARD")
    error = _note(sent, "instance.reboot.error")
    assert error["priority"] == "ERROR"
    fault = _data(error)["fault"]["nova_object.data"]
    assert fault["exception"] == "HypervisorError"
    assert "reboot failed" in fault["exception_message"]
    assert "instance.reboot.end" not in _events(sent)


def test_vm_state_rule_skips_task_only_changes(make_instance, ctxt, sent):
    inst = make_instance()
    inst.task_state = task_states.POWERING_OFF
    inst.save()
    assert "instance.update" not in _events(sent)
    inst.vm_state, inst.task_state = vm_states.STOPPED, None
    inst.save()
    update = _note(sent, "instance.update")
    state = _data(update)["state_update"]["nova_object.data"]
    assert (state["old_state"], state["state"]) == ("active", "stopped")


def _state_updates(sent):
    return [(u["old_state"], u["state"], u["old_task_state"], u["new_task_state"])
            for u in (_data(n)["state_update"]["nova_object.data"] for n in sent
                      if n["event_type"] == "instance.update")]


def test_old_states_come_from_the_compare_and_swap_without_a_read(
        make_instance, ctxt, sent, flags, monkeypatch):
    """The API's save (one expected task_state, one expected vm_state) proves what it
    replaced: instance.update tells it without reading the instance again."""
    flags(notify_on_state_change="vm_and_task_state", group="notifications")
    inst = make_instance()
    monkeypatch.setattr(db_instances, "instance_get_states",
                        lambda uuid: pytest.fail("states read again"))
    inst.task_state = task_states.POWERING_OFF
    inst.save(expected_task_state=[None], expected_vm_state=[vm_states.ACTIVE])
    assert _state_updates(sent) == [("active", "active", None, "powering-off")]


def test_old_states_not_proved_are_read(make_instance, ctxt, sent, flags):
    flags(notify_on_state_change="vm_and_task_state", group="notifications")
    inst = make_instance(task_state=task_states.POWERING_OFF)
    stale = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    inst.vm_state, inst.task_state = vm_states.ERROR, None
    inst.save()
    stale.vm_state, stale.task_state = vm_states.STOPPED, None
    stale.save(expected_task_state=[None])
    assert _state_updates(sent) == [("active", "error", "powering-off", None),
                                    ("error", "stopped", None, None)]


def test_nothing_is_built_without_a_driver(mgr, make_instance, ctxt, monkeypatch, flags):
    monkeypatch.setattr(notifiers, "_NOTIFIERS", {})
    built = []
    monkeypatch.setattr(notifications.payload_base, "emit",
                        lambda *args, **kw: built.append(args))
    inst = _acting(ctxt, make_instance(task_state=task_states.POWERING_OFF), "stop")
    mgr.stop_instance(ctxt, instance=inst)
    assert built == []
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).vm_state == vm_states.STOPPED


def test_a_notification_that_cannot_be_sent_does_not_fail_the_work(
        mgr, make_instance, ctxt, sent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("broker gone")

    monkeypatch.setattr(notifications.payload_base, "emit", broken)
    inst = _acting(ctxt, make_instance(task_state=task_states.POWERING_ON, power=4), "start")
    mgr.start_instance(ctxt, instance=inst)
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).vm_state == vm_states.ACTIVE
