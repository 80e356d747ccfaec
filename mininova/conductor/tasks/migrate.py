"""MigrationTask: the conductor's part of a resize or cold migration.

``API.resize``/``API.migrate`` -> conductor ``migrate_server`` -> here: record the
Migration, hand the source host's claim to the migration, ask the scheduler for a
destination (which claims the new flavor there for the instance), then cast
``prep_resize`` to the destination. The computes carry the flow on from there
(compute/resize.py). When this part fails, ``rollback`` leaves the server as it was: on
its source host, its claim back, no task_state, the migration in ``error``.
"""
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

CONF = conf.CONF
LOG = logging.getLogger(__name__)

EVENT = "conductor_migrate_server"


class MigrationTask(base.TaskBase):
    """One resize (``flavor`` given) or cold migration (``flavor`` None) of ``instance``."""

    event = EVENT
    what = "Move"
    task_state = task_states.RESIZE_PREP

    def __init__(self, context, instance, flavor, host: str | None, compute_rpcapi,
                 scheduler_rpcapi, conductor_host: str):
        super().__init__(context, instance, compute_rpcapi, scheduler_rpcapi,
                         conductor_host)
        self.flavor = flavor
        self.requested_host = host
        self.migration = None
        self._claim_moved = False

    @classmethod
    def _from_records(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                      conductor_host: str) -> "MigrationTask":
        task = cls(context, instance, None, None, compute_rpcapi, scheduler_rpcapi,
                   conductor_host)
        task.migration = next((m for m in objects.MigrationList.get_in_progress_by_instance(
            context, instance.uuid) if m.status == "pre-migrating"), None)
        task._claim_moved = task.migration is not None and (
            db_allocations.get_by_consumer(task.migration.uuid) is not None)
        return task

    def _create_migration(self):
        old = migration_obj.instance_flavor(self.instance)
        try:
            old["id"] = objects.Flavor.get_by_flavor_id(
                mn_context.get_admin_context(), old["flavorid"]).id
        except exception.FlavorNotFound:
            old["id"] = None
        new = migration_obj.flavor_dict(self.flavor) if self.flavor is not None else old
        migration = objects.Migration(
            self.context, uuid=uuidutils.generate_uuid(), instance_uuid=self.instance.uuid,
            source_compute=self.instance.host, source_node=self.instance.node,
            old_instance_type_id=old["id"], new_instance_type_id=new["id"],
            old_flavor=old, new_flavor=new, status="pre-migrating",
            migration_type="resize" if self.flavor is not None else "migration",
            hidden=False, user_id=self.context.user_id,
            project_id=self.context.project_id)
        migration.create()
        return migration

    def _ignore_hosts(self) -> list[str]:
        """The source, unless a resize may stay on it (allow_resize_to_same_host)."""
        if self.flavor is not None and CONF.allow_resize_to_same_host:
            return []
        return [self.instance.host]

    def _execute(self) -> None:
        self.migration = self._create_migration()
        # NOTE: as Nova does with placement: the source's usage is now the migration's,
        # so the scheduler claims the new flavor for the instance beside it.
        self._claim_moved = db_allocations.move_allocations(self.instance.uuid,
                                                            self.migration.uuid)
        spec = objects.RequestSpec.for_move(
            self.context, self.instance, self.migration.new_flavor, self._ignore_hosts(),
            self.requested_host)
        host = self.scheduler_rpcapi.select_destinations_for_move(self.context, spec)
        self.migration.dest_compute = host
        self.migration.dest_node = host
        self.migration.dest_host = host
        self.migration.save()

    def _hand_over(self) -> None:
        host = self.migration.dest_compute
        LOG.info("Moving instance %s from %s to %s (migration %s)", self.instance.uuid,
                 self.instance.host, host, self.migration.uuid)
        self.compute_rpcapi.prep_resize(self.context, self.instance, self.migration, host)

    def _deleted(self) -> None:
        # NOTE: the delete ends the moves it sees; this one may have been recorded after.
        if self.migration is not None:
            db_allocations.release(self.migration.uuid)
            self.migration.status = "error"
            self.migration.save()

    def rollback(self, exc: Exception) -> None:
        """Undo this part: the claims back as they were, the migration in error, the
        instance's task cleared (its vm_state was never changed) with a fault."""
        if self._claim_moved:
            db_allocations.move_allocations(self.migration.uuid, self.instance.uuid)
        if self.migration is not None:
            self.migration.status = "error"
            self.migration.save()
        objects.InstanceFault.from_exception(self.context, self.instance.uuid, exc,
                                             self.conductor_host).create()
        self.instance.task_state = None
        self.instance.save()
