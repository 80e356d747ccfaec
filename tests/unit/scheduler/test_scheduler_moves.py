"""select_destinations for a move (1.1): the source left out, only the host asked for
(which must still pass the filters), and a claim that replaces the instance's claim on
the source and makes the destination its host."""
import oslo_messaging as messaging
import pytest

from mininova import objects
from mininova.db import allocations as db_allocations
from mininova.scheduler import manager
from tests.unit.scheduler.test_scheduler import _compute
from tests.unit.scheduler.test_scheduler import _instance


def test_a_move_leaves_the_source_out_and_takes_the_claim_over(db, admin_ctxt):
    for host in ("compute1", "compute2"):
        _compute(admin_ctxt, host, ram=8192)
    sched = manager.SchedulerManager("sched")
    inst = _instance(admin_ctxt)
    assert sched.select_destinations(admin_ctxt, inst) == "compute1"
    dest = sched.select_destinations(admin_ctxt, inst, ignore_hosts=["compute1"])
    assert dest == "compute2"
    assert objects.Instance.get_by_uuid(admin_ctxt, inst.uuid).host == "compute2"
    assert db_allocations.get_by_consumer(inst.uuid).host == "compute2"
    assert "compute1" not in db_allocations.usage_by_host()


def test_only_the_requested_host_and_only_if_it_passes(db, admin_ctxt):
    _compute(admin_ctxt, "compute1", ram=8192)
    _compute(admin_ctxt, "compute2")
    _compute(admin_ctxt, "compute3", up=False)
    sched = manager.SchedulerManager("sched")
    inst = _instance(admin_ctxt)
    assert sched.select_destinations(admin_ctxt, inst,
                                     requested_host="compute2") == "compute2"
    with pytest.raises(messaging.ExpectedException) as err:
        sched.select_destinations(admin_ctxt, inst, ignore_hosts=["compute2"],
                                  requested_host="compute3")
    why = str(err.value.exc_info[1])
    assert "compute3: compute service is down" in why
    assert "compute1: not the requested host" in why
    assert "compute2: the server's current host" in why
    assert db_allocations.get_by_consumer(inst.uuid).host == "compute2"
