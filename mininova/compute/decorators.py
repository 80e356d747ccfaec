"""The four decorators around every ComputeManager RPC method.

Each reads the instance from the ``instance`` keyword argument (RPC always passes
arguments by name), so there is no signature introspection.
"""
import functools
import time

from oslo_log import log as logging

from mininova import exception
from mininova import objects
from mininova.compute import task_states
from mininova.objects import base as objects_base

LOG = logging.getLogger(__name__)


def wrap_exception(fn):
    """Log any failure with the request id (oslo.log adds it from the context)."""

    @functools.wraps(fn)
    def wrapped(self, context, **kwargs):
        try:
            return fn(self, context, **kwargs)
        except Exception:
            instance = kwargs.get("instance")
            LOG.exception("%s failed for instance %s", fn.__name__,
                          getattr(instance, "uuid", "-"))
            raise

    return wrapped


def reverts_task_state(fn):
    """On failure, clear the task_state so the instance does not stay stuck.

    The write is the method's own pending changes (a final save that failed is tried
    once more) as a compare-and-swap on the task states this request had: not when
    someone else changed the task meanwhile (e.g. a delete arrived during a build),
    nor when the task is already over. A conductor call whose reply was lost (a broker
    restart) may have written the final save; a later request may then have finished
    too (a stop), and this request's stale state must not overwrite it.
    """

    @functools.wraps(fn)
    def wrapped(self, context, **kwargs):
        instance = kwargs["instance"]
        own = task_states.carried_on_from(instance.task_state)
        try:
            return fn(self, context, **kwargs)
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
            raise
        except Exception:
            try:
                instance.task_state = None
                instance.save(expected_task_state=own)
            except exception.UnexpectedTaskStateError:
                LOG.info("Instance %s: its task is over or another request's; nothing "
                         "to revert", instance.uuid)
            except exception.InstanceNotFound:
                pass
            except Exception:
                LOG.exception("Could not revert the task_state of %s", instance.uuid)
            raise

    return wrapped


class InstanceEvent:
    """The instance action event of one compute method.

    Nova writes it with two conductor calls around the work (start, then finish). A
    method decorated with ``wrap_instance_event(..., pass_event=True)`` gets it as its
    ``event`` argument and records it whole at its end instead (InstanceActionEvent
    1.2), with the start counted back from the seconds the work took: through
    ``save_instance`` (or ``destroy_instance``) it travels in the method's final save,
    one conductor call and one transaction, so the event is complete as soon as the
    new state shows. A conductor
    capped below 1.7 gets Nova's two calls.
    """

    def __init__(self, context, instance_uuid: str, name: str, host: str, whole: bool):
        self.context, self.instance_uuid, self.name, self.host = (
            context, instance_uuid, name, host)
        self._started = time.monotonic()
        self._whole = whole and _conductor_takes_whole_events()
        self._recorded = False
        if not self._whole:
            objects.InstanceActionEvent.event_start(context, instance_uuid, name, host=host)

    def save_instance(self, instance, expected_task_state: list | None = None) -> None:
        """``instance.save(expected_task_state=...)`` that also ends this event well."""
        if not self._whole:
            instance.save(expected_task_state=expected_task_state)
            return
        instance.save_and_record_event(self.name, self.host, self._elapsed(),
                                       expected_task_state=expected_task_state)
        self._recorded = True

    def destroy_instance(self, instance) -> None:
        """``instance.destroy()`` that also ends this event well."""
        if not self._whole:
            instance.destroy()
            return
        instance.destroy_and_record_event(self.name, self.host, self._elapsed())
        self._recorded = True

    def finish(self) -> None:
        """The method succeeded: end the event (unless its final save did)."""
        if self._recorded:
            return
        if self._whole:
            objects.InstanceActionEvent.event_record(
                self.context, self.instance_uuid, self.name, self.host, self._elapsed())
        else:
            objects.InstanceActionEvent.event_finish(self.context, self.instance_uuid,
                                                     self.name)
        self._recorded = True

    def fail(self, exc: BaseException) -> None:
        """The method failed: end the event as an error (or turn it into one)."""
        if self._whole and not self._recorded:
            objects.InstanceActionEvent.event_record(
                self.context, self.instance_uuid, self.name, self.host, self._elapsed(),
                **objects.InstanceActionEvent.failure(exc))
        else:
            objects.InstanceActionEvent.event_finish_with_failure(
                self.context, self.instance_uuid, self.name, exc)
        self._recorded = True

    def _elapsed(self) -> float:
        return time.monotonic() - self._started


def _conductor_takes_whole_events() -> bool:
    """Conductor RPC 1.7 (Instance 1.6, InstanceActionEvent 1.2) is allowed, or the
    objects reach the database themselves (no conductor in between)."""
    conductor = objects_base.MininovaObject.indirection_api
    return conductor is None or conductor.can_send_version("1.7")


def wrap_instance_event(prefix: str, pass_event: bool = False):
    """Record ``<prefix>_<method>`` as an event of the request's instance action; with
    ``pass_event``, hand it to the method as ``event`` (see InstanceEvent)."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapped(self, context, **kwargs):
            event = InstanceEvent(context, kwargs["instance"].uuid, f"{prefix}_{fn.__name__}",
                                  self.host, whole=pass_event)
            extra = {"event": event} if pass_event else {}
            try:
                result = fn(self, context, **kwargs, **extra)
            except Exception as exc:
                event.fail(exc)
                raise
            event.finish()
            return result

        return wrapped

    return decorator


def wrap_instance_fault(fn):
    """Record an InstanceFault for any failure except the instance being gone."""

    @functools.wraps(fn)
    def wrapped(self, context, **kwargs):
        try:
            return fn(self, context, **kwargs)
        except exception.InstanceNotFound:
            raise
        except Exception as exc:
            instance = kwargs["instance"]
            try:
                objects.InstanceFault.from_exception(context, instance.uuid, exc,
                                                     self.host).create()
            except Exception:
                LOG.exception("Could not record a fault for %s", instance.uuid)
            raise

    return wrapped
