"""Tag: a server's free-form label (compute API 2.26), unique per server."""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_instances = db.lazy("instances")

# Nova's limits: a server holds at most 50 tags of at most 60 characters.
MAX_TAG_COUNT = 50
MAX_TAG_LENGTH = 60


@base.MininovaObjectRegistry.register
class Tag(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "resource_id": fields.UUIDField(),
        "tag": fields.StringField(),
    }

    @classmethod
    def add(cls, context, resource_id: str, tag: str) -> bool:
        """Tag the server; False when it already had the tag. Over the limit: 400."""
        return db_instances.instance_tag_add(resource_id, tag, MAX_TAG_COUNT)

    @classmethod
    def exists(cls, context, resource_id: str, tag: str) -> bool:
        return db_instances.instance_tag_exists(resource_id, tag)

    @classmethod
    def destroy(cls, context, resource_id: str, tag: str) -> None:
        """Remove one tag; TagNotFound (404) when the server does not have it."""
        db_instances.instance_tag_delete(resource_id, tag)


@base.MininovaObjectRegistry.register
class TagList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Tag")}

    @classmethod
    def get_by_resource_id(cls, context, resource_id: str) -> "TagList":
        tags = db_instances.instance_tag_get_by_uuids([resource_id]).get(resource_id, [])
        return cls(context, objects=[Tag(context, resource_id=resource_id, tag=tag)
                                     for tag in tags])

    @classmethod
    def create(cls, context, resource_id: str, tags: list[str]) -> "TagList":
        """Replace all the server's tags with ``tags``."""
        db_instances.instance_tag_set(resource_id, tags)
        return cls.get_by_resource_id(context, resource_id)

    @classmethod
    def destroy(cls, context, resource_id: str) -> None:
        db_instances.instance_tag_set(resource_id, [])

    @staticmethod
    def names_by_resource(context, resource_ids: list[str]) -> dict[str, list[str]]:
        """The tags of many servers in one query (for list views), sorted by name."""
        return db_instances.instance_tag_get_by_uuids(resource_ids)
