"""The conductor's builds: each instance of a request scheduled on its own, then cast to
its host; one without a host goes to ERROR without stopping the others."""
import uuid
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import exception
from mininova import objects
from mininova.conductor import manager as conductor_manager
from mininova.db import allocations as db_allocations

IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"


def _instance(ctxt, name):
    inst = objects.Instance(
        ctxt, uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
        display_name=name, project_id="p1", user_id="alice", image_ref=IMAGE,
        flavor_id="1", flavor_name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1,
        ephemeral_gb=0, swap=0, vm_state="building", task_state="scheduling",
        power_state=0, locked=False, launch_index=0, flavor_extra_specs={})
    inst.create()
    return inst


def test_each_instance_is_scheduled_and_cast_to_its_host(db, ctxt):
    objects.Image(ctxt, id=IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    first, second, third = (_instance(ctxt, n) for n in ("a", "b", "c"))
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        mgr = conductor_manager.ConductorManager("conductor1", transport=None)
    mgr.scheduler_rpcapi.select_destinations.side_effect = [
        "h1", exception.NoValidHost(reason="full"), "h2"]
    for inst in (first, second, third):
        objects.InstanceAction.action_start(ctxt, inst.uuid, "create")
    mgr.schedule_and_build_instances(ctxt, instances=[first, second, third])
    built = mgr.compute_rpcapi.build_and_run_instance.call_args_list
    assert [(c.args[1].uuid, c.args[3]) for c in built] == [(first.uuid, "h1"),
                                                           (third.uuid, "h2")]
    assert objects.Instance.get_by_uuid(ctxt, second.uuid).vm_state == "error"


def _manager():
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        mgr = conductor_manager.ConductorManager("conductor1", transport=None)
    mgr.scheduler_rpcapi.select_destinations.return_value = "h1"
    return mgr


def _two_builds(ctxt):
    """An image, two instances with their create actions, and a conductor."""
    objects.Image(ctxt, id=IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    first, second = _instance(ctxt, "a"), _instance(ctxt, "b")
    for inst in (first, second):
        objects.InstanceAction.action_start(ctxt, inst.uuid, "create")
    return first, second, _manager()


def test_build_allocates_an_address_the_compute_gets(db, ctxt):
    first, second, mgr = _two_builds(ctxt)
    mgr.schedule_and_build_instances(ctxt, instances=[first, second])
    sent = [c.args[1].network_info for c in
            mgr.compute_rpcapi.build_and_run_instance.call_args_list]
    assert [[vif["address"] for vif in vifs] for vifs in sent] == [["10.99.0.2"],
                                                                  ["10.99.0.3"]]
    assert sent[0][0]["bridge"] == "mnbr0" and sent[0][0]["mac"].startswith("fa:16:3e:")
    assert objects.Instance.get_by_uuid(ctxt, first.uuid).network_info == sent[0]
    objects.Instance.get_by_uuid(ctxt, first.uuid).destroy()
    third = _instance(ctxt, "c")
    objects.InstanceAction.action_start(ctxt, third.uuid, "create")
    mgr.schedule_and_build_instances(ctxt, instances=[third], requested_networks=[])
    assert objects.Instance.get_by_uuid(ctxt, third.uuid).network_info == []


def test_a_full_network_is_an_error_with_a_fault_and_nothing_allocated(db, ctxt, flags):
    flags(cidr="10.98.0.0/30", group="network")  # one guest address: .2 (.1 the gateway)
    first, second, mgr = _two_builds(ctxt)
    mgr.schedule_and_build_instances(ctxt, instances=[first, second])
    failed = objects.Instance.get_by_uuid(ctxt, second.uuid)
    assert failed.vm_state == "error" and failed.network_info == []
    fault = objects.InstanceFault.get_latest_for_instances(ctxt, [second.uuid])[second.uuid]
    assert fault.message.startswith("No fixed IP addresses available for network")
    assert [vif["address"] for vif in
            objects.Instance.get_by_uuid(ctxt, first.uuid).network_info] == ["10.98.0.2"]


def test_an_unexpected_failure_ends_the_build_in_error_not_scheduling(db, ctxt):
    first, second, mgr = _two_builds(ctxt)
    mgr.scheduler_rpcapi.select_destinations.side_effect = [
        RuntimeError("database is locked"), "h1"]
    mgr.schedule_and_build_instances(ctxt, instances=[first, second])
    failed = objects.Instance.get_by_uuid(ctxt, first.uuid)
    assert (failed.vm_state, failed.task_state) == ("error", None)
    fault = objects.InstanceFault.get_latest_for_instances(ctxt, [first.uuid])[first.uuid]
    assert "RuntimeError: database is locked" in fault.message
    built = mgr.compute_rpcapi.build_and_run_instance.call_args_list
    assert [c.args[1].uuid for c in built] == [second.uuid]


def _report_h1(ctxt) -> None:
    """A compute node h1 with room for the builds."""
    objects.ComputeNode.report(ctxt, "h1", {
        "hypervisor_hostname": "h1", "hypervisor_type": "QEMU", "hypervisor_version": 1,
        "vcpus": 4, "memory_mb": 4096, "local_gb": 40})


def _claim_h1(inst) -> None:
    """The scheduler's claim on h1, as the real one makes it."""
    assert db_allocations.claim(inst.uuid, "h1", db_allocations.requested(inst),
                                db_allocations.Resources(64, 65536, 1000))


def test_a_build_that_cannot_be_cast_ends_in_error_and_frees_its_claim(db, ctxt):
    """The compute cannot be reached (the broker refused the cast): nobody retries it,
    so the server must not stay BUILD/scheduling with a claim."""
    first, second, mgr = _two_builds(ctxt)
    _report_h1(ctxt)

    def claim(context, inst):
        _claim_h1(inst)
        return "h1"

    mgr.scheduler_rpcapi.select_destinations.side_effect = claim
    mgr.compute_rpcapi.build_and_run_instance.side_effect = [
        messaging.MessageDeliveryFailure("broker gone"), None]
    mgr.schedule_and_build_instances(ctxt, instances=[first, second])
    failed = objects.Instance.get_by_uuid(ctxt, first.uuid)
    assert (failed.vm_state, failed.task_state) == ("error", None)
    assert db_allocations.get_by_consumer(first.uuid) is None
    assert db_allocations.get_by_consumer(second.uuid).host == "h1"
    assert objects.Instance.get_by_uuid(ctxt, second.uuid).vm_state == "building"


class _Killed(BaseException):
    """What the conductor's death looks like from inside a flow: nothing runs after."""


def _conductor(host: str):
    with mock.patch.object(conductor_manager.compute_rpcapi, "ComputeAPI"), \
            mock.patch.object(conductor_manager.scheduler_rpcapi, "SchedulerAPI"):
        return conductor_manager.ConductorManager(host, transport=None)


def test_a_build_its_conductor_died_in_ends_when_the_conductor_starts_again(db, ctxt):
    """Each of two conductors died after the scheduler's claim: the casts went with
    them. Started again, each ends its own build (ERROR, a fault that says why, the
    claim freed, the event closed) and leaves the other's alone."""
    first, second, _ = _two_builds(ctxt)
    _report_h1(ctxt)

    def claim_then_die(context, inst):
        _claim_h1(inst)
        raise _Killed()

    for host, inst in (("conductor1", first), ("conductor2", second)):
        dying = _conductor(host)
        dying.scheduler_rpcapi.select_destinations.side_effect = claim_then_die
        with pytest.raises(_Killed):
            dying.schedule_and_build_instances(ctxt, instances=[inst])
        assert objects.Instance.get_by_uuid(ctxt, inst.uuid).task_state == "scheduling"

    restarted = _conductor("conductor1")
    restarted.init_host()
    failed = objects.Instance.get_by_uuid(ctxt, first.uuid)
    assert (failed.vm_state, failed.task_state) == ("error", None)
    assert db_allocations.get_by_consumer(first.uuid) is None
    fault = objects.InstanceFault.get_latest_for_instances(ctxt, [first.uuid])[first.uuid]
    assert "conductor conductor1 stopped" in fault.message
    action = objects.InstanceAction.get_by_request_id(ctxt, first.uuid, ctxt.request_id)
    (event,) = objects.InstanceActionEventList.get_by_action(ctxt, action.id)
    assert (event.event, event.result) == ("conductor_schedule_and_build_instances",
                                          "Error")
    restarted.compute_rpcapi.build_and_run_instance.assert_not_called()
    other = objects.Instance.get_by_uuid(ctxt, second.uuid)
    assert (other.task_state, db_allocations.get_by_consumer(second.uuid).host) == (
        "scheduling", "h1")

    _conductor("conductor2").init_host()
    assert objects.Instance.get_by_uuid(ctxt, second.uuid).vm_state == "error"
    assert db_allocations.get_by_consumer(second.uuid) is None
