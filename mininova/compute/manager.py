"""Server side of the compute RPC API: the work on one hypervisor host.

Each RPC method is a thin entry point under the four decorators and a per-instance lock;
the guest work goes through the virt driver, the state through remotable objects (which
travel to the conductor: this process never opens the database).
"""
import collections
import concurrent.futures
import contextlib
import dataclasses
import threading

import oslo_messaging as messaging
from oslo_concurrency import lockutils
from oslo_log import log as logging
from oslo_utils import timeutils

from mininova import conf
from mininova import context as mn_context
from mininova import exception
from mininova import manager
from mininova import objects
from mininova import tracing
from mininova.compute import evacuate
from mininova.compute import live_migration
from mininova.compute import power_state
from mininova.compute import resize
from mininova.compute import rpcapi as compute_rpcapi
from mininova.compute import task_states
from mininova.compute import usage_audit
from mininova.compute import vm_states
from mininova.compute.decorators import reverts_task_state
from mininova.compute.decorators import wrap_exception
from mininova.compute.decorators import wrap_instance_event
from mininova.compute.decorators import wrap_instance_fault
from mininova.notifications import base as notifications
from mininova.virt import driver as virt_driver

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class InstanceLocks:
    """The per-instance locks of this host, and which instances have work in progress."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._busy: collections.Counter = collections.Counter()

    @contextlib.contextmanager
    def __call__(self, instance_uuid: str, purpose: str):
        """Serialize all work on one instance inside this host."""
        with self._guard:
            self._busy[instance_uuid] += 1
        try:
            LOG.debug("Acquiring lock on %s for %s", instance_uuid, purpose)
            with lockutils.lock(f"instance-{instance_uuid}"):
                yield
        finally:
            with self._guard:
                self._busy[instance_uuid] -= 1
                if not self._busy[instance_uuid]:
                    del self._busy[instance_uuid]

    def busy(self, instance_uuid: str) -> bool:
        """Whether some work holds or waits for this instance's lock."""
        with self._guard:
            return instance_uuid in self._busy


