"""Instance payloads: what Nova's instance.* versioned notifications carry.

Field sets follow Nova's current payloads (with request_id, action_initiator_* and
locked_reason); the versions are Nova's for those field sets.
"""
from oslo_versionedobjects import fields

from mininova.compute import power_state
from mininova.notifications.objects import base


@base.register_payload
class FlavorPayload(base.NotificationObject):
    VERSION = "1.4"
    fields = {
        "flavorid": fields.StringField(),
        "name": fields.StringField(nullable=True),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(),
        "ephemeral_gb": fields.IntegerField(),
        "swap": fields.IntegerField(),
        "rxtx_factor": fields.FloatField(),
        "vcpu_weight": fields.IntegerField(nullable=True),
        "disabled": fields.BooleanField(),
        "is_public": fields.BooleanField(),
        "extra_specs": fields.DictOfStringsField(),
        "projects": fields.ListOfStringsField(nullable=True),
        "description": fields.StringField(nullable=True),
    }

    @classmethod
    def from_instance(cls, instance) -> "FlavorPayload":
        """The flavor as the server was built with it (its copy, not today's flavor)."""
        # NOTE: projects is None as in Nova: it would need the API database.
        return cls(flavorid=instance.flavor_id, name=instance.flavor_name,
                   memory_mb=instance.memory_mb, vcpus=instance.vcpus,
                   root_gb=instance.root_gb, ephemeral_gb=instance.ephemeral_gb,
                   swap=instance.swap, rxtx_factor=1.0, vcpu_weight=0, disabled=False,
                   is_public=True, extra_specs=dict(instance.flavor_extra_specs or {}),
                   projects=None, description=None)


@base.register_payload
class IpPayload(base.NotificationObject):
    VERSION = "1.0"
    fields = {
        "label": fields.StringField(),
        "mac": fields.StringField(),
        "meta": fields.DictOfStringsField(),
        "port_uuid": fields.StringField(nullable=True),
        "version": fields.IntegerField(),
        "address": fields.StringField(),
        "device_name": fields.StringField(nullable=True),
    }

    @classmethod
    def from_instance(cls, instance) -> list:
        """One per fixed address of the server's network info, when it has any."""
        vifs = []
        if "network_info" in instance.fields and instance.obj_attr_is_set("network_info"):
            vifs = instance.network_info or []
        return [cls(label=vif.get("network_name", ""), mac=vif.get("mac", ""), meta={},
                    port_uuid=vif.get("port_id"), version=vif.get("version", 4),
                    address=vif.get("address", ""), device_name=None)
                for vif in vifs if vif.get("address")]


def _initiator(context, attr: str) -> str | None:
    return getattr(context, attr, None) if context is not None else None


