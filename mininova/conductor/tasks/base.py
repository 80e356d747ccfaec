"""TaskBase: the frame shared by the conductor's flows (build, migrate, live-migrate,
evacuate).

Each flow is started by a cast, so nobody waits for its answer and nobody retries it:
``execute`` never raises. It records the conductor's event of the server's instance
action around ``_execute`` (the work done before a compute takes over: scheduling,
claims, records), then ``_hand_over`` casts to the compute. Whatever fails, whether an
expected error (no valid host, a compute that does not answer) or a bug, ends in the
flow's ``rollback``, which leaves the server whole with a fault and no task_state, and
the event records the error. A server deleted meanwhile ends the flow quietly.

A conductor that dies inside a flow takes its cast with it (oslo.messaging acknowledges a
message when it is delivered, not when it is done). Its event stays unfinished, with the
conductor's host, so the conductor resolves it when it starts again
(``resolve_interrupted``, from ConductorManager.init_host): as a failure of the flow,
since what the request asked for beyond the records (a build's requested networks) went
with the message.
"""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import exception
from mininova import objects

LOG = logging.getLogger(__name__)


class TaskBase:
    """One conductor flow for one instance; subclasses name ``event`` and ``what`` and
    write ``_execute``, ``_hand_over`` and ``rollback``."""

    #: the conductor's event in the server's instance action (Nova's name)
    event = ""
    #: how the logs name the flow ("Live migration", "Evacuation", ...)
    what = ""
    #: the task_state the server has while the flow runs here
    task_state = ""

    def __init__(self, context, instance, compute_rpcapi, scheduler_rpcapi,
                 conductor_host: str):
        self.context = context
        self.instance = instance
        self.compute_rpcapi = compute_rpcapi
        self.scheduler_rpcapi = scheduler_rpcapi
        self.conductor_host = conductor_host

    def execute(self) -> None:
        """Run the flow; every failure ends in ``rollback``, nothing is raised."""
        ctxt, uuid = self.context, self.instance.uuid
        objects.InstanceActionEvent.event_start(ctxt, uuid, self.event,
                                                host=self.conductor_host)
        try:
            self._execute()
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted during its %s", uuid, self.what.lower())
            self._deleted()
            return
        except (exception.MininovaException, messaging.MessagingException) as exc:
            self._fail(exc)
            return
        except Exception as exc:
            # NOTE: a database error or a bug: the cast is gone and nobody retries it,
            # so the server must still end whole, not keep its task_state.
            LOG.exception("%s of instance %s broke", self.what, uuid)
            self._fail(exception.MininovaException(
                f"{self.what} failed: {type(exc).__name__}: {exc}"))
            return
        objects.InstanceActionEvent.event_finish(ctxt, uuid, self.event)
        try:
            self._hand_over()
        except (messaging.MessagingException, exception.ServiceUnavailable) as exc:
            self._fail(exc, event_done=True)

    @classmethod
    def resolve_interrupted(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                            conductor_host: str) -> None:
        """This conductor stopped while it ran the flow for ``instance``: undo it as a
        failure would, from what the database holds."""
        task = cls._from_records(context, instance, compute_rpcapi, scheduler_rpcapi,
                                 conductor_host)
        exc = exception.MininovaException(
            f"{cls.what} was interrupted: conductor {conductor_host} stopped while "
            "running it. Try again.")
        if instance.task_state != cls.task_state:
            # NOTE: another request took the server over (a delete, a state reset).
            LOG.info("Instance %s moved on from its interrupted %s", instance.uuid,
                     cls.what.lower())
            objects.InstanceActionEvent.event_finish(
                context, instance.uuid, cls.event, result="Error", details=exc.message)
            return
        task._fail(exc)

    @classmethod
    def _from_records(cls, context, instance, compute_rpcapi, scheduler_rpcapi,
                      conductor_host: str) -> "TaskBase":
        """The task as ``rollback`` needs it, rebuilt from the database."""
        raise NotImplementedError

    def _execute(self) -> None:
        raise NotImplementedError

    def _hand_over(self) -> None:
        raise NotImplementedError

    def rollback(self, exc: Exception) -> None:
        """Leave the server as the flow found it (or in Nova's failed state), with the
        fault of ``exc``."""
        raise NotImplementedError

    def _deleted(self) -> None:
        """The server was deleted while the flow ran: undo what the delete did not."""

    def _fault(self, exc: Exception) -> Exception:
        """The error the server's fault records: a timeout is Nova's No valid host (the
        scheduler is what a flow waits for first)."""
        if isinstance(exc, messaging.MessagingTimeout):
            return exception.NoValidHost(reason="The scheduler did not answer in time.")
        return exc

    def _fail(self, exc: Exception, event_done: bool = False) -> None:
        exc = self._fault(exc)
        uuid = self.instance.uuid
        # NOTE: a remote exception's str() carries the remote traceback; its message not.
        message = getattr(exc, "message", None) or str(exc)
        LOG.warning("%s of instance %s failed: %s", self.what, uuid, message)
        try:
            self.rollback(exc)
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
            LOG.info("Instance %s changed while its %s was undone", uuid,
                     self.what.lower())
        if not event_done:
            objects.InstanceActionEvent.event_finish(
                self.context, uuid, self.event, result="Error", traceback=str(exc),
                details=message)
