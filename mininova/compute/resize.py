"""The compute side of resize and cold migration: ComputeManager's RPC methods for each
step, as a mixin (compute/manager.py stays the service's entry point).

Source host S, destination host D (the same host when a resize may stay), conductor C:
  C -> D prep_resize (the scheduler's claim is there) -> S resize_instance (power off,
  hand the disk over, the instance's host becomes D) -> D finish_resize (define and
  start with the new flavor: VERIFY_RESIZE)
  API -> S confirm_resize (delete the original, free S's claim)
  API -> D revert_resize (destroy there) -> S finish_revert_resize (old flavor, started
  again on S, S's claim back to the instance)
Every step checks the state it expects with a compare-and-swap (the migration's status
or the instance's task_state), so a step that arrives after a restart resolved the move
(``_init_resize``) ends quietly.
"""
import contextlib

from oslo_log import log as logging

from mininova import conf
from mininova import context as mn_context
from mininova import exception
from mininova import objects
from mininova.compute import instance_actions
from mininova.compute import power_state
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.compute.decorators import reverts_task_state
from mininova.compute.decorators import wrap_exception
from mininova.compute.decorators import wrap_instance_event
from mininova.compute.decorators import wrap_instance_fault
from mininova.objects import migration as migration_obj

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_OFF = (power_state.NOSTATE, power_state.SHUTDOWN, power_state.CRASHED)
# The task_states of a move in progress (what a compute restart resolves).
TASK_STATES = (task_states.RESIZE_PREP, task_states.RESIZE_MIGRATING,
               task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH,
               task_states.RESIZE_REVERTING)


class _Superseded(Exception):
    """The move is no longer where this step expects it: nothing to do."""


def _advance(migration, status: str, expected: list[str]) -> None:
    """Move the migration's status on, only from ``expected`` (else _Superseded)."""
    migration.status = status
    try:
        migration.save(expected_status=expected)
    except exception.MigrationNotFound as exc:
        raise _Superseded() from exc


@contextlib.contextmanager
def _quiet(instance, step: str):
    """End a step that found the move resolved already without an error."""
    try:
        yield
    except _Superseded:
        LOG.info("%s of instance %s: the move is no longer at this step; nothing to do",
                 step, instance.uuid)


def _save(instance, expected_task_state: list) -> None:
    try:
        instance.save(expected_task_state=expected_task_state)
    except exception.UnexpectedTaskStateError as exc:
        raise _Superseded() from exc


