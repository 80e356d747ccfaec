"""The versioned notification envelope: ``nova_object.*`` keys, Nova's namespace.

Payloads are versioned objects that only travel one way (to whoever listens), so they are
not registered with the RPC object registry: ``register_if(False)`` just gives them their
field properties.
"""
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

from mininova.notifications import notifier as notifiers

register_payload = ovo_base.VersionedObjectRegistry.register_if(False)


class NotificationObject(ovo_base.VersionedObject):
    """Serialized as Nova serializes its notification objects."""

    OBJ_SERIAL_NAMESPACE = "nova_object"
    OBJ_PROJECT_NAMESPACE = "nova"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # NOTE: a payload is sent whole; every field is part of the document.
        self.obj_reset_changes(recursive=False)


@register_payload
class ExceptionPayload(NotificationObject):
    # Version 1.1: Nova's current shape (traceback)
    VERSION = "1.1"
    fields = {
        "module_name": fields.StringField(),
        "function_name": fields.StringField(),
        "exception": fields.StringField(),
        "exception_message": fields.StringField(),
        "traceback": fields.StringField(),
    }

    @classmethod
    def from_exception(cls, exc: BaseException, function_name: str,
                       traceback: str = "") -> "ExceptionPayload":
        return cls(module_name=type(exc).__module__, function_name=function_name,
                   exception=type(exc).__name__, exception_message=str(exc),
                   traceback=traceback)


def emit(context, source: str, host: str, event_type: str, payload: NotificationObject,
         priority: str = "info") -> None:
    """Send ``payload`` as ``event_type`` from ``source:host`` (Nova's publisher_id)."""
    notifier = notifiers.get_versioned_notifier(f"{source}:{host}")
    getattr(notifier, priority)(context, event_type, payload.obj_to_primitive())
