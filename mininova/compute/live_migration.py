"""The compute side of live migration: ComputeManager's RPC methods for each step, as a
mixin (compute/manager.py stays the service's entry point).

Source host S, destination host D, conductor C (conductor/tasks/live_migrate.py):
  C -> D check_can_live_migrate_destination (call) -> S check_can_live_migrate_source
  (call): do both ends agree on shared storage / block migration?
  C -> S live_migration (cast): migration ``preparing`` -> D pre_live_migration (call:
  the guest is defined there) -> ``running``: the driver moves the guest (abort and
  force-complete act here) -> D post_live_migration_at_destination (call: the switch,
  then the guest runs there) -> S removes its copy.
The switch (``Migration.finish_live``: the server becomes D's, the migration
``completed``, S's claim freed) and every rollback (``Migration.rollback_live``: the
server stays S's, the claims go back) are one transaction each and compare the
instance's task_state with the migration's status: exactly one of them happens, however
the hosts fail. A rollback casts ``rollback_live_migration_at_destination`` to D.
"""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import exception
from mininova import objects
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.compute.decorators import reverts_task_state
from mininova.compute.decorators import wrap_exception
from mininova.compute.decorators import wrap_instance_event
from mininova.compute.decorators import wrap_instance_fault
from mininova.compute.resize import _advance
from mininova.compute.resize import _quiet
from mininova.compute.resize import _Superseded

LOG = logging.getLogger(__name__)

# What a pre-check refuses with (sent back to the conductor without a traceback here).
PRECHECK_ERRORS = (exception.MigrationPreCheckError, exception.InvalidSharedStorage,
                   exception.InvalidLocalStorage)


def _settled(instance) -> None:
    """The record was ended in the database (finish_live / rollback_live): mirror it."""
    instance.task_state = None
    instance.vm_state = vm_states.ACTIVE
    instance.obj_reset_changes(["task_state", "vm_state", "host", "node"])


