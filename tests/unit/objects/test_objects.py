"""Object fingerprints: a field change without a version bump fails here."""
from oslo_versionedobjects import fixture

from mininova.objects import base

# Update a hash only together with the object's VERSION (and its comment line).
EXPECTED = {
    "ComputeNode": "1.0-30000c47cc521c356fc121329dce3d55",
    "ComputeNodeList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Flavor": "1.0-a7bcb99778cfd173eccd78d950a06f0a",
    "FlavorList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Image": "1.2-85fb9c914a28935dae95d77bcdd6a885",
    "ImageList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Instance": "1.0-e30a5c0fd9a52afb5b54baaaba2799be",
    "InstanceAction": "1.0-ed714a44a5ebfdce36462402a3989bc6",
    "InstanceActionEvent": "1.0-383eadc3897a4595632b9d08e3e0e0f5",
    "InstanceActionEventList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "InstanceActionList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "InstanceFault": "1.0-6da0fb4bfd2f266a56daf2e5795323d0",
    "InstanceList": "1.0-7cb8b307e59591fabfd2c852d3e65ceb",
    "Service": "1.0-90a07022d78dfa9291e6c650a41e13e2",
    "ServiceList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
}


def test_versions_match_fingerprints():
    checker = fixture.ObjectVersionChecker(
        base.MininovaObjectRegistry.obj_classes())
    expected, actual = checker.test_hashes(EXPECTED)
    assert expected == actual, "an object changed: bump its VERSION and update EXPECTED"


def test_remote_save_round_trip_applies_conductor_updates(db, ctxt):
    """The indirection path a compute host uses, through the conductor's own code."""
    from unittest import mock

    from mininova import objects
    from mininova.conductor import manager as conductor_manager

    inst = objects.Instance(ctxt, uuid="0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10",
                            display_name="vm", project_id="p1", user_id="u", image_ref="i",
                            flavor_id="1", flavor_name="f", memory_mb=1, vcpus=1, root_gb=1,
                            vm_state="active", task_state="powering-off", power_state=1)
    inst.create()
    conductor = conductor_manager.ConductorManager.__new__(
        conductor_manager.ConductorManager)
    serializer = base.MininovaObjectSerializer()

    class _Indirection:
        def object_action(self, context, objinst, objmethod, args, kwargs):
            remote = serializer.deserialize_entity(
                context, serializer.serialize_entity(context, objinst))
            # NOTE: the conductor process itself has no indirection.
            with mock.patch.object(base.MininovaObject, "indirection_api", None):
                return conductor.object_action(context, remote, objmethod, args, kwargs)

    with mock.patch.object(base.MininovaObject, "indirection_api", _Indirection()):
        inst.vm_state = "stopped"
        inst.task_state = None
        inst.save(expected_task_state=["powering-off"])
    assert inst.obj_what_changed() == set()
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).vm_state == "stopped"
