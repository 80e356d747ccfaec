"""Migration: one move of an instance between hosts (resize, cold or live migration).

The conductor creates it when a move starts; each compute on the way moves its status on
(``pre-migrating`` -> ``migrating`` -> ``post-migrating`` -> ``finished``, then
``confirming`` -> ``confirmed`` or ``reverting`` -> ``reverted``; ``error`` when the move
failed). A live migration goes ``accepted`` -> ``preparing`` -> ``running`` ->
``completed`` (or ``error``, or ``cancelled`` by an abort). Its uuid is also the consumer
that holds the source host's claim during the move (objects.Allocation.move).
"""
import json

from oslo_versionedobjects import fields

from mininova import db
from mininova.compute import power_state as power_states
from mininova.compute import vm_states
from mininova.objects import base
from mininova.objects.instance import JsonField

db_migrations = db.lazy("compute_migrations")

_JSON_FIELDS = ("old_flavor", "new_flavor")
# The flavor keys a migration copies: what an instance keeps of its flavor.
FLAVOR_KEYS = ("id", "flavorid", "name", "memory_mb", "vcpus", "root_gb", "ephemeral_gb",
               "swap", "extra_specs")


def flavor_dict(flavor) -> dict:
    """The copy of a Flavor a migration keeps."""
    return {key: getattr(flavor, key) for key in FLAVOR_KEYS}


def instance_flavor(instance) -> dict:
    """The copy of the flavor ``instance`` runs with now (its own columns)."""
    return {"id": None, "flavorid": instance.flavor_id, "name": instance.flavor_name,
            "memory_mb": instance.memory_mb, "vcpus": instance.vcpus,
            "root_gb": instance.root_gb, "ephemeral_gb": instance.ephemeral_gb,
            "swap": instance.swap, "extra_specs": dict(instance.flavor_extra_specs)}


def apply_flavor(instance, flavor: dict) -> None:
    """Give ``instance`` the sizes of ``flavor`` (a migration's copy); not saved."""
    instance.flavor_id = flavor["flavorid"]
    instance.flavor_name = flavor["name"]
    for key in ("memory_mb", "vcpus", "root_gb", "ephemeral_gb", "swap"):
        setattr(instance, key, flavor[key])
    instance.flavor_extra_specs = dict(flavor.get("extra_specs") or {})


@base.MininovaObjectRegistry.register
class Migration(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: finish_live and rollback_live (the two ends of a live migration)
    # Version 1.2: rollback_live takes the source's power_state
    VERSION = "1.2"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "instance_uuid": fields.UUIDField(),
        "source_compute": fields.StringField(nullable=True),
        "dest_compute": fields.StringField(nullable=True),
        "source_node": fields.StringField(nullable=True),
        "dest_node": fields.StringField(nullable=True),
        "dest_host": fields.StringField(nullable=True),
        "old_instance_type_id": fields.IntegerField(nullable=True),
        "new_instance_type_id": fields.IntegerField(nullable=True),
        "old_flavor": JsonField(nullable=True),
        "new_flavor": JsonField(nullable=True),
        "status": fields.StringField(),
        # NOTE: "resize" or "migration" (a cold migration), Nova's values.
        "migration_type": fields.StringField(),
        "hidden": fields.BooleanField(default=False),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @property
    def same_host(self) -> bool:
        return self.source_compute == self.dest_compute

    def _set_from_db(self, db_row, fields=None) -> "Migration":
        super()._set_from_db(db_row, [name for name in self.fields
                                      if name not in _JSON_FIELDS])
        for name in _JSON_FIELDS:
            text = getattr(db_row, name)
            setattr(self, name, json.loads(text) if text else None)
        self.obj_reset_changes()
        return self

    @staticmethod
    def _db_values(values: dict) -> dict:
        for key in ("id", "created_at", "updated_at"):
            values.pop(key, None)
        for name in _JSON_FIELDS:
            if values.get(name) is not None:
                values[name] = json.dumps(values[name])
        return values

    @base.remotable
    def create(self) -> None:
        self._set_from_db(db_migrations.migration_create(
            self._db_values(self.obj_get_changes())))

    @base.remotable
    def save(self, expected_status: list | None = None) -> None:
        """Write the changed fields; with ``expected_status`` only while the status is
        one of them (MigrationNotFound otherwise)."""
        self._set_from_db(db_migrations.migration_update(
            self.id, self._db_values(self.obj_get_changes()), expected_status))

    @base.remotable
    def finish_live(self, dest: str) -> bool:
        """The live migration's switch, in one transaction: the server is ``dest``'s
        (ACTIVE, no task), this migration ``completed``, the source's claim freed.
        False when a rollback ended the move first."""
        won = db_migrations.live_migration_switch(self.id, self.uuid,
                                                  self.instance_uuid, dest)
        self._set_from_db(db_migrations.migration_get(self.id))
        return won

    @base.remotable
    def rollback_live(self, status: str = "error", power_state: int | None = None) -> bool:
        """The live migration ends with the server on its source (no task; ACTIVE, or
        STOPPED when ``power_state``, the source's, says the guest is not running),
        this migration in ``status``, the claims as before the move. False when the
        move was over already (the destination took the server, or a rollback ran)."""
        values = {}
        if power_state is not None:
            values = {"power_state": power_state, "vm_state": (
                vm_states.ACTIVE if power_state == power_states.RUNNING
                else vm_states.STOPPED)}
        won = db_migrations.live_migration_rollback(
            self.id, self.uuid, self.instance_uuid, self.source_compute, status, values)
        self._set_from_db(db_migrations.migration_get(self.id))
        return won

    @classmethod
    @base.remotable
    def get_by_id(cls, context, migration_id: int) -> "Migration":
        return cls._from_db(context, db_migrations.migration_get(migration_id))

    @classmethod
    @base.remotable
    def get_by_instance_and_status(cls, context, instance_uuid: str,
                                   status: str) -> "Migration":
        return cls._from_db(context, db_migrations.migration_get_by_instance_and_status(
            instance_uuid, status))


@base.MininovaObjectRegistry.register
class MigrationList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Migration")}

    @classmethod
    @base.remotable
    def get_unconfirmed_by_dest_compute(cls, context, confirm_window: int,
                                        dest_compute: str) -> "MigrationList":
        rows = db_migrations.migration_get_unconfirmed_by_dest_compute(confirm_window,
                                                                       dest_compute)
        return cls(context, objects=[Migration._from_db(context, row) for row in rows])

    @classmethod
    @base.remotable
    def get_in_progress_by_instance(cls, context, instance_uuid: str) -> "MigrationList":
        rows = db_migrations.migration_get_in_progress_by_instance(instance_uuid)
        return cls(context, objects=[Migration._from_db(context, row) for row in rows])
