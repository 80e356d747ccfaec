"""A server's user metadata on the API side: Nova's rules for who may change it when
(the state table below), the metadata_items quota, and the writes. compute/api.py's
metadata methods and server create use it; rebuild replaces the metadata with
``update(..., delete=True)``. Computes never see it (mininova has no metadata service).
"""
from mininova import exception
from mininova import quota
from mininova.compute import vm_states
from mininova.db import instance_metadata as db_metadata

# Metadata may change only in these vm_states, with no task running (Nova's rule; Nova
# also names paused and suspended, which mininova servers never are).
CHANGEABLE_VM_STATES = {vm_states.ACTIVE, vm_states.STOPPED}


def get(instance) -> dict[str, str]:
    return db_metadata.metadata_get(instance.uuid)


def get_many(instances) -> dict[str, dict[str, str]]:
    """The metadata of many servers in one query (for list views), by uuid."""
    return db_metadata.metadata_get_by_uuids([inst.uuid for inst in instances])


def check_state(instance, action: str) -> None:
    """409 unless the server rests in a state where its metadata may change."""
    if instance.vm_state not in CHANGEABLE_VM_STATES:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="vm_state", state=instance.vm_state)
    if instance.task_state is not None:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="task_state", state=instance.task_state)


def check_quota(context, metadata: dict, limits: dict | None = None) -> None:
    """At most metadata_items keys per server (403 beyond, as Nova answers); ``limits``
    are the project's, if the caller has them."""
    if limits is None:
        limits = quota.get_limits(context.project_id)
    allowed = limits["metadata_items"]
    if 0 <= allowed < len(metadata):
        raise exception.MetadataLimitExceeded(allowed=allowed)


def update(context, instance, metadata: dict[str, str], delete: bool = False,
           quota_checked: bool = False) -> dict[str, str]:
    """Merge ``metadata`` into the server's, or with ``delete`` replace it all, within
    the quota (unless the caller checked it already); the whole metadata afterwards.
    No state checks: create and rebuild write it in states the API refuses."""
    if not quota_checked:
        check_quota(context, dict(metadata) if delete else {**get(instance), **metadata})
    return db_metadata.metadata_update(instance.uuid, metadata, delete=delete)


def delete(instance, key: str) -> None:
    """Remove one key; 404 when the server does not have it."""
    if not db_metadata.metadata_delete(instance.uuid, key):
        raise exception.MetadataItemNotFound()
