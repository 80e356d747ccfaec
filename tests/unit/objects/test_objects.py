"""Object fingerprints: a field change without a version bump fails here."""
from oslo_versionedobjects import fixture

from mininova.objects import base

# Update a hash only together with the object's VERSION (and its comment line).
EXPECTED = {
    "Aggregate": "1.0-a82cfec6f6db60de422f6cbc3e4d62fe",
    "Allocation": "1.0-caa2df34bb1e9e005130904640fad8a8",
    "AggregateList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "ComputeNode": "1.1-b3a329df68803b03c2711c5adba749c2",
    "ComputeNodeList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Flavor": "1.1-147be3da55aecd1c81ba70efaf32051e",
    "FlavorList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Image": "1.2-85fb9c914a28935dae95d77bcdd6a885",
    "ImageList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Instance": "1.6-a10895d421f3d6f5f40ed17fd2fc0b45",
    "InstanceAction": "1.2-a7841dcf5a1072a89a85588743e74c56",
    "InstanceActionEvent": "1.2-90257db87f090ec6cb530fa44c9ee37f",
    "InstanceActionEventList": "1.2-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "InstanceActionList": "1.2-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "InstanceFault": "1.0-6da0fb4bfd2f266a56daf2e5795323d0",
    "InstanceList": "1.6-7cb8b307e59591fabfd2c852d3e65ceb",
    "KeyPair": "1.0-3dfc26a47ef5869dbd5dd3874472080b",
    "KeyPairList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Migration": "1.2-c553ede940da877ba69c661b2689605a",
    "MigrationList": "1.0-06c3a363525460d298211864421ac078",
    "RequestSpec": "1.0-6e6b9f802b552b84b520b262d394c585",
    "Service": "1.1-2c1f30eff6f5e9c8b08b9f5b27fdf4e4",
    "ServiceList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Tag": "1.0-444682c2e96887a4eca8b9a0eca0ab86",
    "TagList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "TaskLog": "1.0-2f3404bb2e1c9e9a6e4f76549e275581",
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
