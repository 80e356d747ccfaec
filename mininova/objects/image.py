"""Image: a record in the API side's image store."""
from oslo_versionedobjects import fields

from mininova.db import api as db_api
from mininova.objects import base


@base.MininovaObjectRegistry.register
class Image(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

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
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    @base.remotable
    def get_by_id(cls, context, image_id: str) -> "Image":
        return cls._from_db(context, db_api.image_get(image_id))

    def create(self) -> None:
        self._set_from_db(db_api.image_create(self.obj_get_changes()))


@base.MininovaObjectRegistry.register
class ImageList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Image")}

    @classmethod
    def get_all(cls, context) -> "ImageList":
        return cls(context, objects=[Image._from_db(context, row)
                                     for row in db_api.image_get_all()])
