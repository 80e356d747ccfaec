"""Fixtures of the ComputeManager unit tests: a fake driver, a manager on it and
instances in a real SQLite database."""
import uuid

import pytest

from mininova import objects
from mininova.compute import manager as compute_manager
from mininova.compute import power_state
from mininova.compute import vm_states
from mininova.virt import driver as virt_driver
from tests.unit.compute.fakes import HOST
from tests.unit.compute.fakes import FakeDriver


@pytest.fixture
def driver(monkeypatch):
    fake = FakeDriver()
    monkeypatch.setattr(virt_driver, "load_driver", lambda conf: fake)
    return fake


@pytest.fixture
def mgr(db, driver, flags):
    flags(shutdown_timeout=7, shutdown_retry_interval=2)
    manager = compute_manager.ComputeManager(HOST)
    yield manager
    manager._events.shutdown(wait=True)


@pytest.fixture
def make_instance(db, ctxt, driver):
    def _make(vm_state=vm_states.ACTIVE, task_state=None, guest=power_state.RUNNING,
              power=power_state.RUNNING):
        inst = objects.Instance(ctxt, uuid=str(uuid.uuid4()), display_name="vm",
                                project_id="p1", user_id="alice", image_ref="img",
                                flavor_id="1", flavor_name="m1.tiny", memory_mb=512, vcpus=1,
                                root_gb=1, host=HOST, vm_state=vm_state,
                                task_state=task_state, power_state=power)
        inst.create()
        if guest is not None:
            driver.guests[inst.uuid] = guest
        return inst

    return _make
