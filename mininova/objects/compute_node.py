"""ComputeNode: the resources a compute host offers, reported periodically."""
import json

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_services = db.lazy("services")

_REPORTED = ("hypervisor_hostname", "hypervisor_type", "hypervisor_version", "vcpus",
             "memory_mb", "local_gb")
_OPTIONAL = ("cpu_info", "host_ip")


@base.MininovaObjectRegistry.register
class ComputeNode(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: uuid, host_ip and cpu_info (compute API 2.53, 2.28)
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "host": fields.StringField(),
        "hypervisor_hostname": fields.StringField(),
        "hypervisor_type": fields.StringField(),
        "hypervisor_version": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "local_gb": fields.IntegerField(),
        "host_ip": fields.StringField(nullable=True),
        "cpu_info": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            for name in ("uuid", "host_ip", "cpu_info"):
                primitive.pop(name, None)

    @classmethod
    @base.remotable
    def report(cls, context, host: str, resources: dict) -> "ComputeNode":
        """Create or refresh ``host``'s row from the driver's resource view."""
        values = {key: resources[key] for key in _REPORTED}
        values.update({key: resources[key] for key in _OPTIONAL if key in resources})
        row = db_services.compute_node_update_or_create(host, values)
        return cls._from_db(context, row)

    @classmethod
    def get_by_id(cls, context, node_id: int) -> "ComputeNode":
        return cls._from_db(context, db_services.compute_node_get(node_id=node_id))

    @classmethod
    def get_by_uuid(cls, context, node_uuid: str) -> "ComputeNode":
        return cls._from_db(context, db_services.compute_node_get(node_uuid=node_uuid))

    def cpu_info_dict(self) -> dict:
        """The host CPU as reported (empty before the first report that had one)."""
        return json.loads(self.cpu_info) if self.cpu_info else {}


@base.MininovaObjectRegistry.register
class ComputeNodeList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: ComputeNode 1.1; get_all pages and filters
    VERSION = "1.1"
    fields = {"objects": fields.ListOfObjectsField("ComputeNode")}

    @classmethod
    def get_all(cls, context, hostname_pattern: str | None = None, limit: int | None = None,
                marker: str | None = None,
                marker_is_uuid: bool = False) -> "ComputeNodeList":
        rows = db_services.compute_node_get_all(hostname_pattern, limit=limit, marker=marker,
                                           marker_is_uuid=marker_is_uuid)
        return cls(context, objects=[ComputeNode._from_db(context, row) for row in rows])
