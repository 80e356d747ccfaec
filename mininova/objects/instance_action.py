"""InstanceAction and its events: the audit trail of what was asked and what happened."""
import datetime
import traceback as tb_module

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova import db
from mininova import exception
from mininova.objects import base

db_actions = db.lazy("actions")
db_api = db.lazy("api")


@base.MininovaObjectRegistry.register
class InstanceAction(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: updated_at (compute API 2.58)
    # Version 1.2: action_start is remotable (a compute host's automatic confirmation)
    VERSION = "1.2"

    fields = {
        "id": fields.IntegerField(),
        "action": fields.StringField(),
        "instance_uuid": fields.UUIDField(),
        "request_id": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "start_time": fields.DateTimeField(),
        "finish_time": fields.DateTimeField(nullable=True),
        "message": fields.StringField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("updated_at", None)

    @classmethod
    @base.remotable
    def action_start(cls, context, instance_uuid: str, action: str) -> "InstanceAction":
        """Record that ``context``'s request asked for ``action`` (the API side, and a
        compute host's periodic resize confirmation)."""
        return cls._from_db(context, db_actions.action_start(
            cls.start_values(context, instance_uuid, action)))

    @staticmethod
    def start_values(context, instance_uuid: str, action: str) -> dict:
        """The row of an action ``context``'s request starts now."""
        now = db_api.utcnow()
        return {"action": action, "instance_uuid": instance_uuid,
                "request_id": context.request_id, "user_id": context.user_id,
                "project_id": context.project_id, "start_time": now, "updated_at": now}

    @classmethod
    def get_by_request_id(cls, context, instance_uuid: str,
                          request_id: str) -> "InstanceAction":
        return cls._from_db(context, db_actions.action_get_by_request_id(instance_uuid,
                                                                      request_id))


@base.MininovaObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: InstanceAction 1.1
    # Version 1.2: InstanceAction 1.2
    VERSION = "1.2"
    fields = {"objects": fields.ListOfObjectsField("InstanceAction")}

    @classmethod
    def get_by_instance_uuid(cls, context, instance_uuid: str, limit: int | None = None,
                             marker: str | None = None, changes_since=None,
                             changes_before=None) -> "InstanceActionList":
        """Newest first, paged by ``marker`` (a request id) and bounded by updated_at."""
        rows = db_actions.actions_get(instance_uuid, limit=limit, marker=marker,
                                  changes_since=changes_since,
                                  changes_before=changes_before)
        return cls(context, objects=[InstanceAction._from_db(context, row) for row in rows])


@base.MininovaObjectRegistry.register
class InstanceActionEvent(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: details (compute API 2.84), event_finish takes them
    # Version 1.2: event_record (start and finish in one write, at the end)
    VERSION = "1.2"

    fields = {
        "id": fields.IntegerField(),
        "event": fields.StringField(),
        "action_id": fields.IntegerField(),
        "start_time": fields.DateTimeField(),
        "finish_time": fields.DateTimeField(nullable=True),
        "result": fields.StringField(nullable=True),
        "traceback": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "details": fields.StringField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("details", None)

    @classmethod
    @base.remotable
    def event_start(cls, context, instance_uuid: str, event_name: str,
                    host: str | None = None) -> None:
        db_actions.action_event_start(instance_uuid, context.request_id, {
            "event": event_name, "start_time": db_api.utcnow(), "host": host})

    @classmethod
    @base.remotable
    def event_finish(cls, context, instance_uuid: str, event_name: str,
                     result: str = "Success", traceback: str | None = None,
                     details: str | None = None) -> None:
        values = {"finish_time": db_api.utcnow(), "result": result, "traceback": traceback}
        if details is not None:
            values["details"] = details
        db_actions.action_event_finish(instance_uuid, context.request_id, event_name, values)

    @staticmethod
    def record_values(event_name: str, host: str | None, duration: float,
                      result: str = "Success", traceback: str | None = None,
                      details: str | None = None) -> dict:
        """The row of an event that ended now after ``duration`` seconds: the start
        is counted back from the database side's clock, so a compute host's own clock
        never mixes with it."""
        now = db_api.utcnow()
        return {"event": event_name, "host": host,
                "start_time": now - datetime.timedelta(seconds=max(duration, 0.0)),
                "finish_time": now, "result": result, "traceback": traceback,
                "details": details}

    @classmethod
    @base.remotable
    def event_record(cls, context, instance_uuid: str, event_name: str, host: str | None,
                     duration: float, result: str = "Success", traceback: str | None = None,
                     details: str | None = None) -> None:
        """Write a whole event that took ``duration`` seconds and ended now (1.2): one
        conductor call where event_start and event_finish are two."""
        db_actions.action_event_record(instance_uuid, context.request_id, cls.record_values(
            event_name, host, duration, result, traceback, details))

    @staticmethod
    def failure(exc: BaseException) -> dict:
        """How a failed event is closed: the traceback for the admin and, as ``details``
        (2.84), a message safe for the server's owner: ours, or the class name of
        anything unexpected (its text might leak host internals)."""
        details = (exc.message if isinstance(exc, exception.MininovaException)
                   else type(exc).__name__)
        return {"result": "Error", "traceback": "".join(tb_module.format_exception(exc)),
                "details": details}

    @classmethod
    def event_finish_with_failure(cls, context, instance_uuid: str, event_name: str,
                                  exc: BaseException) -> None:
        """Close the event as failed (see failure())."""
        cls.event_finish(context, instance_uuid, event_name, **cls.failure(exc))


@base.MininovaObjectRegistry.register
class InstanceActionEventList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: InstanceActionEvent 1.1
    # Version 1.2: InstanceActionEvent 1.2
    VERSION = "1.2"
    fields = {"objects": fields.ListOfObjectsField("InstanceActionEvent")}

    @classmethod
    def get_by_action(cls, context, action_id: int) -> "InstanceActionEventList":
        return cls(context, objects=[InstanceActionEvent._from_db(context, row)
                                     for row in db_actions.action_events_get(action_id)])
