"""Flavor: the size of an instance (memory, vCPUs, disk)."""
from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Flavor(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

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
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    def get_by_flavor_id(cls, context, flavorid: str) -> "Flavor":
        return cls._from_db(context, db_api.flavor_get_by_flavor_id(flavorid))

    def create(self) -> None:
        values = self.obj_get_changes()
        values.setdefault("ephemeral_gb", 0)
        values.setdefault("swap", 0)
        self._set_from_db(db_api.flavor_create(values))

    def destroy(self) -> None:
        db_api.flavor_destroy(self.flavorid)


@base.MininovaObjectRegistry.register
class FlavorList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @classmethod
    def get_all(cls, context) -> "FlavorList":
        return cls(context, objects=[Flavor._from_db(context, row)
                                     for row in db_api.flavor_get_all()])
