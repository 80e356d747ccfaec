"""The conductor's evacuate task: the scheduler picks a destination other than the
source (claiming there and placing the server there, the source's claim dropped), the
rebuild is cast to it; a failure leaves the server in ERROR on its old host with its
claim there, and a server deleted meanwhile leaves no claim behind."""
import uuid
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import exception
from mininova import objects
from mininova.conductor.tasks import evacuate
from mininova.db import allocations as db_allocations

IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
UNLIMITED = db_allocations.Resources(64, 65536, 1000)


@pytest.fixture
def server(db, admin_ctxt):
    """An ACTIVE server on "src" (which is down), REBUILDING for its evacuation, with its
    claim on src, the "evacuate" action started; hosts src and dst have nodes."""
    for host in ("src", "dst"):
        objects.ComputeNode.report(admin_ctxt, host, {
            "hypervisor_hostname": host, "hypervisor_type": "QEMU",
            "hypervisor_version": 1, "vcpus": 4, "memory_mb": 4096, "local_gb": 40})
    objects.Image(admin_ctxt, id=IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    inst = objects.Instance(
        admin_ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1",
        user_id="alice", image_ref=IMAGE, flavor_id="1", flavor_name="m1.tiny",
        memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0, vm_state="active",
        task_state="rebuilding", power_state=1, locked=False, launch_index=0,
        flavor_extra_specs={}, host="src", node="src")
    inst.create()
    assert db_allocations.claim(inst.uuid, "src", db_allocations.requested(inst), UNLIMITED)
    objects.InstanceAction.action_start(admin_ctxt, inst.uuid, "evacuate")
    return inst


def _task(ctxt, instance, host=None, target_state=None, destination="dst"):
    """The task with a scheduler that claims on ``destination`` (as the real one does:
    placing the instance there) and a compute RPC API mock."""
    scheduler = mock.Mock()

    def select(context, inst, ignore_hosts, requested_host):
        if destination is None:
            raise exception.NoValidHost(reason="none fits")
        assert db_allocations.claim(inst.uuid, destination, db_allocations.requested(inst),
                                    UNLIMITED)
        return destination

    scheduler.select_destinations.side_effect = select
    return evacuate.EvacuateTask(ctxt, instance, host, target_state, mock.Mock(), scheduler,
                                 "conductor1")


def _event(ctxt, instance) -> objects.InstanceActionEvent:
    action = objects.InstanceAction.get_by_request_id(ctxt, instance.uuid, ctxt.request_id)
    (event,) = objects.InstanceActionEventList.get_by_action(ctxt, action.id)
    return event


def test_the_rebuild_is_cast_to_the_destination_which_holds_the_claim(admin_ctxt, server):
    task = _task(admin_ctxt, server, host="dst", target_state="stopped")
    task.execute()
    task.scheduler_rpcapi.select_destinations.assert_called_once_with(
        admin_ctxt, server, ignore_hosts=["src"], requested_host="dst")
    cast = task.compute_rpcapi.rebuild_instance.call_args
    assert cast.args[:2] == (admin_ctxt, server)
    assert cast.args[2].id == IMAGE
    assert cast.kwargs == {"preserve_ephemeral": False, "host": "dst", "recreate": True,
                           "target_state": "stopped"}
    assert db_allocations.get_by_consumer(server.uuid).host == "dst"
    # NOTE: from the claim on, the server is the destination's (its restart resolves it).
    assert objects.Instance.get_by_uuid(admin_ctxt, server.uuid).host == "dst"
    event = _event(admin_ctxt, server)
    assert (event.event, event.result, event.host) == (
        "conductor_rebuild_server", "Success", "conductor1")


def test_no_valid_host_is_an_error_on_the_old_host_with_its_claim(admin_ctxt, server):
    task = _task(admin_ctxt, server, destination=None)
    task.execute()
    task.compute_rpcapi.rebuild_instance.assert_not_called()
    inst = objects.Instance.get_by_uuid(admin_ctxt, server.uuid)
    assert (inst.vm_state, inst.task_state, inst.host) == ("error", None, "src")
    fault = objects.InstanceFault.get_latest_for_instances(admin_ctxt, [server.uuid])
    assert "No valid host" in fault[server.uuid].message
    assert db_allocations.get_by_consumer(server.uuid).host == "src"
    assert _event(admin_ctxt, server).result == "Error"


def test_a_cast_that_cannot_be_sent_gives_the_claim_back_to_the_source(admin_ctxt, server):
    task = _task(admin_ctxt, server)
    task.compute_rpcapi.rebuild_instance.side_effect = messaging.MessageDeliveryFailure(
        "broker gone")
    task.execute()
    inst = objects.Instance.get_by_uuid(admin_ctxt, server.uuid)
    assert (inst.vm_state, inst.task_state, inst.host) == ("error", None, "src")
    claim = db_allocations.get_by_consumer(server.uuid)
    assert (claim.host, claim.memory_mb) == ("src", 512)
    assert db_allocations.usage_by_host().get("dst") is None


def test_a_scheduler_timeout_is_no_valid_host(admin_ctxt, server):
    task = _task(admin_ctxt, server)
    task.scheduler_rpcapi.select_destinations.side_effect = messaging.MessagingTimeout()
    task.execute()
    inst = objects.Instance.get_by_uuid(admin_ctxt, server.uuid)
    assert (inst.vm_state, inst.task_state) == ("error", None)
    fault = objects.InstanceFault.get_latest_for_instances(admin_ctxt, [server.uuid])
    assert "did not answer in time" in fault[server.uuid].message


def test_a_server_deleted_meanwhile_leaves_no_claim(admin_ctxt, server):
    task = _task(admin_ctxt, server)
    original = task.scheduler_rpcapi.select_destinations.side_effect

    def delete_then_select(*args, **kwargs):
        objects.Instance.get_by_uuid(admin_ctxt, server.uuid).destroy()
        return original(*args, **kwargs)

    task.scheduler_rpcapi.select_destinations.side_effect = delete_then_select
    task.execute()  # the claim finds no server (InstanceNotFound): nothing to undo
    task.compute_rpcapi.rebuild_instance.assert_not_called()
    assert db_allocations.get_by_consumer(server.uuid) is None


def test_the_conductor_manager_runs_the_task(admin_ctxt, server):
    from mininova.conductor import manager as conductor_manager
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        mgr = conductor_manager.ConductorManager("conductor1", transport=None)
    mgr.scheduler_rpcapi.select_destinations.return_value = "dst"
    mgr.evacuate_server(admin_ctxt, instance=server, host=None, target_state=None)
    assert mgr.compute_rpcapi.rebuild_instance.call_args.kwargs["host"] == "dst"


def test_an_unexpected_failure_leaves_no_task(admin_ctxt, server):
    task = _task(admin_ctxt, server)
    with mock.patch.object(evacuate.objects.Image, "get_by_id",
                           side_effect=RuntimeError("database gone")):
        task.execute()
    inst = objects.Instance.get_by_uuid(admin_ctxt, server.uuid)
    assert (inst.vm_state, inst.task_state, inst.host) == ("error", None, "src")
    assert db_allocations.get_by_consumer(server.uuid).host == "src"
