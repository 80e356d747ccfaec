"""The evacuate flow, run by the conductor: a server whose host is down is rebuilt on
another host from its record.

compute/api.py (the source's compute is down, task_state REBUILDING, action "evacuate")
-> ConductorManager.evacuate_server -> EvacuateTask.execute: scheduler.select_destinations
(the source left out; only the host asked for, when there is one), which claims the
server's resources on the destination and, in the same transaction, makes it the
server's host (its claim on the source goes) -> cast compute.rebuild_instance(recreate)
to the destination, which defines the guest there. From the claim on the server is the
destination's: if that compute dies half-way, its init_host resolves the interrupted
rebuild (Nova's rule: ERROR, which a hard reboot repairs from the record), and the
source, when it comes back, destroys the guest it still has (ComputeManager.init_host)
and frees nothing.

No migration record is written: instance.host is what tells the source that the guest
went away (Nova's rule without the record).
"""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import exception
from mininova import objects
from mininova.compute import vm_states
from mininova.db import allocations as db_allocations

LOG = logging.getLogger(__name__)

# The conductor's event of the "evacuate" instance action (Nova's rebuild_server).
EVENT = "conductor_rebuild_server"


class EvacuateTask:
    """Pick the destination, move the claim there, cast the rebuild; on failure, undo."""

    def __init__(self, context, instance, host: str | None, target_state: str | None,
                 compute_rpcapi, scheduler_rpcapi, conductor_host: str):
        self.context = context
        self.instance = instance
        self.requested_host = host
        self.target_state = target_state
        self.compute_rpcapi = compute_rpcapi
        self.scheduler_rpcapi = scheduler_rpcapi
        self.conductor_host = conductor_host
        self.source = instance.host
        self.destination: str | None = None

    def execute(self) -> None:
        """Run the flow; every failure ends in ``rollback`` (nothing is raised: a cast)."""
        ctxt, instance = self.context, self.instance
        objects.InstanceActionEvent.event_start(ctxt, instance.uuid, EVENT,
                                                host=self.conductor_host)
        try:
            self.destination = self.scheduler_rpcapi.select_destinations(
                ctxt, instance, ignore_hosts=[self.source],
                requested_host=self.requested_host)
            image = self._image()
        except exception.InstanceNotFound:
            # NOTE: the claim and the delete lock the instance's row: no claim is left.
            LOG.info("Instance %s was deleted while evacuating it", instance.uuid)
            return
        except (exception.MininovaException, messaging.MessagingTimeout) as exc:
            self.rollback(exc)
            return
        except Exception as exc:
            # NOTE: a cast has no caller to answer: whatever broke, no task_state stays.
            LOG.exception("Evacuation of instance %s broke", instance.uuid)
            self.rollback(exc)
            return
        objects.InstanceActionEvent.event_finish(ctxt, instance.uuid, EVENT)
        LOG.info("Evacuating instance %s from %s to %s", instance.uuid, self.source,
                 self.destination)
        try:
            self.compute_rpcapi.rebuild_instance(
                ctxt, instance, image, preserve_ephemeral=False, host=self.destination,
                recreate=True,
                target_state=self.target_state)
        except (messaging.MessagingException, exception.ServiceUnavailable) as exc:
            self.rollback(exc, event_done=True)

    def _image(self):
        """The server's image record; None when it is gone (the destination then keeps
        a disk it can see, as a repair does, or fails)."""
        try:
            return objects.Image.get_by_id(self.context, self.instance.image_ref)
        except exception.ImageNotFound:
            return None

    def rollback(self, exc: Exception, event_done: bool = False) -> None:
        """Nova's answer to an evacuation that found no host: the server goes to ERROR
        with a fault, on its old host (an admin may evacuate it again); a claim made on
        the destination goes back to the source, and so does the server."""
        ctxt, instance = self.context, self.instance
        if isinstance(exc, messaging.MessagingTimeout):
            exc = exception.NoValidHost(reason="The scheduler did not answer in time.")
        # NOTE: a remote exception's str() carries the remote traceback; its message not.
        LOG.warning("Evacuation of instance %s failed: %s", instance.uuid,
                    getattr(exc, "message", exc))
        try:
            if self.destination is not None:
                self._restore_source_claim()
            objects.InstanceFault.from_exception(ctxt, instance.uuid, exc,
                                                 self.conductor_host).create()
            instance.vm_state = vm_states.ERROR
            instance.task_state = None
            instance.save()
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted while evacuating it", instance.uuid)
            return
        if not event_done:
            objects.InstanceActionEvent.event_finish(
                ctxt, instance.uuid, EVENT, result="Error", traceback=str(exc),
                details=getattr(exc, "message", str(exc)))

    def _restore_source_claim(self) -> None:
        """Put the server and its claim back on the source host (no capacity check: the
        server's guest may still be there), in place of the destination's."""
        wanted = db_allocations.requested(self.instance)
        unlimited = db_allocations.Resources(*(2 ** 62,) * 3)
        if not db_allocations.claim(self.instance.uuid, self.source, wanted, unlimited):
            db_allocations.release(self.instance.uuid)
        self.instance.host = self.instance.node = self.source
