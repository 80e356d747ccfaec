"""compute/api.py: the state table, the compare-and-swap, the action record, the cast."""
from unittest import mock

import pytest

from mininova import exception
from mininova import objects
from mininova.compute import api as compute_api
from mininova.compute import task_states
from mininova.compute import vm_states


@pytest.fixture
def api():
    with mock.patch.object(compute_api.rpcapi, "ComputeAPI"), \
            mock.patch.object(compute_api.conductor_rpcapi, "ConductorAPI"):
        yield compute_api.API(transport=None)


@pytest.fixture
def flavor_image(db, ctxt):
    objects.Flavor(ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1,
                   disabled=False, is_public=True).create()
    image = objects.Image(ctxt, id="7f1a4a1e-0a8e-4d52-9d57-7b0b1f3f1a11", name="cirros",
                          disk_format="qcow2", container_format="bare", size=1, checksum=None,
                          file_path=None, status="active", min_disk=0, min_ram=0)
    image.create()
    return image


def _server(api, ctxt, flavor_image, vm_state=vm_states.ACTIVE, task_state=None,
            host="compute1"):
    instance = api.create(ctxt, "vm", "1", flavor_image.id)
    instance.vm_state, instance.task_state, instance.host = vm_state, task_state, host
    instance.save()
    return objects.Instance.get_by_uuid(ctxt, instance.uuid)


def test_create_inserts_building_instance_and_casts_to_conductor(api, ctxt, flavor_image):
    instance = api.create(ctxt, "vm", "1", flavor_image.id)
    assert (instance.vm_state, instance.task_state) == (vm_states.BUILDING,
                                                        task_states.SCHEDULING)
    assert instance.memory_mb == 512 and instance.project_id == "p1"
    api.conductor_rpcapi.schedule_and_build_instances.assert_called_once_with(
        ctxt, [instance], requested_networks=None)
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid)
    assert [a.action for a in actions] == ["create"]
    assert actions[0].request_id == "req-unit"


@pytest.mark.parametrize("flavor, image", [("42", None), ("1", "missing")])
def test_create_with_unknown_flavor_or_image_is_400(api, ctxt, flavor_image, flavor, image):
    with pytest.raises(exception.Invalid) as err:
        api.create(ctxt, "vm", flavor, image or flavor_image.id)
    assert err.value.code == 400


def test_stop_sets_task_state_records_action_and_casts(api, ctxt, flavor_image):
    instance = _server(api, ctxt, flavor_image)
    api.stop(ctxt, instance)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert stored.task_state == task_states.POWERING_OFF
    api.compute_rpcapi.stop_instance.assert_called_once_with(ctxt, instance)
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid)
    assert actions[0].action == "stop"


@pytest.mark.parametrize("method, args, vm_state, task_state", [
    ("start", (), vm_states.ACTIVE, None),
    ("stop", (), vm_states.STOPPED, None),
    ("stop", (), vm_states.ACTIVE, task_states.REBOOTING),
    ("reboot", ("SOFT",), vm_states.STOPPED, None),
    ("reboot", ("SOFT",), vm_states.ACTIVE, task_states.POWERING_OFF),
    ("reboot", ("HARD",), vm_states.BUILDING, task_states.SPAWNING),
])
def test_forbidden_states_are_409_and_change_nothing(api, ctxt, flavor_image, method, args,
                                                      vm_state, task_state):
    instance = _server(api, ctxt, flavor_image, vm_state, task_state)
    with pytest.raises(exception.InstanceInvalidState) as err:
        getattr(api, method)(ctxt, instance, *args)
    assert err.value.code == 409
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state == task_state
    api.compute_rpcapi.assert_not_called()


def test_hard_reboot_may_override_a_soft_reboot(api, ctxt, flavor_image):
    instance = _server(api, ctxt, flavor_image, task_state=task_states.REBOOTING)
    api.reboot(ctxt, instance, "HARD")
    assert (objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state
            == task_states.REBOOTING_HARD)


