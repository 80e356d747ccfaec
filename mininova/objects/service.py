"""Service: one row per running service, heartbeated so others know it is up."""
import datetime

from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Service(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "host": fields.StringField(),
        "binary": fields.StringField(),
        "topic": fields.StringField(),
        "report_count": fields.IntegerField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    @base.remotable
    def register(cls, context, host: str, binary: str, topic: str) -> "Service":
        """Find or create this service's row and mark it seen now."""
        row = db_api.service_get_by_host_and_binary(host, binary)
        if row is None:
            row = db_api.service_create({"host": host, "binary": binary, "topic": topic,
                                         "last_seen_up": db_api.utcnow()})
        else:
            row = db_api.service_update(row.id, {"last_seen_up": db_api.utcnow()})
        return cls._from_db(context, row)

    @base.remotable
    def heartbeat(self) -> None:
        """Say we are alive: bump report_count and last_seen_up."""
        self._set_from_db(db_api.service_update(self.id, {
            "report_count": self.report_count + 1, "last_seen_up": db_api.utcnow()}))

    def is_up(self, down_time: int) -> bool:
        if self.last_seen_up is None:
            return False
        age = datetime.datetime.now(datetime.UTC) - self.last_seen_up
        return age.total_seconds() <= down_time


@base.MininovaObjectRegistry.register
class ServiceList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Service")}

    @classmethod
    def get_all(cls, context, binary: str | None = None) -> "ServiceList":
        return cls(context, objects=[Service._from_db(context, row)
                                     for row in db_api.service_get_all(binary)])
