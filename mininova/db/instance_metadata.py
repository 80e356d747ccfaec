"""A server's user metadata (/servers/{id}/metadata): key/value rows per instance."""
import sqlalchemy as sa

from mininova.db import api as db_api
from mininova.db import models


def metadata_get_by_uuids(uuids: list[str]) -> dict[str, dict[str, str]]:
    """The metadata of each instance, in one query (for list views)."""
    if not uuids:
        return {}
    meta = models.InstanceMetadata
    found: dict[str, dict[str, str]] = {}
    with db_api.session() as sess:
        for row in sess.scalars(sa.select(meta).where(meta.instance_uuid.in_(uuids))
                                .order_by(meta.key)):
            found.setdefault(row.instance_uuid, {})[row.key] = row.value
    return found


def metadata_get(uuid: str) -> dict[str, str]:
    return metadata_get_by_uuids([uuid]).get(uuid, {})


def metadata_update(uuid: str, metadata: dict[str, str], delete: bool = False) -> dict:
    """Set the keys of ``metadata`` (and, with ``delete``, remove every other key) in one
    transaction; the instance's whole metadata afterwards."""
    meta = models.InstanceMetadata
    with db_api.session() as sess:
        rows = {row.key: row for row in sess.scalars(
            sa.select(meta).where(meta.instance_uuid == uuid))}
        for key, row in rows.items():
            if key in metadata:
                row.value = metadata[key]
            elif delete:
                sess.delete(row)
        sess.add_all([models.InstanceMetadata(instance_uuid=uuid, key=key, value=value)
                      for key, value in metadata.items() if key not in rows])
    return metadata_get(uuid)


def metadata_delete(uuid: str, key: str) -> bool:
    """Remove one key; False when the instance did not have it."""
    meta = models.InstanceMetadata
    with db_api.session() as sess:
        result = sess.execute(sa.delete(meta).where(meta.instance_uuid == uuid,
                                                    meta.key == key))
    return result.rowcount > 0


def metadata_destroy(sess, uuid: str) -> None:
    """Remove every key, inside the caller's transaction (the instance's delete)."""
    sess.execute(sa.delete(models.InstanceMetadata).where(
        models.InstanceMetadata.instance_uuid == uuid))
