"""ServiceStatusPayload: what service.update carries."""
from oslo_versionedobjects import fields

from mininova.notifications.objects import base


@base.register_payload
class ServiceStatusPayload(base.NotificationObject):
    VERSION = "1.1"
    fields = {
        "uuid": fields.UUIDField(),
        "host": fields.StringField(nullable=True),
        "binary": fields.StringField(nullable=True),
        "topic": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "forced_down": fields.BooleanField(),
        "version": fields.IntegerField(),
    }

    @classmethod
    def from_service(cls, service, availability_zone: str | None) -> "ServiceStatusPayload":
        # NOTE: version is the service's object version number as Nova counts it; mininova
        # services have one version so far.
        return cls(uuid=service.uuid, host=service.host, binary=service.binary,
                   topic=service.topic, report_count=service.report_count,
                   disabled=service.disabled, disabled_reason=service.disabled_reason,
                   availability_zone=availability_zone, last_seen_up=service.last_seen_up,
                   forced_down=service.forced_down, version=1)
