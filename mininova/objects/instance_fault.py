"""InstanceFault: why an instance went wrong, shown as ``fault`` in the API."""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_actions = db.lazy("actions")


@base.MininovaObjectRegistry.register
class InstanceFault(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        "code": fields.IntegerField(),
        "message": fields.StringField(),
        "details": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
    }

    @base.remotable
    def create(self) -> None:
        self._set_from_db(db_actions.instance_fault_create(self.obj_get_changes()))

    @classmethod
    def from_exception(cls, context, instance_uuid: str, exc: BaseException,
                       host: str | None, details: str | None = None) -> "InstanceFault":
        """Build (not save) a fault: the exception's code when it has one, else 500."""
        code = getattr(exc, "code", 500)
        message = str(exc) or exc.__class__.__name__
        return cls(context, instance_uuid=instance_uuid, code=code if isinstance(code, int)
                   else 500, message=message[:255], details=details, host=host)

    @classmethod
    def get_latest_for_instances(cls, context, uuids: list[str]) -> dict:
        return {uuid: cls._from_db(context, row)
                for uuid, row in db_actions.instance_fault_get_latest(uuids).items()}
