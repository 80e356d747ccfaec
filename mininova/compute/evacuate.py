"""The compute side of evacuate (conductor/tasks/evacuate.py runs the flow).

On the destination, ``rebuild_here`` takes the server from its down host and defines its
guest from the record (ComputeManager.rebuild_instance with ``recreate``). On the old
host, when its compute service starts again, ``destroy_evacuated_instances`` removes the
guests of servers that now live elsewhere (Nova's rule: the instance's host is another
host) and ``evacuation_in_flight`` keeps init_host from recovering a server that is
being taken away; neither starts anything or frees a claim (the destination holds it).
"""
from oslo_log import log as logging
from oslo_utils import timeutils

from mininova import exception
from mininova import objects
from mininova.compute import task_states
from mininova.compute import vm_states

LOG = logging.getLogger(__name__)


def final_vm_state(vm_state: str, target_state: str | None) -> str:
    """The vm_state an evacuated server ends in: the one asked for (2.95: stopped)
    unless it was in ERROR, else stopped if it was stopped, else active (Nova's)."""
    if target_state and vm_state != vm_states.ERROR:
        vm_state = target_state
    return vm_states.STOPPED if vm_state == vm_states.STOPPED else vm_states.ACTIVE


def rebuild_here(manager, context, instance, image, target_state: str | None) -> None:
    """Take ``instance`` onto ``manager``'s host and define its guest there.

    The host moves first, in the compare-and-swap that leaves REBUILDING: from then on
    the server is this host's, so a restart of this compute half-way resolves it as an
    interrupted rebuild (ERROR, which a hard reboot repairs from the record) and the old
    host, when it comes back, sees that its guest went away.
    """
    end_state = final_vm_state(instance.vm_state, target_state)
    source = instance.host
    instance.host = manager.host
    instance.node = manager.host
    instance.task_state = task_states.REBUILD_SPAWNING
    instance.save(expected_task_state=[task_states.REBUILDING])
    power_on = end_state == vm_states.ACTIVE
    try:
        manager.driver.recreate(context, instance, image, power_on=power_on)
    except Exception:
        manager._set_error(instance)
        raise
    instance.power_state = manager.driver.get_info(instance).state
    instance.vm_state = end_state
    instance.task_state = None
    instance.launched_at = timeutils.utcnow(with_timezone=True)
    instance.save(expected_task_state=[task_states.REBUILD_SPAWNING])
    LOG.info("Instance %s evacuated from %s to %s (%s)", instance.uuid, source,
             manager.host, end_state)


def destroy_evacuated_instances(manager, ctxt) -> None:
    """Remove every guest here whose server now lives on another host; the server is
    not touched (nor started, nor its claim freed)."""
    # NOTE: one query for this host's servers; only the other guests are looked up.
    here = {inst.uuid for inst in objects.InstanceList.get_by_host(ctxt, manager.host)}
    for uuid in manager.driver.list_instance_uuids():
        if uuid in here:
            continue
        try:
            instance = objects.Instance.get_by_uuid(ctxt, uuid)
        except exception.InstanceNotFound:
            continue
        if instance.host is None or instance.host == manager.host:
            continue
        _destroy_local_guest(manager, ctxt, instance,
                             f"it was evacuated to {instance.host}")


def evacuation_in_flight(manager, ctxt, instance) -> bool:
    """True (and the local guest removed) when ``instance``, still recorded on this
    host, is being evacuated: REBUILDING with its claim already on another host. The
    destination takes it from there; recovering it here would break that evacuation."""
    if instance.task_state != task_states.REBUILDING:
        return False
    claim = objects.Allocation.get_by_consumer(ctxt, instance.uuid)
    if claim is None or claim.host == manager.host:
        return False
    _destroy_local_guest(manager, ctxt, instance,
                         f"it is being evacuated to {claim.host}")
    return True


def _destroy_local_guest(manager, ctxt, instance, why: str) -> None:
    LOG.info("Destroying the local guest of instance %s: %s", instance.uuid, why)
    try:
        manager.driver.cleanup_evacuated(ctxt, instance)
    except Exception:
        LOG.exception("Could not destroy the evacuated guest of %s", instance.uuid)
