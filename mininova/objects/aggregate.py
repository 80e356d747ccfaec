"""Aggregate: a named group of compute hosts with metadata; its availability_zone
metadata key is the zone of its hosts. Used by the API process alone (os-aggregates),
so nothing here is remoted."""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_aggregates = db.lazy("aggregates")


@base.MininovaObjectRegistry.register
class Aggregate(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(),
        "hosts": fields.ListOfStringsField(),
        "metadata": fields.DictOfStringsField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(db_aggregates.AZ_KEY)

    def _set_from_db(self, db_row, fields=None) -> "Aggregate":
        self.id, self.uuid, self.name = db_row.id, db_row.uuid, db_row.name
        self.hosts = sorted(h.host for h in db_row.hosts)
        self.metadata = {m.key: m.value for m in db_row.metadata_items}
        self.created_at, self.updated_at = db_row.created_at, db_row.updated_at
        self.obj_reset_changes()
        return self

    @classmethod
    def get_by_id(cls, context, aggregate_id: int) -> "Aggregate":
        """AggregateNotFound (404) when there is none."""
        return cls._from_db(context, db_aggregates.aggregate_get(aggregate_id))

    @classmethod
    def create_with_zone(cls, context, name: str, zone: str | None) -> "Aggregate":
        """AggregateNameExists (409) when the name is taken."""
        return cls._from_db(context, db_aggregates.aggregate_create(name, zone))

    def update(self, name: str | None, metadata: dict) -> None:
        """Rename and/or set metadata (a None value deletes its key) at once."""
        self._set_from_db(db_aggregates.aggregate_update(self.id, name, metadata))

    def update_metadata(self, metadata: dict) -> None:
        self._set_from_db(db_aggregates.aggregate_metadata_set(self.id, metadata))

    def add_host(self, host: str) -> None:
        """AggregateHostExists (409) when it is in already; InvalidAggregateAction when
        another aggregate puts the host in another zone."""
        self._set_from_db(db_aggregates.aggregate_host_add(self.id, host))

    def delete_host(self, host: str) -> None:
        self._set_from_db(db_aggregates.aggregate_host_delete(self.id, host))

    def destroy(self) -> None:
        """InvalidAggregateActionDelete (400) while it has hosts."""
        db_aggregates.aggregate_delete(self.id)


@base.MininovaObjectRegistry.register
class AggregateList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Aggregate")}

    @classmethod
    def get_all(cls, context) -> "AggregateList":
        return cls(context, objects=[Aggregate._from_db(context, row)
                                     for row in db_aggregates.aggregate_get_all()])