@base.register_payload
class InstancePayload(base.NotificationObject):
    VERSION = "1.8"
    fields = {
        "uuid": fields.UUIDField(),
        "user_id": fields.StringField(nullable=True),
        "tenant_id": fields.StringField(nullable=True),
        "reservation_id": fields.StringField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "host_name": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        "os_type": fields.StringField(nullable=True),
        "architecture": fields.StringField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "flavor": fields.ObjectField("FlavorPayload"),
        "image_uuid": fields.StringField(nullable=True),
        "key_name": fields.StringField(nullable=True),
        "kernel_id": fields.StringField(nullable=True),
        "ramdisk_id": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "state": fields.StringField(nullable=True),
        "power_state": fields.StringField(nullable=True),
        "task_state": fields.StringField(nullable=True),
        "progress": fields.IntegerField(nullable=True),
        "ip_addresses": fields.ListOfObjectsField("IpPayload"),
        "block_devices": fields.ListOfObjectsField("BlockDevicePayload", nullable=True),
        "metadata": fields.DictOfStringsField(),
        "locked": fields.BooleanField(),
        "locked_reason": fields.StringField(nullable=True),
        "auto_disk_config": fields.StringField(),
        "request_id": fields.StringField(nullable=True),
        "action_initiator_user": fields.StringField(nullable=True),
        "action_initiator_project": fields.StringField(nullable=True),
    }

    def __init__(self, context=None, instance=None, **kwargs) -> None:
        if instance is not None:
            kwargs = {**self._from_instance(context, instance), **kwargs}
        super().__init__(**kwargs)

    @staticmethod
    def _from_instance(context, instance) -> dict:
        # NOTE: metadata is {}: server metadata does not travel with the Instance object
        # to computes (mininova keeps it in its own table); block_devices is [] as mininova
        # has one local root disk and no volumes.
        return {
            "uuid": instance.uuid, "user_id": instance.user_id,
            "tenant_id": instance.project_id, "reservation_id": instance.reservation_id,
            "display_name": instance.display_name,
            "display_description": instance.description, "host_name": instance.hostname,
            "host": instance.host, "node": instance.node, "os_type": None,
            "architecture": None, "availability_zone": instance.availability_zone,
            "flavor": FlavorPayload.from_instance(instance),
            "image_uuid": instance.image_ref or None, "key_name": instance.key_name,
            "kernel_id": instance.kernel_id or "", "ramdisk_id": instance.ramdisk_id or "",
            "created_at": instance.created_at, "launched_at": instance.launched_at,
            "terminated_at": instance.terminated_at, "deleted_at": instance.deleted_at,
            "updated_at": instance.updated_at, "state": instance.vm_state,
            "power_state": power_state.STATE_MAP.get(instance.power_state),
            "task_state": instance.task_state, "progress": 0,
            "ip_addresses": IpPayload.from_instance(instance), "block_devices": [],
            "metadata": {}, "locked": instance.locked,
            "locked_reason": instance.locked_reason,
            "auto_disk_config": "AUTO" if instance.auto_disk_config else "MANUAL",
            "request_id": _initiator(context, "request_id"),
            "action_initiator_user": _initiator(context, "user_id"),
            "action_initiator_project": _initiator(context, "project_id"),
        }


@base.register_payload
class InstanceActionPayload(InstancePayload):
    VERSION = "1.8"
    fields = {"fault": fields.ObjectField("ExceptionPayload", nullable=True)}


@base.register_payload
class InstanceStateUpdatePayload(base.NotificationObject):
    VERSION = "1.0"
    fields = {
        "old_state": fields.StringField(nullable=True),
        "state": fields.StringField(nullable=True),
        "old_task_state": fields.StringField(nullable=True),
        "new_task_state": fields.StringField(nullable=True),
    }


@base.register_payload
class AuditPeriodPayload(base.NotificationObject):
    VERSION = "1.0"
    fields = {
        "audit_period_beginning": fields.DateTimeField(),
        "audit_period_ending": fields.DateTimeField(),
    }


@base.register_payload
class InstanceUpdatePayload(InstancePayload):
    VERSION = "1.9"
    fields = {
        "state_update": fields.ObjectField("InstanceStateUpdatePayload"),
        "audit_period": fields.ObjectField("AuditPeriodPayload", nullable=True),
        "bandwidth": fields.ListOfObjectsField("BandwidthPayload"),
        "old_display_name": fields.StringField(nullable=True),
        "tags": fields.ListOfStringsField(),
    }


@base.register_payload
class InstanceCreatePayload(InstanceActionPayload):
    VERSION = "1.12"
    fields = {
        "keypairs": fields.ListOfObjectsField("KeypairPayload"),
        "tags": fields.ListOfStringsField(),
        "instance_name": fields.StringField(nullable=True),
    }


@base.register_payload
class KeypairPayload(base.NotificationObject):
    VERSION = "1.0"
    fields = {
        "user_id": fields.StringField(nullable=True),
        "name": fields.StringField(),
        "public_key": fields.StringField(nullable=True),
        "fingerprint": fields.StringField(nullable=True),
        "type": fields.StringField(),
    }
