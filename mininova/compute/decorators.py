"""The four decorators around every ComputeManager RPC method.

Each reads the instance from the ``instance`` keyword argument (RPC always passes
arguments by name), so there is no signature introspection.
"""
import functools

from oslo_log import log as logging

from mininova import exception
from mininova import objects

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

    Not when someone else changed the task meanwhile (e.g. a delete arrived during a
    build): their task is theirs to finish.
    """

    @functools.wraps(fn)
    def wrapped(self, context, **kwargs):
        try:
            return fn(self, context, **kwargs)
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
            raise
        except Exception:
            instance = kwargs["instance"]
            try:
                instance.task_state = None
                instance.save()
            except exception.InstanceNotFound:
                pass
            except Exception:
                LOG.exception("Could not revert the task_state of %s", instance.uuid)
            raise

    return wrapped


def wrap_instance_event(prefix: str):
    """Record ``<prefix>_<method>`` as an event of the request's instance action."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapped(self, context, **kwargs):
            instance = kwargs["instance"]
            event = f"{prefix}_{fn.__name__}"
            objects.InstanceActionEvent.event_start(context, instance.uuid, event,
                                                    host=self.host)
            try:
                result = fn(self, context, **kwargs)
            except Exception as exc:
                objects.InstanceActionEvent.event_finish_with_failure(
                    context, instance.uuid, event, exc)
                raise
            objects.InstanceActionEvent.event_finish(context, instance.uuid, event)
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
