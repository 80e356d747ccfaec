"""Flavor: the size of an instance (memory, vCPUs, disk), and its extra specs.

Extra specs are stored and shown (os-extra_specs, flavor bodies from 2.61, a server's
embedded flavor from 2.47) but nothing acts on them: mininova's scheduler and libvirt
driver have none of Nova's extra-spec-driven features (CPU pinning, NUMA, hugepages,
traits, resources:*, quota:*), and Nova's 2.86 validation of the known namespaces is
not done either: any key and value the API schema allows is kept as it is.
"""
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_flavors = db.lazy("flavors")


@base.MininovaObjectRegistry.register
class Flavor(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: description (compute API 2.55), extra_specs (2.61)
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
        "extra_specs": fields.DictOfStringsField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("description", None)
            primitive.pop("extra_specs", None)

    def _set_from_db(self, db_row, fields=None) -> "Flavor":
        plain = [name for name in self.fields if name != "extra_specs"]
        super()._set_from_db(db_row, plain)
        self.extra_specs = {spec.key: spec.value for spec in db_row.extra_specs}
        self.obj_reset_changes()
        return self

    @classmethod
    def get_by_flavor_id(cls, context, flavorid: str) -> "Flavor":
        """The flavor, if ``context`` may see it: an admin any, others the public ones
        and the private ones shared with their project (else FlavorNotFound)."""
        return cls._from_db(context, db_flavors.flavor_get_by_flavor_id(
            flavorid, bool(context.is_admin), context.project_id))

    def create(self) -> None:
        values = self.obj_get_changes()
        values.setdefault("ephemeral_gb", 0)
        values.setdefault("swap", 0)
        self._set_from_db(db_flavors.flavor_create(values))

    def save(self) -> None:
        """Write the one thing a flavor may change after creation: its description."""
        changes = self.obj_get_changes()
        if "description" in changes:
            self._set_from_db(db_flavors.flavor_update(self.flavorid,
                                                   {"description": changes["description"]}))

    def save_extra_specs(self, to_add: dict[str, str] | None = None,
                         to_delete: list[str] | None = None) -> None:
        """Add or overwrite the keys of ``to_add``, then remove those of ``to_delete``
        (FlavorExtraSpecsNotFound when one is not there)."""
        specs = dict(self.extra_specs)
        if to_add:
            specs = db_flavors.flavor_extra_specs_update_or_create(self.flavorid, to_add)
        for key in to_delete or ():
            db_flavors.flavor_extra_specs_delete(self.flavorid, key)
            specs.pop(key, None)
        self.extra_specs = specs
        self.obj_reset_changes(["extra_specs"])

    def destroy(self) -> None:
        db_flavors.flavor_destroy(self.flavorid)

    # NOTE: Nova keeps these projects in a ``projects`` field; here they are read and
    # written only by os-flavor-access, so they stay out of the object's fields.
    def get_access(self) -> list[str]:
        """The projects this flavor is shared with."""
        return db_flavors.flavor_access_get(self.flavorid)

    def add_access(self, project_id: str) -> list[str]:
        """Share with ``project_id`` (FlavorAccessExists if it is); all the projects."""
        return db_flavors.flavor_access_add(self.flavorid, project_id)

    def remove_access(self, project_id: str) -> list[str]:
        """Unshare (FlavorAccessNotFound if it was not shared); the projects left."""
        return db_flavors.flavor_access_remove(self.flavorid, project_id)


@base.MininovaObjectRegistry.register
class FlavorList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Flavor 1.1
    VERSION = "1.1"
    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @classmethod
    def get_all(cls, context, filters: dict | None = None, sort_key: str = "flavorid",
                sort_dir: str = "asc", limit: int | None = None,
                marker: str | None = None) -> "FlavorList":
        """The flavors ``context`` may see (db.flavors.flavor_get_all has the filters)."""
        rows = db_flavors.flavor_get_all(filters, sort_key, sort_dir, limit, marker,
                                         bool(context.is_admin), context.project_id)
        return cls(context, objects=[Flavor._from_db(context, row) for row in rows])
