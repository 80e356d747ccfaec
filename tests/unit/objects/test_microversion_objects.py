"""The objects that grew fields for microversions above 2.1 still speak 1.0 to an older
peer (a compute host not yet upgraded): the new fields are left out, not sent."""
import datetime

import pytest

from mininova import objects

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize("obj, new_fields", [
    (objects.Service(id=1, uuid="0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", host="h",
                     binary="b", topic="t", report_count=0, disabled=False,
                     disabled_reason=None, forced_down=True, last_seen_up=None),
     {"uuid", "forced_down"}),
    (objects.ComputeNode(id=1, uuid="0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", host="h",
                         hypervisor_hostname="h", hypervisor_type="QEMU",
                         hypervisor_version=1, vcpus=1, memory_mb=1, local_gb=1,
                         host_ip="192.0.2.1", cpu_info="{}"),
     {"uuid", "host_ip", "cpu_info"}),
    (objects.Flavor(id=1, flavorid="1", name="f", memory_mb=1, vcpus=1, root_gb=1,
                    ephemeral_gb=0, swap=0, disabled=False, is_public=True,
                    description="d", extra_specs={"hw:cpu_policy": "dedicated"}),
     {"description", "extra_specs"}),
    (objects.InstanceAction(id=1, action="stop", request_id="req-1", start_time=NOW,
                            instance_uuid="0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10",
                            updated_at=NOW),
     {"updated_at"}),
    (objects.InstanceActionEvent(id=1, event="compute_stop", action_id=1, start_time=NOW,
                                 details="boom"),
     {"details"}),
])
def test_backport_to_1_0_drops_the_new_fields(obj, new_fields):
    latest = obj.obj_to_primitive()["mininova_object.data"]
    old = obj.obj_to_primitive(target_version="1.0")["mininova_object.data"]
    assert new_fields <= set(latest)
    assert not new_fields & set(old)
    assert set(latest) - set(old) == new_fields
