"""What a rebuild writes besides the instance row's object fields: the server's metadata
(``instance_metadata``), replaced whole."""
import sqlalchemy as sa

from mininova.db import api as db_api
from mininova.db import models


def instance_metadata_replace(instance_uuid: str, metadata: dict[str, str]) -> None:
    """Make ``metadata`` the server's whole metadata (a rebuild replaces, not merges)."""
    meta = models.InstanceMetadata
    with db_api.session() as sess:
        sess.execute(sa.delete(meta).where(meta.instance_uuid == instance_uuid))
        sess.add_all([meta(instance_uuid=instance_uuid, key=key, value=value)
                      for key, value in metadata.items()])
