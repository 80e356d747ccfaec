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
from oslo_log import log as logging

from mininova import exception
from mininova import objects
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.conductor.tasks import base
from mininova.db import allocations as db_allocations

LOG = logging.getLogger(__name__)

# The conductor's event of the "evacuate" instance action (Nova's rebuild_server).
EVENT = "conductor_rebuild_server"


class EvacuateTask(base.TaskBase):
    """Pick the destination, move the claim there, cast the rebuild; on failure, undo."""

    event = EVENT
    what = "Evacuation"
    task_state = task_states.REBUILDING

    def __init__(self, context, instance, host: str | None, target_state: str | None,
                 compute_rpcapi, scheduler_rpcapi, conductor_host: str):
        super().__init__(context, instance, compute_rpcapi, scheduler_rpcapi,
                         conductor_host)
        self.requested_host = host
        self.target_state = target_state
        self.source = instance.host
        self.destination: str | None = None
        self.image = None

    @classmethod
    def _from_records(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                      conductor_host: str) -> "EvacuateTask":
        # NOTE: no destination: the claim stays with the server, on whichever host the
        # scheduler may already have made its own; ERROR there, a hard reboot repairs.
        return cls(context, instance, None, None, compute_rpcapi, scheduler_rpcapi,
                   conductor_host)

    def _execute(self) -> None:
        # NOTE: a server deleted meanwhile leaves no claim: the claim and the delete
        # lock the instance's row.
        self.destination = self.scheduler_rpcapi.select_destinations(
            self.context, self.instance, ignore_hosts=[self.source],
            requested_host=self.requested_host)
        self.image = self._image()

    def _hand_over(self) -> None:
        LOG.info("Evacuating instance %s from %s to %s", self.instance.uuid, self.source,
                 self.destination)
        self.compute_rpcapi.rebuild_instance(
            self.context, self.instance, self.image, preserve_ephemeral=False,
            host=self.destination, recreate=True, target_state=self.target_state)

    def _image(self):
        """The server's image record; None when it is gone (the destination then keeps
        a disk it can see, as a repair does, or fails)."""
        try:
            return objects.Image.get_by_id(self.context, self.instance.image_ref)
        except exception.ImageNotFound:
            return None

    def rollback(self, exc: Exception) -> None:
        """Nova's answer to an evacuation that found no host: the server goes to ERROR
        with a fault, on its old host (an admin may evacuate it again); a claim made on
        the destination goes back to the source, and so does the server."""
        if self.destination is not None:
            self._restore_source_claim()
        objects.InstanceFault.from_exception(self.context, self.instance.uuid, exc,
                                             self.conductor_host).create()
        self.instance.vm_state = vm_states.ERROR
        self.instance.task_state = None
        self.instance.save()

    def _restore_source_claim(self) -> None:
        """Put the server and its claim back on the source host (no capacity check: the
        server's guest may still be there), in place of the destination's."""
        wanted = db_allocations.requested(self.instance)
        unlimited = db_allocations.Resources(*(2 ** 62,) * 3)
        if not db_allocations.claim(self.instance.uuid, self.source, wanted, unlimited):
            db_allocations.release(self.instance.uuid)
        self.instance.host = self.instance.node = self.source
