"""Server side of the conductor RPC API: object indirection for compute hosts, and the
build orchestration (scheduler call, then compute cast)."""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import manager
from mininova import objects
from mininova import tracing
from mininova.compute import rpcapi as compute_rpcapi
from mininova.compute import vm_states
from mininova.conductor.tasks import evacuate as evacuate_task
from mininova.conductor.tasks import live_migrate as live_migrate_task
from mininova.conductor.tasks import migrate as migrate_task
from mininova.db import allocations as db_allocations
from mininova.db import traces as db_traces
from mininova.network import api as network_api
from mininova.objects import base as objects_base
from mininova.scheduler import rpcapi as scheduler_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class ConductorManager(manager.Manager):
    target = messaging.Target(version="1.7")

    def __init__(self, host: str, transport: messaging.Transport):
        super().__init__(host)
        self.compute_rpcapi = compute_rpcapi.ComputeAPI(transport)
        self.scheduler_rpcapi = scheduler_rpcapi.SchedulerAPI(transport)

    def ping(self, context) -> None:
        """Answer compute hosts that wait for a conductor at start-up."""

    def periodic_tasks(self) -> list:
        return [(60, self.prune_traces)] if CONF.tracing.enabled else []

    # -- the trace store -------------------------------------------------------------

    def record_spans(self, context, spans: list[dict]) -> None:
        """Store a compute host's finished spans (computes have no database)."""
        with tracing.suppressed():
            db_traces.add_spans(spans)

    def prune_traces(self) -> None:
        """Keep the trace store within [tracing] max_age and max_spans."""
        with tracing.suppressed():
            deleted = db_traces.prune(CONF.tracing.max_age, CONF.tracing.max_spans)
        if deleted:
            LOG.info("Pruned %d trace spans", deleted)

    # -- object indirection ----------------------------------------------------------

    # NOTE: the object methods raise InstanceNotFound or UnexpectedTaskStateError as part
    # of normal races; ExpectedException sends them back without an ERROR traceback here.
    @messaging.expected_exceptions(exception.MininovaException)
    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        objclass = objects_base.MininovaObject.obj_class_from_name(
            objname, object_versions[objname])
        result = getattr(objclass, objmethod)(context, *args, **kwargs)
        if isinstance(result, objects_base.MininovaObject):
            return result.obj_to_primitive(target_version=object_versions[objname],
                                           version_manifest=object_versions)
        return result

    @messaging.expected_exceptions(exception.MininovaException)
    def object_action(self, context, objinst, objmethod, args, kwargs):
        before = objinst.obj_clone()
        result = getattr(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if not before.obj_attr_is_set(name) or getattr(before, name) != value:
                updates[name] = field.to_primitive(objinst, name, value)
        updates["obj_what_changed"] = objinst.obj_what_changed()
        return updates, result

    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        return objinst.obj_to_primitive(target_version=target,
                                        version_manifest=object_versions)

    # -- moves -----------------------------------------------------------------------

    def evacuate_server(self, context, instance, host: str | None = None,
                        target_state: str | None = None) -> None:
        """Rebuild a server of a down host elsewhere (conductor/tasks/evacuate.py)."""
        evacuate_task.EvacuateTask(context, instance, host, target_state,
                                   self.compute_rpcapi, self.scheduler_rpcapi,
                                   self.host).execute()

    def live_migrate_instance(self, context, instance, host: str | None = None,
                              block_migration: bool | None = None,
                              force: bool = False) -> None:
        """Live-migrate a running server (conductor/tasks/live_migrate.py)."""
        live_migrate_task.LiveMigrationTask(
            context, instance, host, block_migration, force, self.compute_rpcapi,
            self.scheduler_rpcapi, self.host).execute()

    # -- builds ----------------------------------------------------------------------

    def schedule_and_build_instances(self, context, instances: list | None = None,
                                     instance=None,
                                     requested_networks: list[dict] | None = None) -> None:
        """Schedule and build each of ``instances`` (1.1; ``instance`` alone in 1.0)
        with the NICs of ``requested_networks`` (1.2; one on the network before):
        each is scheduled on its own, so a multi-create spreads like single boots and
        one that finds no host (or no address) goes to ERROR without stopping the
        others."""
        for inst in instances if instances is not None else [instance]:
            self._schedule_and_build(context, inst, requested_networks)

    def _schedule_and_build(self, context, instance, requested_networks) -> None:
        """Ask the scheduler for a host (a call), allocate the addresses, then cast the
        build to that host."""
        event = "conductor_schedule_and_build_instances"
        objects.InstanceActionEvent.event_start(context, instance.uuid, event, host=self.host)
        try:
            host = self.scheduler_rpcapi.select_destinations(context, instance)
            image = objects.Image.get_by_id(context, instance.image_ref)
            instance.network_info = network_api.allocate_for_instance(
                context, instance, requested_networks)
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted while scheduling", instance.uuid)
            return
        except (exception.MininovaException, messaging.MessagingTimeout) as exc:
            self._set_error(context, instance, exc)
            return
        except Exception as exc:
            # NOTE: anything else (a database error, a bug) still ends the build in
            # ERROR, as Nova's conductor does: the API's cast is gone, nobody retries it.
            LOG.exception("Scheduling instance %s failed", instance.uuid)
            self._set_error(context, instance, exception.MininovaException(
                f"Scheduling failed: {type(exc).__name__}: {exc}"))
            return
        objects.InstanceActionEvent.event_finish(context, instance.uuid, event)
        instance.host = host
        instance.node = host
        LOG.info("Building instance %s on %s", instance.uuid, host)
        self.compute_rpcapi.build_and_run_instance(context, instance, image, host)

    # -- moves -----------------------------------------------------------------------

    def migrate_server(self, context, instance, flavor=None, host: str | None = None) -> None:
        """Start a resize (to ``flavor``) or a cold migration (``flavor`` None, to
        ``host`` if named) through conductor/tasks/migrate.py; a failure here leaves the
        server where it was, with a fault."""
        event = migrate_task.EVENT
        objects.InstanceActionEvent.event_start(context, instance.uuid, event, host=self.host)
        task = migrate_task.MigrationTask(context, instance, flavor, host,
                                          self.compute_rpcapi, self.scheduler_rpcapi)
        try:
            task.execute()
        except (exception.MininovaException, messaging.MessagingException) as exc:
            task.rollback(exc)
            objects.InstanceActionEvent.event_finish(
                context, instance.uuid, event, result="Error", traceback=str(exc),
                details=getattr(exc, "message", str(exc)))
            return
        objects.InstanceActionEvent.event_finish(context, instance.uuid, event)

    def _set_error(self, context, instance, exc: Exception) -> None:
        if isinstance(exc, messaging.MessagingTimeout):
            exc = exception.NoValidHost(reason="The scheduler did not answer in time.")
        LOG.warning("Instance %s could not be scheduled: %s", instance.uuid, exc)
        objects.InstanceFault.from_exception(context, instance.uuid, exc, self.host).create()
        # NOTE: a scheduler that answered too late, or an image gone after the claim:
        # the build ends here, so does its claim.
        db_allocations.release(instance.uuid)
        instance.vm_state = vm_states.ERROR
        instance.task_state = None
        try:
            instance.save()
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted while scheduling", instance.uuid)
        objects.InstanceActionEvent.event_finish(
            context, instance.uuid, "conductor_schedule_and_build_instances",
            result="Error", traceback=str(exc), details=exc.message)
