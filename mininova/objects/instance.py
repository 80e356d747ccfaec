"""Instance: a server, its placement, and its vm/task/power state."""
from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Instance(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "display_name": fields.StringField(),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(),
        "image_ref": fields.StringField(),
        "flavor_id": fields.StringField(),
        "flavor_name": fields.StringField(),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        "vm_state": fields.StringField(),
        "task_state": fields.StringField(nullable=True),
        "power_state": fields.IntegerField(),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @property
    def name(self) -> str:
        """The hypervisor's name for this instance (Nova's instance_name_template)."""
        return f"instance-{self.id:08x}"

    @classmethod
    @base.remotable
    def get_by_uuid(cls, context, uuid: str) -> "Instance":
        return cls._from_db(context, db_api.instance_get_by_uuid(uuid))

    def create(self) -> None:
        """Insert the instance (API side only: creation never comes from a compute host)."""
        self._set_from_db(db_api.instance_create(self.obj_get_changes()))

    @base.remotable
    def save(self, expected_task_state: list | None = None,
             expected_vm_state: list | None = None) -> None:
        """Write the changed fields.

        ``expected_task_state`` (a list; ``[None]`` means "no task") makes the write a
        compare-and-swap in the database: UnexpectedTaskStateError when it loses.
        """
        updates = self.obj_get_changes()
        for key in ("id", "uuid", "created_at", "updated_at"):
            updates.pop(key, None)
        if not updates and expected_task_state is None and expected_vm_state is None:
            return
        self._set_from_db(db_api.instance_update(self.uuid, updates, expected_task_state,
                                                 expected_vm_state))

    @base.remotable
    def destroy(self) -> None:
        """Soft-delete the row; the instance disappears from the API."""
        self._set_from_db(db_api.instance_destroy(self.uuid))


@base.MininovaObjectRegistry.register
class InstanceList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Instance")}

    @classmethod
    @base.remotable
    def get_by_host(cls, context, host: str) -> "InstanceList":
        rows = db_api.instance_get_all({"host": host}, sort_dir="asc")
        return cls(context, objects=[Instance._from_db(context, row) for row in rows])

    @classmethod
    def get_by_filters(cls, context, filters: dict, limit: int | None = None,
                       marker: str | None = None, sort_key: str = "created_at",
                       sort_dir: str = "desc") -> "InstanceList":
        rows = db_api.instance_get_all(filters, limit=limit, marker=marker,
                                       sort_key=sort_key, sort_dir=sort_dir)
        return cls(context, objects=[Instance._from_db(context, row) for row in rows])
