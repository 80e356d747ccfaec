"""Service: one row per running service, heartbeated so others know it is up."""
import datetime
import uuid

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova import db
from mininova import exception
from mininova.notifications import base as notifications
from mininova.objects import base

db_api = db.lazy("api")
db_services = db.lazy("services")

# Nova's binary names, as os-services reports them and clients filter on them
# (binary=nova-compute); the processes keep their mininova-* names.
COMPUTE = "nova-compute"
CONDUCTOR = "nova-conductor"
SCHEDULER = "nova-scheduler"


@base.MininovaObjectRegistry.register
class Service(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: uuid and forced_down (compute API 2.53 and 2.11)
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "host": fields.StringField(),
        "binary": fields.StringField(),
        "topic": fields.StringField(),
        "report_count": fields.IntegerField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "forced_down": fields.BooleanField(),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("uuid", None)
            primitive.pop("forced_down", None)

    @classmethod
    @base.remotable
    def register(cls, context, host: str, binary: str, topic: str) -> "Service":
        """Find or create this service's row (with its UUID) and mark it seen now."""
        row = db_services.service_get_by_host_and_binary(host, binary)
        if row is None:
            row = db_services.service_create({"uuid": str(uuid.uuid4()), "host": host,
                                         "binary": binary, "topic": topic,
                                         "last_seen_up": db_api.utcnow()})
        else:
            values = {"last_seen_up": db_api.utcnow()}
            if row.uuid is None:
                values["uuid"] = str(uuid.uuid4())
            row = db_services.service_update(row.id, values)
        return cls._from_db(context, row)

    @classmethod
    def get_by_id(cls, context, service_id: int) -> "Service":
        return cls._from_db(context, db_services.service_get(service_id))

    @classmethod
    def get_by_uuid(cls, context, service_uuid: str) -> "Service":
        return cls._from_db(context, db_services.service_get_by_uuid(service_uuid))

    @classmethod
    def get_by_host_and_binary(cls, context, host: str, binary: str) -> "Service":
        row = db_services.service_get_by_host_and_binary(host, binary)
        if row is None:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        return cls._from_db(context, row)

    @base.remotable
    def heartbeat(self) -> None:
        """Say we are alive: bump report_count and last_seen_up."""
        self._set_from_db(db_services.service_update(self.id, {
            "report_count": self.report_count + 1, "last_seen_up": db_api.utcnow()}))

    def save(self) -> None:
        """Write what the API may change: disabled, disabled_reason, forced_down."""
        changes = {key: value for key, value in self.obj_get_changes().items()
                   if key in ("disabled", "disabled_reason", "forced_down")}
        if changes:
            self._set_from_db(db_services.service_update(self.id, changes))
            notifications.notify_about_service_update(self._context, self,
                                                      notifications.source())

    def destroy(self) -> None:
        """Delete the row (and the host's compute node, for a compute service)."""
        db_services.service_destroy(self.id)

    def is_up(self, down_time: int) -> bool:
        """Up while heartbeating, unless an operator forced it down (2.11 force-down)."""
        if self.forced_down or self.last_seen_up is None:
            return False
        age = datetime.datetime.now(datetime.UTC) - self.last_seen_up
        return age.total_seconds() <= down_time


@base.MininovaObjectRegistry.register
class ServiceList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Service 1.1
    VERSION = "1.1"
    fields = {"objects": fields.ListOfObjectsField("Service")}

    @classmethod
    def get_all(cls, context, binary: str | None = None,
                host: str | None = None) -> "ServiceList":
        return cls(context, objects=[Service._from_db(context, row)
                                     for row in db_services.service_get_all(binary, host)])
