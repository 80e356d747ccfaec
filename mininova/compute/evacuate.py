"""The compute side of evacuate (conductor/tasks/evacuate.py runs the flow).

On the destination, ``rebuild_here`` defines the guest of the server the conductor
placed here (ComputeManager.rebuild_instance with ``recreate``). On the old host, when
its compute service starts again, ``destroy_evacuated_instances`` removes the guests of
servers that now live elsewhere (Nova's rule: the instance's host is another host),
without starting anything or freeing a claim (the destination holds it).
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
    """Define the guest of ``instance``, evacuated to ``manager``'s host, from its record.

    The conductor made this host the server's when it claimed here, so a restart of this
    compute half-way (or before the cast arrived) resolves it as an interrupted rebuild:
    ERROR, which a hard reboot repairs from the record. A cast that arrives after that
    finds no evacuation to do and ends quietly.
    """
    end_state = final_vm_state(instance.vm_state, target_state)
    source = instance.host
    instance.host = manager.host
    instance.node = manager.host
    instance.task_state = task_states.REBUILD_SPAWNING
    try:
        instance.save(expected_task_state=[task_states.REBUILDING])
    except exception.UnexpectedTaskStateError:
        LOG.info("Evacuation of instance %s is no longer expected here (resolved when "
                 "this compute started); nothing to do", instance.uuid)
        return
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


def _destroy_local_guest(manager, ctxt, instance, why: str) -> None:
    LOG.info("Destroying the local guest of instance %s: %s", instance.uuid, why)
    try:
        manager.driver.cleanup_evacuated(ctxt, instance)
    except Exception:
        LOG.exception("Could not destroy the evacuated guest of %s", instance.uuid)
