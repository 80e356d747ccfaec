"""KeyPair: a user's SSH public key (or x509 certificate, from compute API 2.2),
known by name to that user only. Used by the API process alone (os-keypairs, and
key_name at server create), so nothing here is remoted."""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_keypairs = db.lazy("keypairs")

KEYPAIR_TYPE_SSH = "ssh"
KEYPAIR_TYPE_X509 = "x509"


@base.MininovaObjectRegistry.register
class KeyPair(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(),
        "user_id": fields.StringField(),
        "fingerprint": fields.StringField(),
        "public_key": fields.StringField(),
        "type": fields.StringField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @classmethod
    def get_by_name(cls, context, user_id: str, name: str) -> "KeyPair":
        """The user's key pair ``name``; KeypairNotFound (404) otherwise."""
        return cls._from_db(context, db_keypairs.key_pair_get(user_id, name))

    def create(self) -> None:
        """Insert; KeyPairExists (409) when the user has one of that name already."""
        self._set_from_db(db_keypairs.key_pair_create(self.obj_get_changes()))

    def destroy(self) -> None:
        db_keypairs.key_pair_destroy(self.user_id, self.name)

    @classmethod
    def destroy_by_name(cls, context, user_id: str, name: str) -> None:
        """Delete the user's key pair ``name``; KeypairNotFound (404) when there is none."""
        db_keypairs.key_pair_destroy(user_id, name)


@base.MininovaObjectRegistry.register
class KeyPairList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("KeyPair")}

    @classmethod
    def get_by_user(cls, context, user_id: str, limit: int | None = None,
                    marker: str | None = None) -> "KeyPairList":
        """The user's key pairs by name, from after ``marker`` (a name), at most ``limit``."""
        rows = db_keypairs.key_pair_get_all_by_user(user_id, limit=limit, marker=marker)
        return cls(context, objects=[KeyPair._from_db(context, row) for row in rows])

    @staticmethod
    def get_count_by_user(context, user_id: str) -> int:
        return db_keypairs.key_pair_count_by_user(user_id)
