"""Allocation: what one consumer holds on a host (the allocations table).

Compute hosts never open the database; their releases (a failed build) travel to the
conductor through these remotable methods. The scheduler claims directly in the DB
(db/allocations.py).
"""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_allocations = db.lazy("allocations")


@base.MininovaObjectRegistry.register
class Allocation(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "consumer_uuid": fields.UUIDField(),
        "host": fields.StringField(),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "disk_gb": fields.IntegerField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    @base.remotable
    def get_by_consumer(cls, context, consumer_uuid: str) -> "Allocation | None":
        row = db_allocations.get_by_consumer(consumer_uuid)
        return None if row is None else cls._from_db(context, row)

    @classmethod
    @base.remotable
    def release(cls, context, consumer_uuid: str) -> bool:
        """Free what the consumer holds; False when it held nothing."""
        return db_allocations.release(consumer_uuid)

    @classmethod
    @base.remotable
    def move(cls, context, source_consumer: str, target_consumer: str) -> bool:
        """Hand the source's allocation to the target (db/allocations.move_allocations:
        how resize, migrate and evacuate will keep the source host's claim)."""
        return db_allocations.move_allocations(source_consumer, target_consumer)