class ComputeManager(resize.ResizeMixin, live_migration.LiveMigrationMixin,
                     manager.Manager):
    target = messaging.Target(version="1.7")

    def __init__(self, host: str, transport: messaging.Transport | None = None):
        super().__init__(host)
        # NOTE: the moves cast to the other host of the move (compute/resize.py).
        self.compute_rpcapi = (compute_rpcapi.ComputeAPI(transport)
                               if transport is not None else None)
        self.driver = tracing.wrap(virt_driver.load_driver(CONF), "virt",
                                   skip=frozenset({"get_info", "register_event_listener"}))
        self.instance_lock = InstanceLocks()
        self._events = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="lifecycle")

    # -- service hooks ---------------------------------------------------------------

    def init_host(self) -> None:
        """Connect to the hypervisor, report resources, resolve interrupted tasks."""
        self.driver.init_host(self.host)
        ctxt = mn_context.get_admin_context()
        self.update_available_resource()
        evacuate.destroy_evacuated_instances(self, ctxt)
        for instance in objects.InstanceList.get_by_host(ctxt, self.host):
            self._init_instance(ctxt, instance)
        self.driver.register_event_listener(self._on_lifecycle_event)

    def cleanup_host(self) -> None:
        self.driver.register_event_listener(None)
        self._events.shutdown(wait=True)
        self.driver.cleanup_host(self.host)

    def periodic_tasks(self) -> list:
        tasks = [(CONF.update_resources_interval, self.update_available_resource),
                 (CONF.sync_power_state_interval, self.sync_power_states)]
        if CONF.instance_usage_audit:
            # NOTE: Nova's periodic spacing; a run happens once per period (an hour at
            # least), the other ticks find it done.
            tasks.append((60, self.instance_usage_audit))
        if CONF.resize_confirm_window:
            tasks.append((min(CONF.resize_confirm_window, 60),
                          self.poll_unconfirmed_resizes))
        return tasks

    def update_available_resource(self) -> None:
        ctxt = mn_context.get_admin_context()
        objects.ComputeNode.report(ctxt, self.host, self.driver.get_available_resource())

    def instance_usage_audit(self) -> None:
        usage_audit.audit_host(mn_context.get_admin_context(), self.host)

    # -- RPC methods -----------------------------------------------------------------

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute", pass_event=True)
    @wrap_instance_fault
    def build_and_run_instance(self, context, instance, image, event) -> None:
        with self.instance_lock(instance.uuid, "build"):
            instance.host = self.host
            instance.node = self.host
            instance.task_state = task_states.SPAWNING
            if CONF.force_config_drive:
                # NOTE: recorded, so the API shows it and a repair builds it again.
                instance.config_drive = True
            instance.save(expected_task_state=[task_states.SCHEDULING])
            with self._notify_action(context, instance, "create", error=True):
                try:
                    self.driver.spawn(context, instance, image)
                except Exception:
                    self._build_failed(context, instance)
                    raise
                instance.power_state = self.driver.get_info(instance).state
                instance.vm_state = vm_states.ACTIVE
                instance.task_state = None
                instance.launched_at = timeutils.utcnow(with_timezone=True)
                event.save_instance(instance, expected_task_state=[task_states.SPAWNING])
            LOG.info("Instance %s is active on %s", instance.uuid, self.host)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute", pass_event=True)
    @wrap_instance_fault
    def stop_instance(self, context, instance, event) -> None:
        with self.instance_lock(instance.uuid, "stop"):
            with self._notify_action(context, instance, "power_off"):
                self.driver.power_off(instance, CONF.shutdown_timeout,
                                      CONF.shutdown_retry_interval)
                try:
                    instance.power_state = self.driver.get_info(instance).state
                except exception.InstanceNotFound:
                    # NOTE: no guest left at all (start or a hard reboot defines it again).
                    instance.power_state = power_state.NOSTATE
                instance.vm_state = vm_states.STOPPED
                instance.task_state = None
                event.save_instance(instance,
                                    expected_task_state=[task_states.POWERING_OFF])

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute", pass_event=True)
    @wrap_instance_fault
    def start_instance(self, context, instance, event) -> None:
        with self.instance_lock(instance.uuid, "start"):
            with self._notify_action(context, instance, "power_on"):
                self.driver.power_on(context, instance)
                instance.power_state = self.driver.get_info(instance).state
                instance.vm_state = vm_states.ACTIVE
                instance.task_state = None
                event.save_instance(instance,
                                    expected_task_state=[task_states.POWERING_ON])

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute", pass_event=True)
    @wrap_instance_fault
    def reboot_instance(self, context, instance, reboot_type: str, event) -> None:
        with self.instance_lock(instance.uuid, "reboot"):
            with self._notify_action(context, instance, "reboot", error=True):
                self.driver.reboot(context, instance, reboot_type)
                instance.power_state = self.driver.get_info(instance).state
                instance.vm_state = vm_states.ACTIVE
                instance.task_state = None
                event.save_instance(instance, expected_task_state=[
                    task_states.REBOOTING, task_states.REBOOTING_HARD])

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute")
    @wrap_instance_fault
    def rebuild_instance(self, context, instance, image, preserve_ephemeral: bool,
                         recreate: bool = False, target_state: str | None = None) -> None:
        """Re-create the guest from ``image`` (the API saved it as image_ref already).

        As Nova, a server that was stopped is stopped again at the end and any other
        (active, error) ends ACTIVE; a failed rebuild leaves ERROR. mininova guests have
        no ephemeral disk, so ``preserve_ephemeral`` has nothing to keep. With
        ``recreate`` (1.6) this host is an evacuation's destination
        (compute/evacuate.py), and ``target_state`` the vm_state asked for at the end.
        """
        if recreate:
            with self.instance_lock(instance.uuid, "evacuate"):
                with self._notify_action(context, instance, "rebuild", error=True):
                    evacuate.rebuild_here(self, context, instance, image, target_state)
            return
        with self.instance_lock(instance.uuid, "rebuild"):
            with self._notify_action(context, instance, "rebuild", error=True):
                power_on = instance.vm_state != vm_states.STOPPED
                instance.task_state = task_states.REBUILD_SPAWNING
                instance.save(expected_task_state=[task_states.REBUILDING])
                try:
                    self.driver.rebuild(context, instance, image, power_on=power_on)
                except Exception:
                    self._set_error(instance)
                    raise
                instance.power_state = self.driver.get_info(instance).state
                instance.vm_state = vm_states.ACTIVE if power_on else vm_states.STOPPED
                instance.task_state = None
                instance.launched_at = timeutils.utcnow(with_timezone=True)
                instance.save(expected_task_state=[task_states.REBUILD_SPAWNING])
                LOG.info("Instance %s rebuilt from image %s on %s", instance.uuid,
                         instance.image_ref, self.host)

    @wrap_exception
    @reverts_task_state
    @wrap_instance_event(prefix="compute", pass_event=True)
    @wrap_instance_fault
    def terminate_instance(self, context, instance, event) -> None:
        with self.instance_lock(instance.uuid, "terminate"):
            with self._notify_action(context, instance, "delete"):
                try:
                    self.driver.destroy(context, instance)
                except Exception:
                    self._set_error(instance)
                    raise
                event.destroy_instance(instance)
                LOG.info("Instance %s deleted from %s", instance.uuid, self.host)

    def get_host_uptime(self, context) -> str:
        """This host's ``uptime`` line (a call from the API's os-hypervisors)."""
        return self.driver.get_host_uptime()

    @messaging.expected_exceptions(exception.InstanceNotFound)
    @wrap_exception
    def get_console_output(self, context, instance, tail_length: int | None) -> str:
        """The guest's serial console, the last ``tail_length`` lines (all when None)."""
        output = self.driver.get_console_output(context, instance)
        if tail_length is not None:
            lines = output.splitlines()
            output = "\n".join(lines[-tail_length:] if tail_length else [])
        return output

    @messaging.expected_exceptions(exception.InstanceNotFound,
                                   exception.InstanceInvalidState)
    @wrap_exception
    def get_instance_diagnostics(self, context, instance) -> dict:
        """What the hypervisor reports of a running guest (a call from the API)."""
        state = self.driver.get_info(instance).state
        if state != power_state.RUNNING:
            raise exception.InstanceInvalidState(
                action="get_diagnostics", instance_uuid=instance.uuid,
                attr="power_state", state=power_state.STATE_MAP.get(state, state))
        return dataclasses.asdict(self.driver.get_instance_diagnostics(instance))

    # -- helpers ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _notify_action(self, context, instance, action: str, error: bool = False):
        """instance.<action>.start, then .end when the work succeeded (or .error, for
        the actions Nova reports failures of)."""
        notifications.notify_about_instance_action(context, instance, self.host, action,
                                                   "start")
        try:
            yield
        except Exception as exc:
            if error:
                notifications.notify_about_instance_action(
                    context, instance, self.host, action, "error", exception=exc)
            raise
        notifications.notify_about_instance_action(context, instance, self.host, action,
                                                   "end")

    @staticmethod
    def _deallocate_networks(instance) -> None:
        """Free a failed build's addresses (Nova's _cleanup_allocated_networks)."""
        try:
            instance.deallocate_networks()
        except exception.MininovaException:
            LOG.exception("Could not free the addresses of instance %s", instance.uuid)

    def _set_error(self, instance) -> None:
        """Put the instance in ERROR; the decorators then add the fault and event."""
        try:
            instance.vm_state = vm_states.ERROR
            instance.task_state = None
            instance.save()
        except exception.InstanceNotFound:
            pass

    def _build_failed(self, ctxt, instance) -> None:
        """ERROR, and free the build's claim and addresses: Nova deletes the allocations
        of a build that failed and is not rescheduled, and cleans up its networks."""
        self._deallocate_networks(instance)
        self._set_error(instance)
        objects.Allocation.release(ctxt, instance.uuid)

    def _init_instance(self, ctxt, instance) -> None:
        """Resolve a task a previous run of this service left half done (Nova's rules).

        An interrupted build or rebuild becomes ERROR with a fault (a rebuild's old disk
        may be gone already); an interrupted stop, start, reboot or delete is done again;
        then the power state is read from the hypervisor and no task_state is left set.
        """
        task = instance.task_state
        ctxt = mn_context.get_admin_context(request_id=ctxt.request_id)
        LOG.info("Recovering instance %s (vm_state %s, task_state %s)",
                 instance.uuid, instance.vm_state, task)
        if task in (task_states.REBUILDING, task_states.REBUILD_SPAWNING):
            exc = exception.MininovaException("Rebuild interrupted by a compute restart")
            objects.InstanceFault.from_exception(ctxt, instance.uuid, exc, self.host).create()
            self._set_error(instance)
            return
        if task in resize.TASK_STATES:
            self._init_resize(ctxt, instance)
            return
        if task == task_states.MIGRATING:
            self._init_live_migration(ctxt, instance)
            return
        if (task in (task_states.SCHEDULING, task_states.SPAWNING)
                or instance.vm_state == vm_states.BUILDING):
            exc = exception.MininovaException("Build interrupted by a compute restart")
            objects.InstanceFault.from_exception(ctxt, instance.uuid, exc, self.host).create()
            self._build_failed(ctxt, instance)
            return
        redo = {
            task_states.POWERING_OFF: lambda: self.driver.power_off(
                instance, CONF.shutdown_timeout, CONF.shutdown_retry_interval),
            task_states.POWERING_ON: lambda: self.driver.power_on(ctxt, instance),
            task_states.REBOOTING: lambda: self.driver.reboot(ctxt, instance, "SOFT"),
            task_states.REBOOTING_HARD: lambda: self.driver.reboot(ctxt, instance, "HARD"),
            task_states.DELETING: lambda: self.driver.destroy(ctxt, instance),
        }
        try:
            if task in redo:
                redo[task]()
            if task == task_states.DELETING:
                instance.destroy()
                return
            self._sync_instance_power_state(instance, force_task=task is not None)
        except Exception:
            LOG.exception("Recovery of instance %s failed", instance.uuid)
            self._set_error(instance)

    def sync_power_states(self) -> None:
        """Periodic: reconcile each instance's power state with the hypervisor."""
        ctxt = mn_context.get_admin_context()
        for instance in objects.InstanceList.get_by_host(ctxt, self.host):
            if instance.task_state is not None:
                continue
            with self.instance_lock(instance.uuid, "sync power state"):
                try:
                    self._sync_instance_power_state(instance)
                except exception.InstanceNotFound:
                    continue
                except exception.UnexpectedTaskStateError:
                    # NOTE: a request set a task since the list was read; its own work
                    # records the state it leaves, and the other instances still sync.
                    LOG.debug("Instance %s got a task while its power state was read; "
                              "left to that task", instance.uuid)

    def _sync_instance_power_state(self, instance, force_task: bool = False) -> None:
        """The hypervisor is the authority: record its power state, and a guest that
        stopped on its own makes an ACTIVE instance STOPPED."""
        try:
            state = self.driver.get_info(instance).state
        except exception.InstanceNotFound:
            state = power_state.NOSTATE
        instance.power_state = state
        if state == power_state.RUNNING and force_task:
            instance.vm_state = vm_states.ACTIVE
        elif state in (power_state.SHUTDOWN, power_state.CRASHED,
                       power_state.NOSTATE) and instance.vm_state == vm_states.ACTIVE:
            LOG.info("Instance %s is not running on the hypervisor; marking it stopped",
                     instance.uuid)
            instance.vm_state = vm_states.STOPPED
        if force_task:
            instance.task_state = None
            instance.save()
        elif instance.obj_what_changed():
            instance.save(expected_task_state=[None])

    def _on_lifecycle_event(self, instance_uuid: str, state: int) -> None:
        """libvirt says a guest changed state; sync it off the event thread.

        An instance with work in progress here is left alone: that work (a stop, a
        reboot, ...) records the state it leaves, so syncing would only cost RPC calls.
        """
        if self.instance_lock.busy(instance_uuid):
            LOG.debug("Lifecycle event for %s left to the work in progress", instance_uuid)
            return
        self._events.submit(self._handle_lifecycle_event, instance_uuid, state)

    def _handle_lifecycle_event(self, instance_uuid: str, state: int) -> None:
        ctxt = mn_context.get_admin_context()
        try:
            with self.instance_lock(instance_uuid, "lifecycle event"):
                instance = objects.Instance.get_by_uuid(ctxt, instance_uuid)
                if instance.task_state is None and instance.host == self.host:
                    self._sync_instance_power_state(instance)
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
            pass
        except Exception:
            LOG.exception("Handling a lifecycle event for %s failed", instance_uuid)
