"""LibvirtDriver.recreate (an evacuation's destination) and cleanup_evacuated (its old
host, back) against libvirt's in-process test hypervisor: the guest defined from the
record, the instance directory marked as the destination's, and the old host keeping
files that are shared and deleting its own."""
import os
import random
import types
import uuid

import pytest

from mininova import conf
from mininova import exception
from mininova.compute import power_state

CONF = conf.CONF


@pytest.fixture
def driver_host() -> str:
    return "dst"


@pytest.fixture
def instance(drv):
    inst = types.SimpleNamespace(uuid=str(uuid.uuid4()),
                                 name=f"instance-{random.getrandbits(31):08x}",
                                 memory_mb=512, vcpus=1, root_gb=1, image_ref="i",
                                 launched_at=None)
    yield inst
    drv.destroy(None, inst)


@pytest.mark.parametrize("power_on, state", [(True, power_state.RUNNING),
                                             (False, power_state.SHUTDOWN)])
def test_recreate_defines_the_guest_and_marks_its_directory(drv, instance, tmp_path,
                                                            power_on, state):
    drv.recreate(None, instance, None, power_on=power_on)
    assert drv.get_info(instance).state == state
    assert (tmp_path / "instances" / instance.uuid / "host").read_text() == "dst"


def test_cleanup_keeps_the_files_another_host_marked(drv, instance, tmp_path):
    """Shared storage: the destination's mark is on the directory the old host sees."""
    drv.spawn(None, instance, None)
    instance_dir = tmp_path / "instances" / instance.uuid
    instance_dir.mkdir(parents=True)
    (instance_dir / "host").write_text("elsewhere")
    drv.cleanup_evacuated(None, instance)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    assert os.listdir(instance_dir) == ["host"]


@pytest.mark.parametrize("mark", [None, "dst"])
def test_cleanup_deletes_this_hosts_own_files(drv, instance, tmp_path, mark):
    drv.spawn(None, instance, None)
    instance_dir = tmp_path / "instances" / instance.uuid
    instance_dir.mkdir(parents=True)
    (instance_dir / "console.log").write_text("old boots")
    if mark:
        (instance_dir / "host").write_text(mark)
    drv.cleanup_evacuated(None, instance)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    assert not instance_dir.exists()
    drv.cleanup_evacuated(None, instance)  # nothing left: no error
