"""compute/api.py: rebuild (state table, image checks, what it saves and stores),
os-resetState and the diagnostics call."""
from unittest import mock

import pytest
import sqlalchemy as sa

from mininova import exception
from mininova import objects
from mininova.compute import api as compute_api
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.db import api as db_api
from mininova.db import models

IMAGE = "7f1a4a1e-0a8e-4d52-9d57-7b0b1f3f1a11"
ALT = "2b0c7d5e-6a33-4c1d-8f2e-3a9b8c7d6e5f"


@pytest.fixture
def api():
    with mock.patch.object(compute_api.rpcapi, "ComputeAPI"), \
            mock.patch.object(compute_api.conductor_rpcapi, "ConductorAPI"):
        yield compute_api.API(transport=None)


def _image(ctxt, image_id, **kwargs):
    fields = {"name": "img", "disk_format": "qcow2", "container_format": "bare", "size": 1,
              "checksum": None, "file_path": None, "status": "active", "min_disk": 0,
              "min_ram": 0}
    fields.update(kwargs)
    image = objects.Image(ctxt, id=image_id, **fields)
    image.create()
    return image


@pytest.fixture
def server(db, ctxt, api):
    objects.Flavor(ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1,
                   disabled=False, is_public=True).create()
    _image(ctxt, IMAGE)
    _image(ctxt, ALT, properties={"kernel_id": "k1", "ramdisk_id": "r1"})

    def _make(vm_state=vm_states.ACTIVE, task_state=None, host="compute1", locked=False):
        instance = api.create(ctxt, "vm", "1", IMAGE)
        instance.vm_state, instance.task_state, instance.host = vm_state, task_state, host
        instance.locked = locked
        instance.save()
        return objects.Instance.get_by_uuid(ctxt, instance.uuid)

    return _make


def _row(uuid):
    with db_api.session() as sess:
        return sess.scalars(sa.select(models.Instance).where(
            models.Instance.uuid == uuid)).one()


def _metadata(uuid):
    with db_api.session() as sess:
        rows = sess.scalars(sa.select(models.InstanceMetadata).where(
            models.InstanceMetadata.instance_uuid == uuid)).all()
    return {row.key: row.value for row in rows}


@pytest.mark.parametrize("vm_state", [vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
def test_rebuild_saves_the_new_image_and_fields_then_casts(api, ctxt, server, vm_state):
    instance = server(vm_state)
    api.rebuild(ctxt, instance, ALT, preserve_ephemeral=True, display_name="new",
                description="d", user_data="dXNlcg==", hostname="new-host")
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.task_state, stored.vm_state) == (task_states.REBUILDING, vm_state)
    assert (stored.image_ref, stored.kernel_id, stored.ramdisk_id) == (ALT, "k1", "r1")
    assert (stored.display_name, stored.description, stored.user_data, stored.hostname) == (
        "new", "d", "dXNlcg==", "new-host")
    call = api.compute_rpcapi.rebuild_instance.call_args
    assert call.args[1].uuid == instance.uuid and call.args[2].id == ALT
    assert call.args[3] is True
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid)
    assert actions[0].action == "rebuild"


@pytest.mark.parametrize("vm_state, task_state", [
    (vm_states.BUILDING, task_states.SPAWNING),
    (vm_states.ACTIVE, task_states.POWERING_OFF),
    (vm_states.ACTIVE, task_states.REBUILDING),
])
def test_rebuild_in_a_forbidden_state_is_409(api, ctxt, server, vm_state, task_state):
    instance = server(vm_state, task_state)
    with pytest.raises(exception.InstanceInvalidState) as err:
        api.rebuild(ctxt, instance, ALT)
    assert err.value.code == 409
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).image_ref == IMAGE
    api.compute_rpcapi.rebuild_instance.assert_not_called()


def test_rebuild_of_a_locked_server_is_409_for_its_owner_not_for_admins(api, ctxt,
                                                                        admin_ctxt, server):
    instance = server(locked=True)
    with pytest.raises(exception.InstanceIsLocked) as err:
        api.rebuild(ctxt, instance, ALT)
    assert err.value.code == 409
    api.rebuild(admin_ctxt, instance, ALT)
    api.compute_rpcapi.rebuild_instance.assert_called_once()