class ResizeMixin:
    """Needs ``host``, ``driver``, ``instance_lock``, ``compute_rpcapi`` and
    ``_sync_instance_power_state`` (the manager's)."""

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def prep_resize(self, context, instance, migration) -> None:
        """On the destination: the scheduler claimed the new flavor here for the
        instance; check that claim, then have the source hand the guest over."""
        with self._move_step(instance, "prep_resize"):
            _advance(migration, "pre-migrating", ["pre-migrating"])
            try:
                claim = objects.Allocation.get_by_consumer(context, instance.uuid)
                if claim is None or claim.host != self.host:
                    raise exception.MininovaException(
                        f"No claim for instance {instance.uuid} on {self.host}")
                self.compute_rpcapi.resize_instance(context, instance, migration,
                                                    migration.source_compute)
            except Exception:
                self._move_failed(context, instance, migration)
                raise

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def resize_instance(self, context, instance, migration) -> None:
        """On the source: power off, hand the disk over, move the record to the
        destination; a failure puts the guest back here as it was."""
        with self._move_step(instance, "resize_instance"):
            _advance(migration, "migrating", ["pre-migrating"])
            instance.task_state = task_states.RESIZE_MIGRATING
            _save(instance, [task_states.RESIZE_PREP])
            try:
                self.driver.migrate_disk_and_power_off(
                    context, instance, migration.dest_compute, CONF.shutdown_timeout,
                    CONF.shutdown_retry_interval)
            except Exception:
                self._revert_on_source(context, instance, migration)
                raise
            migration.status = "post-migrating"
            migration.save()
            instance.host = migration.dest_compute
            instance.node = migration.dest_node
            instance.task_state = task_states.RESIZE_MIGRATED
            _save(instance, [task_states.RESIZE_MIGRATING])
            self.compute_rpcapi.finish_resize(context, instance, migration,
                                              migration.dest_compute)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def finish_resize(self, context, instance, migration) -> None:
        """On the destination: the guest runs here now, with the new flavor."""
        with self._move_step(instance, "finish_resize"):
            self._finish_resize(context, instance, migration, [task_states.RESIZE_MIGRATED])

    def _finish_resize(self, context, instance, migration, expected: list) -> None:
        # NOTE: Nova's rule: a server that was stopped stays stopped after the move.
        power_on = instance.vm_state != vm_states.STOPPED
        migration_obj.apply_flavor(instance, migration.new_flavor)
        instance.task_state = task_states.RESIZE_FINISH
        _save(instance, expected)
        try:
            self.driver.finish_migration(context, instance, power_on)
        except Exception:
            # NOTE: the server is this host's now (its record says so; a hard reboot
            # repairs it here), so the source's claim goes.
            migration.status = "error"
            migration.save()
            objects.Allocation.release(context, migration.uuid)
            self._set_error(instance)
            raise
        _advance(migration, "finished", ["post-migrating", "finished"])
        instance.power_state = self._power_state(instance)
        instance.vm_state = vm_states.RESIZED
        instance.task_state = None
        _save(instance, [task_states.RESIZE_FINISH])
        LOG.info("Instance %s moved to %s; waiting for confirmation", instance.uuid,
                 self.host)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def confirm_resize(self, context, instance, migration) -> None:
        """On the source: delete the original and free this host's claim."""
        with self._move_step(instance, "confirm_resize"):
            self.driver.confirm_migration(context, instance)
            _advance(migration, "confirmed", ["confirming"])
            objects.Allocation.release(context, migration.uuid)
            instance.vm_state = (vm_states.STOPPED if instance.power_state in _OFF
                                 else vm_states.ACTIVE)
            _save(instance, [None])
            LOG.info("Move of instance %s confirmed", instance.uuid)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def revert_resize(self, context, instance, migration) -> None:
        """On the destination: destroy the guest here; the source takes it back."""
        with self._move_step(instance, "revert_resize"):
            self.driver.cleanup_migration_destination(context, instance)
            self.compute_rpcapi.finish_revert_resize(context, instance, migration,
                                                     migration.source_compute)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def finish_revert_resize(self, context, instance, migration) -> None:
        """On the source: the old flavor, the guest started again here (if it ran)."""
        with self._move_step(instance, "finish_revert_resize"):
            self._revert_on_source(context, instance, migration, status="reverted",
                                   expected_status=["reverting"])
            LOG.info("Move of instance %s reverted", instance.uuid)

    @contextlib.contextmanager
    def _move_step(self, instance, step: str):
        """The instance's lock on this host, for one step of a move; a step the move
        has passed already (see _Superseded) ends quietly."""
        with self.instance_lock(instance.uuid, step), _quiet(instance, step):
            yield

    def _revert_on_source(self, context, instance, migration, status: str = "error",
                          expected_status: list | None = None) -> None:
        """Put the guest back on this (source) host with its old flavor, its claim
        back, the migration in ``status`` and no task."""
        power_on = (instance.vm_state == vm_states.ACTIVE if instance.vm_state !=
                    vm_states.RESIZED else instance.power_state not in _OFF)
        migration_obj.apply_flavor(instance, migration.old_flavor)
        instance.host = migration.source_compute
        instance.node = migration.source_node
        instance.save()
        self.driver.finish_revert_migration(context, instance, power_on)
        objects.Allocation.move(context, migration.uuid, instance.uuid)
        _advance(migration, status, expected_status or [migration.status])
        instance.power_state = self._power_state(instance)
        instance.vm_state = vm_states.ACTIVE if power_on else vm_states.STOPPED
        instance.task_state = None
        instance.save()

    def _move_failed(self, context, instance, migration) -> None:
        """The move ends before the guest left its source: claims back, migration
        error (the decorators clear the task and record the fault)."""
        objects.Allocation.move(context, migration.uuid, instance.uuid)
        migration.status = "error"
        migration.save()

    def _power_state(self, instance) -> int:
        try:
            return self.driver.get_info(instance).state
        except exception.InstanceNotFound:
            return power_state.NOSTATE

    # -- recovery at start-up --------------------------------------------------------

    def _init_resize(self, ctxt, instance) -> None:
        """Resolve a move this host was part of when its service stopped, so the server
        ends in one piece on one host with no task (called from _init_instance):
        before the guest left the source, the move is undone there (the power state read
        from the hypervisor, as for any other instance); once it was handed
        over, the destination finishes it (VERIFY_RESIZE); a revert is carried on."""
        task = instance.task_state
        moves = objects.MigrationList.get_in_progress_by_instance(ctxt, instance.uuid)
        migration = moves[-1] if moves else None
        try:
            with self._move_step(instance, "recovery"):
                if migration is None:
                    self._sync_instance_power_state(instance, force_task=True)
                elif task == task_states.RESIZE_PREP:
                    # NOTE: the guest never left; whether it still runs here is the
                    # hypervisor's to say (a test-driver host loses it with its process).
                    self._move_failed(ctxt, instance, migration)
                    self._sync_instance_power_state(instance, force_task=True)
                elif task == task_states.RESIZE_MIGRATING:
                    self._revert_on_source(ctxt, instance, migration)
                elif task in (task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH):
                    self._finish_resize(ctxt, instance, migration, [task])
                elif self.host == migration.source_compute and (
                        instance.host == self.host or migration.same_host):
                    self._revert_on_source(ctxt, instance, migration, status="reverted",
                                           expected_status=["reverting"])
                else:
                    self.driver.cleanup_migration_destination(ctxt, instance)
                    self.compute_rpcapi.finish_revert_resize(
                        ctxt, instance, migration, migration.source_compute)
        except Exception as exc:
            LOG.exception("Recovery of the move of instance %s failed", instance.uuid)
            objects.InstanceFault.from_exception(ctxt, instance.uuid, exc,
                                                 self.host).create()
            self._set_error(instance)
            return
        LOG.info("Move of instance %s resolved after a restart (was %s)", instance.uuid,
                 task)

    # -- periodic: resize_confirm_window ------------------------------------------------

    def poll_unconfirmed_resizes(self) -> None:
        """Confirm the moves to this host left in VERIFY_RESIZE longer than
        resize_confirm_window, as the owner would (an instance action of its own)."""
        ctxt = mn_context.get_admin_context()
        for migration in objects.MigrationList.get_unconfirmed_by_dest_compute(
                ctxt, CONF.resize_confirm_window, self.host):
            try:
                instance = objects.Instance.get_by_uuid(ctxt, migration.instance_uuid)
            except exception.InstanceNotFound:
                continue
            if instance.vm_state != vm_states.RESIZED or instance.task_state is not None:
                continue
            try:
                _advance(migration, "confirming", ["finished"])
            except _Superseded:
                continue
            LOG.info("Confirming the move of instance %s automatically "
                     "(resize_confirm_window)", instance.uuid)
            objects.InstanceAction.action_start(ctxt, instance.uuid,
                                                instance_actions.CONFIRM_RESIZE)
            self.compute_rpcapi.confirm_resize(ctxt, instance, migration,
                                               migration.source_compute)
