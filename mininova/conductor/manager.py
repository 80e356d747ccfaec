"""Server side of the conductor RPC API: object indirection for compute hosts, and the
build orchestration (scheduler call, then compute cast)."""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import context as mn_context
from mininova import exception
from mininova import manager
from mininova import objects
from mininova import tracing
from mininova.compute import rpcapi as compute_rpcapi
from mininova.conductor.tasks import build as build_task
from mininova.conductor.tasks import evacuate as evacuate_task
from mininova.conductor.tasks import live_migrate as live_migrate_task
from mininova.conductor.tasks import migrate as migrate_task
from mininova.db import actions as db_actions
from mininova.db import traces as db_traces
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

    def init_host(self) -> None:
        """Resolve the flows this conductor was running when it stopped: their casts
        were taken off the queue, so nobody else will (conductor/tasks/base.py)."""
        flows = {task.event: task for task in (
            build_task.BuildTask, migrate_task.MigrationTask,
            live_migrate_task.LiveMigrationTask, evacuate_task.EvacuateTask)}
        for event, uuid, request_id, user_id, project_id in db_actions.unfinished_events(
                self.host, list(flows)):
            ctxt = mn_context.RequestContext(is_admin=True, request_id=request_id,
                                             user_id=user_id, project_id=project_id)
            try:
                instance = objects.Instance.get_by_uuid(ctxt, uuid)
            except exception.InstanceNotFound:
                objects.InstanceActionEvent.event_finish(
                    ctxt, uuid, event, result="Error",
                    details="The server was deleted while the conductor was stopped.")
                continue
            try:
                flows[event].resolve_interrupted(ctxt, instance, self.compute_rpcapi,
                                                 self.scheduler_rpcapi, self.host)
            except Exception:
                LOG.exception("Could not resolve the interrupted %s of instance %s",
                              event, uuid)

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
            build_task.BuildTask(context, inst, requested_networks, self.compute_rpcapi,
                                 self.scheduler_rpcapi, self.host).execute()

    # -- moves -----------------------------------------------------------------------

    def migrate_server(self, context, instance, flavor=None, host: str | None = None) -> None:
        """Start a resize (to ``flavor``) or a cold migration (``flavor`` None, to
        ``host`` if named) through conductor/tasks/migrate.py; a failure here leaves the
        server where it was, with a fault."""
        migrate_task.MigrationTask(context, instance, flavor, host, self.compute_rpcapi,
                                   self.scheduler_rpcapi, self.host).execute()
