"""BuildTask: the conductor's part of a boot.

``API.create`` (vm_state BUILDING, task_state SCHEDULING, action "create") -> conductor
``schedule_and_build_instances`` -> here, for each instance: the scheduler picks a host
and claims the flavor there (a call), the network allocates the addresses, then the build
is cast to that host's compute (compute/manager.py ``build_and_run_instance``).

When this part fails (no valid host, no address left, a scheduler that does not answer,
or a bug), ``rollback`` is Nova's answer: the server goes to ERROR with a fault and its
claim, if any, is freed.
"""
from oslo_log import log as logging

from mininova import objects
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.conductor.tasks import base
from mininova.db import allocations as db_allocations
from mininova.network import api as network_api

LOG = logging.getLogger(__name__)

EVENT = "conductor_schedule_and_build_instances"


class BuildTask(base.TaskBase):
    """Schedule one instance, allocate its addresses, cast its build."""

    event = EVENT
    what = "Scheduling"
    task_state = task_states.SCHEDULING

    def __init__(self, context, instance, requested_networks: list[dict] | None,
                 compute_rpcapi, scheduler_rpcapi, conductor_host: str):
        super().__init__(context, instance, compute_rpcapi, scheduler_rpcapi,
                         conductor_host)
        self.requested_networks = requested_networks
        self.host: str | None = None
        self.image = None

    @classmethod
    def _from_records(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                      conductor_host: str) -> "BuildTask":
        return cls(context, instance, None, compute_rpcapi, scheduler_rpcapi,
                   conductor_host)

    def _execute(self) -> None:
        ctxt, instance = self.context, self.instance
        self.host = self.scheduler_rpcapi.select_destinations(ctxt, instance)
        self.image = objects.Image.get_by_id(ctxt, instance.image_ref)
        instance.network_info = network_api.allocate_for_instance(
            ctxt, instance, self.requested_networks)

    def _hand_over(self) -> None:
        self.instance.host = self.instance.node = self.host
        LOG.info("Building instance %s on %s", self.instance.uuid, self.host)
        self.compute_rpcapi.build_and_run_instance(self.context, self.instance,
                                                   self.image, self.host)

    def rollback(self, exc: Exception) -> None:
        objects.InstanceFault.from_exception(self.context, self.instance.uuid, exc,
                                             self.conductor_host).create()
        # NOTE: a scheduler that answered too late, an image gone after the claim, or a
        # compute that could not be reached: the build ends here, so do its claim and
        # any address a conductor that stopped half-way had allocated.
        db_allocations.release(self.instance.uuid)
        network_api.deallocate_for_instance(self.context, self.instance)
        self.instance.vm_state = vm_states.ERROR
        self.instance.task_state = None
        self.instance.save()
