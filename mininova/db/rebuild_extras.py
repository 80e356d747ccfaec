"""What a rebuild writes besides the instance row's object fields: the server's metadata
(``instance_metadata``) and the key pair it names (``key_pairs``).

NOTE: a stand-in until the server metadata and key pair APIs bring their own query
modules; then compute/api.py's ``_store_rebuild_extras`` calls those instead.
"""
import sqlalchemy as sa

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def instance_metadata_replace(instance_uuid: str, metadata: dict[str, str]) -> None:
    """Make ``metadata`` the server's whole metadata (a rebuild replaces, not merges)."""
    meta = models.InstanceMetadata
    with db_api.session() as sess:
        sess.execute(sa.delete(meta).where(meta.instance_uuid == instance_uuid))
        sess.add_all([meta(instance_uuid=instance_uuid, key=key, value=value)
                      for key, value in metadata.items()])


def key_pair_get(user_id: str, name: str) -> models.KeyPair:
    """``user_id``'s key pair ``name``; a missing one is the request's fault (400)."""
    query = sa.select(models.KeyPair).where(models.KeyPair.user_id == user_id,
                                            models.KeyPair.name == name)
    with db_api.session() as sess:
        row = sess.scalars(query).first()
    if row is None:
        raise exception.Invalid(message=f"Invalid key_name provided: key pair {name} "
                                        f"not found for user {user_id}.")
    return row
