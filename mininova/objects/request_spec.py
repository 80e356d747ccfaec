"""RequestSpec: what a move asks the scheduler for (Nova's RequestSpec, kept minimal).

Built by the conductor's move tasks from the instance and the flavor it moves to; not
stored: the instance's own record (its flavor, its zone) is what a later move starts
from. Its size fields are named as an Instance's, so the scheduler's filters and claim
read either.
"""
from oslo_versionedobjects import fields

from mininova.objects import base


@base.MininovaObjectRegistry.register
class RequestSpec(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "instance_uuid": fields.UUIDField(),
        "project_id": fields.StringField(),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(),
        "ephemeral_gb": fields.IntegerField(),
        "availability_zone": fields.StringField(nullable=True),
        # NOTE: hosts the move must not go to (the source, unless a resize may stay).
        "ignore_hosts": fields.ListOfStringsField(default=[]),
        # NOTE: the one host an admin's migrate asked for (2.56), still filtered.
        "requested_host": fields.StringField(nullable=True, default=None),
    }

    @classmethod
    def for_move(cls, context, instance, flavor: dict, ignore_hosts: list[str],
                 requested_host: str | None = None) -> "RequestSpec":
        """The spec of moving ``instance`` to ``flavor`` (a Migration's flavor copy)."""
        return cls(context, instance_uuid=instance.uuid, project_id=instance.project_id,
                   memory_mb=flavor["memory_mb"], vcpus=flavor["vcpus"],
                   root_gb=flavor["root_gb"], ephemeral_gb=flavor["ephemeral_gb"],
                   availability_zone=instance.availability_zone,
                   ignore_hosts=list(ignore_hosts), requested_host=requested_host)