@pytest.mark.parametrize("image_kwargs, message", [
    (None, "Cannot find image for rebuild"),
    ({"status": "queued"}, "is not active"),
    ({"min_ram": 1024}, "memory is too small"),
    ({"min_disk": 2}, "smaller than the minimum size"),
    ({"size": 2 * 1024 ** 3}, "disk is too small"),
    ({"disk_format": "aki"}, "kernel or ramdisk"),
])
def test_rebuild_with_an_unusable_image_is_400(api, ctxt, server, image_kwargs, message):
    instance = server()
    image_id = "5c3a1f7e-0000-4000-8000-000000000001"
    if image_kwargs is not None:
        _image(ctxt, image_id, **image_kwargs)
    with pytest.raises(exception.Invalid, match=message) as err:
        api.rebuild(ctxt, instance, image_id)
    assert err.value.code == 400
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state is None


def test_rebuild_stores_metadata_access_ips_and_the_key_pair(api, ctxt, server):
    instance = server()
    with db_api.session() as sess:
        sess.add(models.KeyPair(name="k", user_id="alice", fingerprint="f",
                                public_key="ssh-rsa AAA", type="ssh"))
    api.rebuild(ctxt, instance, IMAGE, metadata={"a": "1"}, access_ip_v4="10.0.0.1",
                access_ip_v6="::1", key_name="k")
    api.rebuild(ctxt, server(), IMAGE)  # another server's rebuild leaves this one alone
    assert _metadata(instance.uuid) == {"a": "1"}
    row = _row(instance.uuid)
    assert (row.access_ip_v4, row.access_ip_v6, row.key_name, row.key_data) == (
        "10.0.0.1", "::1", "k", "ssh-rsa AAA")
    instance = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    instance.task_state = None
    instance.save()
    api.rebuild(ctxt, instance, IMAGE, metadata={"b": "2"}, key_name=None)
    assert _metadata(instance.uuid) == {"b": "2"}  # replaced, not merged
    assert (_row(instance.uuid).key_name, _row(instance.uuid).key_data) == (None, None)


def test_rebuild_with_an_unknown_key_pair_or_too_much_metadata_changes_nothing(
        api, ctxt, server, flags):
    instance = server()
    with pytest.raises(exception.Invalid, match="key_name"):
        api.rebuild(ctxt, instance, ALT, key_name="missing")
    flags(metadata_items=1, group="quota")
    with pytest.raises(exception.Forbidden) as err:
        api.rebuild(ctxt, instance, ALT, metadata={"a": "1", "b": "2"})
    assert err.value.code == 403
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.task_state, stored.image_ref) == (None, IMAGE)
    assert _metadata(instance.uuid) == {}


@pytest.mark.parametrize("state, vm_state", [("error", vm_states.ERROR),
                                             ("active", vm_states.ACTIVE)])
def test_reset_state_forces_the_state_and_clears_the_task(api, admin_ctxt, ctxt, server,
                                                         state, vm_state):
    instance = server(vm_states.STOPPED, task_states.POWERING_ON)
    api.reset_state(admin_ctxt, instance, state)
    stored = objects.Instance.get_by_uuid(ctxt, instance.uuid)
    assert (stored.vm_state, stored.task_state) == (vm_state, None)
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid)
    assert actions[0].action == "resetState"


def test_diagnostics_is_a_call_and_409_without_a_host(api, ctxt, server):
    api.compute_rpcapi.get_instance_diagnostics.return_value = {"state": "running"}
    assert api.get_instance_diagnostics(ctxt, server()) == {"state": "running"}
    with pytest.raises(exception.InstanceInvalidState):
        api.get_instance_diagnostics(ctxt, server(vm_states.ERROR, host=None))


def test_rebuild_refused_by_the_rpc_version_cap_leaves_no_task(api, ctxt, server):
    instance = server()
    api.compute_rpcapi.rebuild_instance.side_effect = exception.ServiceUnavailable(
        reason="capped")
    with pytest.raises(exception.ServiceUnavailable):
        api.rebuild(ctxt, instance, ALT)
    assert objects.Instance.get_by_uuid(ctxt, instance.uuid).task_state is None
