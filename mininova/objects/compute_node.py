"""ComputeNode: the resources a compute host offers, reported periodically."""
from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class ComputeNode(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "host": fields.StringField(),
        "hypervisor_hostname": fields.StringField(),
        "hypervisor_type": fields.StringField(),
        "hypervisor_version": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "local_gb": fields.IntegerField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    @base.remotable
    def report(cls, context, host: str, resources: dict) -> "ComputeNode":
        """Create or refresh ``host``'s row from the driver's resource view."""
        keys = ("hypervisor_hostname", "hypervisor_type", "hypervisor_version", "vcpus",
                "memory_mb", "local_gb")
        row = db_api.compute_node_update_or_create(host, {k: resources[k] for k in keys})
        return cls._from_db(context, row)


@base.MininovaObjectRegistry.register
class ComputeNodeList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("ComputeNode")}

    @classmethod
    def get_all(cls, context) -> "ComputeNodeList":
        return cls(context, objects=[ComputeNode._from_db(context, row)
                                     for row in db_api.compute_node_get_all()])
