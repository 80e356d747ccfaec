"""Image: a record in the API side's image store."""
import json

from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Image(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Add properties
    VERSION = "1.1"

    fields = {
        "id": fields.UUIDField(),
        "name": fields.StringField(),
        "disk_format": fields.StringField(),
        "container_format": fields.StringField(),
        "size": fields.IntegerField(),
        "checksum": fields.StringField(nullable=True),
        "file_path": fields.StringField(nullable=True),
        "status": fields.StringField(),
        "min_disk": fields.IntegerField(),
        "min_ram": fields.IntegerField(),
        "properties": fields.DictOfNullableStringsField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if target_version == "1.0":
            primitive.pop("properties", None)

    def _set_from_db(self, db_row, fields=None) -> "Image":
        plain = [name for name in self.fields if name != "properties"]
        super()._set_from_db(db_row, plain)
        self.properties = json.loads(db_row.properties or "{}")
        self.obj_reset_changes()
        return self

    @classmethod
    @base.remotable
    def get_by_id(cls, context, image_id: str) -> "Image":
        return cls._from_db(context, db_api.image_get(image_id))

    def create(self) -> None:
        values = self.obj_get_changes()
        values["properties"] = json.dumps(values.get("properties") or {})
        self._set_from_db(db_api.image_create(values))


@base.MininovaObjectRegistry.register
class ImageList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Image")}

    @classmethod
    def get_all(cls, context) -> "ImageList":
        return cls(context, objects=[Image._from_db(context, row)
                                     for row in db_api.image_get_all()])