def test_second_stop_from_a_stale_copy_loses_the_race(api, ctxt, flavor_image):
    first = _server(api, ctxt, flavor_image)
    second = objects.Instance.get_by_uuid(ctxt, first.uuid)
    api.stop(ctxt, first)
    with pytest.raises(exception.UnexpectedTaskStateError) as err:
        api.stop(ctxt, second)
    assert err.value.code == 409
    assert api.compute_rpcapi.stop_instance.call_count == 1


def test_the_losing_stop_records_no_action(api, ctxt, flavor_image):
    """The task_state and the action are one transaction: only the winner's action."""
    first = _server(api, ctxt, flavor_image)
    second = objects.Instance.get_by_uuid(ctxt, first.uuid)
    api.stop(ctxt, first)
    late = type(ctxt)(user_id="alice", project_id="p1", request_id="req-late")
    with pytest.raises(exception.UnexpectedTaskStateError):
        api.stop(late, second)
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, first.uuid)
    assert [(a.action, a.request_id) for a in actions if a.action == "stop"] == [
        ("stop", ctxt.request_id)]


def test_other_projects_servers_are_not_found(api, ctxt, flavor_image):
    instance = _server(api, ctxt, flavor_image)
    other = type(ctxt)(user_id="bob", project_id="p2", request_id="req-2")
    with pytest.raises(exception.InstanceNotFound):
        api.get(other, instance.uuid)


def test_delete_without_a_live_host_deletes_locally(api, ctxt, flavor_image):
    instance = _server(api, ctxt, flavor_image, host=None)
    api.delete(ctxt, instance)
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctxt, instance.uuid)
    api.compute_rpcapi.terminate_instance.assert_not_called()


def test_unreachable_broker_undoes_the_task_and_is_503(api, ctxt, flavor_image):
    import oslo_messaging as messaging

    instance = _server(api, ctxt, flavor_image)
    api.compute_rpcapi.stop_instance.side_effect = messaging.MessageDeliveryFailure("down")
    with pytest.raises(exception.ServiceUnavailable) as err:
        api.stop(ctxt, instance)
    assert err.value.code == 503
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state is None


def test_unreachable_broker_on_create_leaves_no_server(api, ctxt, flavor_image):
    import oslo_messaging as messaging

    api.conductor_rpcapi.schedule_and_build_instances.side_effect = (
        messaging.MessageDeliveryFailure("down"))
    with pytest.raises(exception.ServiceUnavailable):
        api.create(ctxt, "vm", "1", flavor_image.id)
    assert len(objects.InstanceList.get_by_filters(ctxt, {})) == 0


def test_kernel_and_ramdisk_images_are_not_bootable(api, ctxt, flavor_image):
    kernel = objects.Image(ctxt, id="1b7e3c52-5f55-4a43-9a55-0b1c1f6b2d11", name="vmlinuz",
                           disk_format="aki", container_format="aki", size=1, checksum=None,
                           file_path=None, status="active", min_disk=0, min_ram=0)
    kernel.create()
    with pytest.raises(exception.Invalid) as err:
        api.create(ctxt, "vm", "1", kernel.id)
    assert "kernel or ramdisk" in str(err.value)


def test_a_start_that_read_a_stale_vm_state_loses(api, ctxt, flavor_image):
    """Two starts read the server SHUTOFF; the first one's start completes (ACTIVE, no
    task) before the second one's compare-and-swap: the second must get 409, not start
    an ACTIVE server again."""
    instance = _server(api, ctxt, flavor_image, vm_state=vm_states.STOPPED)
    stale = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    api.start(ctxt, instance)
    instance.vm_state, instance.task_state = vm_states.ACTIVE, None
    instance.save()
    with pytest.raises(exception.Conflict) as err:
        api.start(ctxt, stale)
    assert err.value.code == 409
    assert api.compute_rpcapi.start_instance.call_count == 1
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.vm_state, stored.task_state) == (vm_states.ACTIVE, None)