class LiveMigrationMixin:
    """Needs ``host``, ``driver``, ``instance_lock``, ``compute_rpcapi``, ``_set_error``,
    ``_power_state`` and ``_sync_instance_power_state`` (the manager's)."""

    # -- the pre-checks (calls from the conductor, then from the destination) ----------

    @messaging.expected_exceptions(*PRECHECK_ERRORS)
    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def check_can_live_migrate_destination(self, context, instance,
                                           block_migration: bool | None,
                                           migration) -> dict:
        """On the destination: can this host take the guest? Asks the source in turn
        and returns the migrate data both ends agree on."""
        dest_check = self.driver.check_can_live_migrate_destination(context, instance,
                                                                    block_migration)
        try:
            return self.compute_rpcapi.check_can_live_migrate_source(context, instance,
                                                                     dest_check)
        finally:
            self.driver.cleanup_live_migration_destination_check(context, dest_check)

    @messaging.expected_exceptions(*PRECHECK_ERRORS)
    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def check_can_live_migrate_source(self, context, instance,
                                      dest_check_data: dict) -> dict:
        """On the source: can the guest leave, given what the destination found?"""
        return self.driver.check_can_live_migrate_source(context, instance,
                                                         dest_check_data)

    # -- the move ----------------------------------------------------------------------

    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def pre_live_migration(self, context, instance, migration,
                           migrate_data: dict) -> dict:
        """On the destination: get ready to receive the guest."""
        with self.instance_lock(instance.uuid, "pre_live_migration"):
            self.driver.pre_live_migration(context, instance, migrate_data)
            return migrate_data

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def live_migration(self, context, instance, migration, migrate_data: dict) -> None:
        """On the source: prepare the destination, move the guest, hand the server
        over; any failure before the switch leaves it running here."""
        with self.instance_lock(instance.uuid, "live_migration"), \
                _quiet(instance, "live_migration"):
            _advance(migration, "preparing", ["accepted"])
            dest = migration.dest_compute
            try:
                migrate_data = self.compute_rpcapi.pre_live_migration(
                    context, instance, migration, migrate_data, dest)
                _advance(migration, "running", ["preparing"])
                self.driver.live_migration(context, instance, dest, migrate_data)
            except _Superseded:
                raise
            except exception.LiveMigrationAborted:
                LOG.info("Live migration of instance %s aborted", instance.uuid)
                self._rollback_live_migration(context, instance, migration, "cancelled")
                return
            except Exception:
                self._rollback_live_migration(context, instance, migration, "error")
                raise
            self._post_live_migration(context, instance, migration, migrate_data)

    def _post_live_migration(self, context, instance, migration, migrate_data) -> None:
        """The guest is ready on the destination: have it take the server, then remove
        the copy here (unless the destination failed before the switch: then the
        move is rolled back and the guest keeps running here)."""
        dest = migration.dest_compute
        try:
            taken = self.compute_rpcapi.post_live_migration_at_destination(
                context, instance, migration, dest)
        except Exception as exc:
            LOG.warning("The destination %s failed to take instance %s: %s", dest,
                        instance.uuid, getattr(exc, "message", exc))
            taken = not self._rollback_live_migration(context, instance, migration,
                                                      "error")
            if not taken:
                raise
        if not taken:
            return
        self.driver.post_live_migration(context, instance, migrate_data)
        _settled(instance)
        LOG.info("Instance %s live-migrated from %s to %s", instance.uuid, self.host,
                 dest)

    def _rollback_live_migration(self, context, instance, migration, status: str) -> bool:
        """End the move with the server here; False when it had ended already."""
        # NOTE: the source's power state goes into the same write, so the server is
        # never seen ACTIVE with no task while its guest here is gone (a restart).
        state = self._power_state(instance)
        if not migration.rollback_live(status, state):
            LOG.info("Live migration %s of instance %s had ended already", migration.id,
                     instance.uuid)
            return False
        _settled(instance)
        instance.power_state = state
        instance.vm_state = (vm_states.ACTIVE if state == power_state.RUNNING
                             else vm_states.STOPPED)
        instance.obj_reset_changes(["power_state", "vm_state"])
        if migration.dest_compute:
            try:
                self.compute_rpcapi.rollback_live_migration_at_destination(
                    context, instance, migration.dest_compute)
            except Exception:
                LOG.exception("Could not ask %s to clean up instance %s",
                              migration.dest_compute, instance.uuid)
        return True

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def post_live_migration_at_destination(self, context, instance, migration) -> bool:
        """On the destination: the switch, then the guest runs here. False (and the
        guest defined here removed) when the move was rolled back first."""
        with self.instance_lock(instance.uuid, "post_live_migration_at_destination"):
            if not migration.finish_live(self.host):
                LOG.info("Live migration of instance %s was rolled back; removing the "
                         "guest prepared here", instance.uuid)
                self.driver.rollback_live_migration_at_destination(context, instance)
                return False
            instance.host = instance.node = self.host
            _settled(instance)
            try:
                self.driver.post_live_migration_at_destination(context, instance)
            except Exception:
                # NOTE: the server is this host's now: ERROR, which a hard reboot
                # repairs here from its record.
                self._set_error(instance)
                raise
            instance.power_state = self._power_state(instance)
            instance.save()
            return True

    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def rollback_live_migration_at_destination(self, context, instance) -> None:
        """On the destination: remove what pre_live_migration made (the move was
        rolled back, the server is the source's)."""
        with self.instance_lock(instance.uuid, "rollback_live_migration_at_destination"):
            self.driver.rollback_live_migration_at_destination(context, instance)

    # -- abort and force-complete (no instance lock: the move holds it) ----------------

    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def live_migration_abort(self, context, instance, migration_id: int) -> None:
        """On the source: cancel the running move (the guest stays here)."""
        if not self.driver.live_migration_abort(instance):
            LOG.info("No live migration of instance %s is running here to abort",
                     instance.uuid)

    @wrap_exception
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def live_migration_force_complete(self, context, instance, migration) -> None:
        """On the source: finish the running move now."""
        if not self.driver.live_migration_force_complete(instance):
            LOG.info("No live migration of instance %s is running here to complete",
                     instance.uuid)

    # -- recovery at start-up --------------------------------------------------------

    def _init_live_migration(self, ctxt, instance) -> None:
        """A live migration from this host was cut by its restart: the server stays
        here (Nova's rule), the move is rolled back (claims back, migration error,
        the destination cleans up), and the power state is read from the hypervisor."""
        moves = [m for m in objects.MigrationList.get_in_progress_by_instance(
            ctxt, instance.uuid) if m.migration_type == "live-migration"]
        with self.instance_lock(instance.uuid, "recovery"):
            if moves and self._rollback_live_migration(ctxt, instance, moves[-1], "error"):
                LOG.info("Live migration of instance %s resolved after a restart (rolled "
                         "back)", instance.uuid)
                return
            try:
                instance.task_state = None
                instance.save(expected_task_state=[task_states.MIGRATING])
            except exception.UnexpectedTaskStateError:
                return
            self._sync_instance_power_state(instance)
            LOG.info("Live migration of instance %s resolved after a restart",
                     instance.uuid)
