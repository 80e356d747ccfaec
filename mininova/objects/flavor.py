"""Flavor: the size of an instance (memory, vCPUs, disk)."""
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Flavor(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: description (compute API 2.55)
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
        "flavorid": fields.StringField(),
        "name": fields.StringField(),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(),
        "ephemeral_gb": fields.IntegerField(),
        "swap": fields.IntegerField(),
        "disabled": fields.BooleanField(),
        "is_public": fields.BooleanField(),
        "description": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("description", None)

    @classmethod
    def get_by_flavor_id(cls, context, flavorid: str) -> "Flavor":
        return cls._from_db(context, db_api.flavor_get_by_flavor_id(flavorid))

    def create(self) -> None:
        values = self.obj_get_changes()
        values.setdefault("ephemeral_gb", 0)
        values.setdefault("swap", 0)
        self._set_from_db(db_api.flavor_create(values))

    def save(self) -> None:
        """Write the one thing a flavor may change after creation: its description."""
        changes = self.obj_get_changes()
        if "description" in changes:
            self._set_from_db(db_api.flavor_update(self.flavorid,
                                                   {"description": changes["description"]}))

    def destroy(self) -> None:
        db_api.flavor_destroy(self.flavorid)


@base.MininovaObjectRegistry.register
class FlavorList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Flavor 1.1
    VERSION = "1.1"
    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @classmethod
    def get_all(cls, context) -> "FlavorList":
        return cls(context, objects=[Flavor._from_db(context, row)
                                     for row in db_api.flavor_get_all()])
