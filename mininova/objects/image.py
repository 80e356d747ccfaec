"""Image: a record in the API side's image store."""
import json

from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_images = db.lazy("images")


@base.MininovaObjectRegistry.register
class Image(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Add properties
    # Version 1.2: Add owner, visibility, os_hash_value
    VERSION = "1.2"

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
        "owner": fields.StringField(nullable=True),
        "visibility": fields.StringField(),
        "os_hash_value": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if target_version in ("1.0", "1.1"):
            for name in ("owner", "visibility", "os_hash_value"):
                primitive.pop(name, None)
        if target_version == "1.0":
            primitive.pop("properties", None)

    def _set_from_db(self, db_row, fields=None) -> "Image":
        plain = [name for name in self.fields if name != "properties"]
        super()._set_from_db(db_row, plain)
        self.properties = json.loads(db_row.properties or "{}")
        self.obj_reset_changes()
        return self

    @staticmethod
    def _db_values(values: dict) -> dict:
        if "properties" in values:
            values["properties"] = json.dumps(values["properties"] or {})
        return values

    @classmethod
    @base.remotable
    def get_by_id(cls, context, image_id: str) -> "Image":
        return cls._from_db(context, db_images.image_get(image_id))

    def create(self) -> None:
        values = self.obj_get_changes()
        values.setdefault("properties", {})
        values.setdefault("visibility", "public")
        self._set_from_db(db_images.image_create(self._db_values(values)))

    def save(self, expected_status: list[str] | None = None) -> None:
        """Write the changed fields (API side only: it owns the image store).

        With ``expected_status``, only if the stored status is one of them (else 409).
        """
        values = self.obj_get_changes()
        if values:
            self._set_from_db(db_images.image_update(self.id, self._db_values(values),
                                                  expected_status))

    def destroy(self) -> None:
        db_images.image_destroy(self.id)


@base.MininovaObjectRegistry.register
class ImageList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Image")}

    @classmethod
    def get_all(cls, context) -> "ImageList":
        return cls(context, objects=[Image._from_db(context, row)
                                     for row in db_images.image_get_all()])

    @classmethod
    def get_page(cls, context, filters: dict, limit: int | None = None,
                 marker: str | None = None, properties: dict | None = None,
                 at_least: dict | None = None) -> "ImageList":
        """The images ``context`` may see, newest first (Glance's default order).

        ``properties`` and ``at_least`` as db.images.image_get_page takes them.
        """
        visible_to = None if context.is_admin else context.project_id
        rows = db_images.image_get_page(filters, visible_to, limit=limit, marker=marker,
                                        properties=properties, at_least=at_least)
        return cls(context, objects=[Image._from_db(context, row) for row in rows])
