"""Quotas counted from live instances: limits, the race re-check, and usage given back."""
import pytest

from mininova import objects
from mininova import quota
from mininova.compute import vm_states


def _instance(ctxt, vcpus=1, ram=512, vm_state=vm_states.ACTIVE, launched=True):
    import datetime
    import uuid

    inst = objects.Instance(ctxt, uuid=str(uuid.uuid4()), display_name="vm",
                            project_id=ctxt.project_id, user_id="u", image_ref="i",
                            flavor_id="1", flavor_name="f", memory_mb=ram, vcpus=vcpus,
                            root_gb=1, vm_state=vm_state, task_state=None, power_state=1,
                            launched_at=datetime.datetime.now(datetime.UTC) if launched
                            else None)
    inst.create()
    return inst


def test_defaults_then_project_override(db, ctxt, flags):
    flags(instances=3, group="quota")
    assert quota.get_limits("p1")["instances"] == 3
    quota.update("p1", {"instances": 5})
    assert quota.get_limits("p1")["instances"] == 5
    assert quota.get_limits("p2")["instances"] == 3


def test_exceeding_names_the_resource(db, ctxt):
    quota.update("p1", {"cores": 2})
    _instance(ctxt, vcpus=2)
    with pytest.raises(quota.QuotaExceeded) as err:
        quota.check("p1", {"instances": 1, "cores": 1, "ram": 512})
    assert err.value.code == 403
    assert "Quota exceeded for cores: Requested 1, but already used 2 of 2 cores" in str(
        err.value)


def test_recheck_counts_the_new_row_once(db, ctxt):
    quota.update("p1", {"instances": 1})
    _instance(ctxt)
    quota.check("p1", {"instances": 1}, already_counted=True)
    _instance(ctxt)
    with pytest.raises(quota.QuotaExceeded):
        quota.check("p1", {"instances": 1}, already_counted=True)


def test_deleted_and_failed_builds_give_usage_back(db, ctxt):
    kept = _instance(ctxt, vcpus=2, ram=1024)
    _instance(ctxt, vm_state=vm_states.ERROR, launched=False)
    _instance(ctxt).destroy()
    assert quota.get_usage("p1") == {"instances": 1, "cores": 2, "ram": 1024}
    kept.destroy()
    assert quota.get_usage("p1") == {"instances": 0, "cores": 0, "ram": 0}


def test_unlimited(db, ctxt):
    quota.update("p1", {"instances": -1})
    for _ in range(3):
        _instance(ctxt)
    quota.check("p1", {"instances": 100})


def test_project_row_over_default_class_over_option(db, flags):
    flags(instances=3, cores=4, group="quota")
    quota.update_class("default", {"instances": 6, "cores": 8})
    quota.update_class("gold", {"instances": 99})
    quota.update("p1", {"instances": 9})
    assert (quota.get_limits("p1")["instances"], quota.get_limits("p1")["cores"]) == (9, 8)
    assert quota.get_limits("p2")["instances"] == 6
    assert quota.get_defaults()["ram"] == 51200
    assert quota.get_class_limits("gold")["instances"] == 99
    quota.delete("p1")
    assert quota.get_limits("p1")["instances"] == 6
