"""LiveMigrationTask: the conductor's part of a live migration.

``API.live_migrate`` (task_state MIGRATING, action "live-migration") -> conductor
``live_migrate_instance`` -> here: record the Migration (``accepted``), hand the source
host's claim to the migration, find the destination (the scheduler, which claims there for
the instance; or, for a host forced by the caller, a claim on it directly, as Nova's
placement claim does), ask the destination whether it can take the guest
(``check_can_live_migrate_destination``, a call; it asks the source in turn), then cast
``live_migration`` to the source, which runs the move (compute/live_migration.py).

Every failure here ends in ``rollback``, Nova's answer to an asynchronous live migration
that cannot start: the server stays ACTIVE on its source with no task and a fault, the
migration is ``error``, the claims are as before.
"""
import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_utils import uuidutils

from mininova import conf
from mininova import context as mn_context
from mininova import exception
from mininova import objects
from mininova.compute import task_states
from mininova.conductor.tasks import base
from mininova.db import allocations as db_allocations
from mininova.objects import migration as migration_obj
from mininova.objects import service as service_obj
from mininova.scheduler import host_manager

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# The conductor's event of the "live-migration" instance action (Nova's name).
EVENT = "conductor_live_migrate_instance"


class LiveMigrationTask(base.TaskBase):
    """One live migration of ``instance``, to ``host`` or to the scheduler's choice."""

    event = EVENT
    what = "Live migration"
    task_state = task_states.MIGRATING

    def __init__(self, context, instance, host: str | None, block_migration: bool | None,
                 force: bool, compute_rpcapi, scheduler_rpcapi, conductor_host: str):
        super().__init__(context, instance, compute_rpcapi, scheduler_rpcapi,
                         conductor_host)
        self.requested_host = host
        self.block_migration = block_migration
        self.force = force and host is not None
        self.source = instance.host
        self.migration = None
        self.migrate_data = None

    @classmethod
    def _from_records(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                      conductor_host: str) -> "LiveMigrationTask":
        task = cls(context, instance, None, None, False, compute_rpcapi,
                   scheduler_rpcapi, conductor_host)
        moves = [m for m in objects.MigrationList.get_in_progress_by_instance(
            context, instance.uuid) if m.migration_type == "live-migration"]
        task.migration = moves[-1] if moves else None
        return task

    def _execute(self) -> None:
        self.migration = self._create_migration()
        self._check_host_is_up(self.source)
        db_allocations.move_allocations(self.instance.uuid, self.migration.uuid)
        dest = self._claim_destination()
        self.migration.dest_compute = self.migration.dest_node = dest
        self.migration.dest_host = dest
        self.migration.save()
        self.migrate_data = self.compute_rpcapi.check_can_live_migrate_destination(
            self.context, self.instance, dest, self.block_migration, self.migration)

    def _hand_over(self) -> None:
        LOG.info("Live-migrating instance %s from %s to %s (migration %s)",
                 self.instance.uuid, self.source, self.migration.dest_compute,
                 self.migration.uuid)
        self.compute_rpcapi.live_migration(self.context, self.instance, self.migration,
                                           self.migrate_data)

    def _deleted(self) -> None:
        if self.migration is not None:
            self.migration.rollback_live("error")

    def _create_migration(self):
        flavor = migration_obj.instance_flavor(self.instance)
        try:
            flavor["id"] = objects.Flavor.get_by_flavor_id(
                mn_context.get_admin_context(), flavor["flavorid"]).id
        except exception.FlavorNotFound:
            flavor["id"] = None
        migration = objects.Migration(
            self.context, uuid=uuidutils.generate_uuid(), instance_uuid=self.instance.uuid,
            source_compute=self.source, source_node=self.instance.node,
            dest_compute=self.requested_host, dest_node=self.requested_host,
            dest_host=self.requested_host, old_instance_type_id=flavor["id"],
            new_instance_type_id=flavor["id"], old_flavor=flavor, new_flavor=flavor,
            status="accepted", migration_type="live-migration", hidden=False,
            user_id=self.context.user_id, project_id=self.context.project_id)
        migration.create()
        return migration

    def _check_host_is_up(self, host: str) -> None:
        """Nova's ComputeServiceUnavailable for a host whose compute is not up."""
        try:
            svc = objects.Service.get_by_host_and_binary(self.context, host,
                                                         service_obj.COMPUTE)
        except exception.NotFound as exc:
            raise exception.ComputeHostNotFound(host=host) from exc
        if svc.forced_down or not svc.is_up(CONF.service_down_time):
            raise exception.ComputeServiceUnavailable(host=host)

    def _claim_destination(self) -> str:
        """The destination, its claim made for the instance (the source keeps running
        the guest: the instance's host does not change here)."""
        host = self.requested_host
        if not self.force:
            spec = objects.RequestSpec.for_move(
                self.context, self.instance, self.migration.new_flavor, [self.source],
                host)
            return self.scheduler_rpcapi.select_destinations_for_move(self.context, spec)
        # NOTE: a forced host skips the filters (Nova's rule), not the capacity check.
        if host == self.source:
            raise exception.UnableToMigrateToSelf(instance_id=self.instance.uuid,
                                                  host=host)
        self._check_host_is_up(host)
        state = next((h for h in host_manager.get_host_states(self.context)
                      if h.host == host), None)
        if state is None or not db_allocations.claim(
                self.instance.uuid, host, db_allocations.requested(self.instance),
                state.limits(), place_instance=False):
            raise exception.MigrationPreCheckError(
                reason=f"Unable to move instance {self.instance.uuid} to host {host}. "
                       "There is not enough capacity on the host for the instance.")
        return host

    def _fault(self, exc: Exception) -> Exception:
        if isinstance(exc, messaging.MessagingTimeout):
            return exception.MigrationPreCheckError(
                reason="a compute host of the move did not answer in time")
        if isinstance(exc, messaging.RemoteError):
            return exception.MigrationPreCheckError(reason=exc.value)
        return exc

    def rollback(self, exc: Exception) -> None:
        """The server stays ACTIVE on its source with a fault, the migration ends in
        error and the claims go back (Migration.rollback_live, one transaction)."""
        if self.migration is not None:
            self.migration.rollback_live("error")
        else:
            self.instance.task_state = None
            self.instance.save(expected_task_state=["migrating"])
        objects.InstanceFault.from_exception(self.context, self.instance.uuid, exc,
                                             self.conductor_host).create()
