"""Scheduler filters, weigher, and the claim made under the selection lock."""
import datetime

import oslo_messaging as messaging
import pytest

from mininova import exception
from mininova import objects
from mininova.db import services as db_services
from mininova.scheduler import filters
from mininova.scheduler import host_manager
from mininova.scheduler import manager
from mininova.scheduler import weights


def _host(name="h", up=True, disabled=False, ram=4096, used_ram=0, vcpus=4, used_vcpus=0,
          disk=10, used_disk=0, n=0):
    return host_manager.HostState(name, up, disabled, vcpus, ram, disk, used_vcpus,
                                  used_ram, used_disk, n)


class _Inst:
    uuid = "u"
    memory_mb = 1024
    vcpus = 2
    root_gb = 5


@pytest.mark.parametrize("flt, host, passes", [
    (filters.ComputeFilter(), _host(), True),
    (filters.ComputeFilter(), _host(up=False), False),
    (filters.ComputeFilter(), _host(disabled=True), False),
    (filters.RamFilter(), _host(ram=2048, used_ram=1024), True),
    (filters.RamFilter(), _host(ram=2048, used_ram=1025), False),
    (filters.CoreFilter(), _host(vcpus=1, used_vcpus=2), True),
    (filters.CoreFilter(), _host(vcpus=1, used_vcpus=3), False),
    (filters.DiskFilter(), _host(disk=5), True),
    (filters.DiskFilter(), _host(disk=4), False),
])
def test_filters(flt, host, passes):
    assert flt.host_passes(host, _Inst()) is passes


def test_unknown_filter_name_is_refused():
    with pytest.raises(ValueError, match="NoSuchFilter"):
        filters.load_filters(["RamFilter", "NoSuchFilter"])


def test_weigher_prefers_free_ram_then_fewer_instances():
    a, b, c = _host("a", used_ram=512), _host("b"), _host("c", n=0)
    b.num_instances = 1
    assert [h.host for h in weights.sort_hosts([a, b, c], 1.0)] == ["c", "b", "a"]
    assert weights.sort_hosts([a, c], -1.0)[0].host == "a"


def test_claims_in_flight_weigh_as_used_until_their_claim_ends():
    in_flight = host_manager.ClaimsInFlight()
    a, b = _host("a"), _host("b", used_ram=256)
    wanted = manager.db_allocations.Resources(1, 512, 1)
    with in_flight.claiming("a", wanted):
        weighed = in_flight.weighed([a, b])
        assert [h.host for h in weights.sort_hosts(weighed, 1.0)] == ["b", "a"]
        assert (weighed[0].used_memory_mb, weighed[0].num_instances) == (512, 1)
        assert weighed[0].limits() == a.limits()
        with in_flight.claiming("b", wanted):
            assert [h.host for h in weights.sort_hosts(in_flight.weighed([a, b]), 1.0)] == [
                "a", "b"]
    assert in_flight.weighed([a, b]) == [a, b]
    with pytest.raises(RuntimeError), in_flight.claiming("a", wanted):
        raise RuntimeError("the claim failed")
    assert in_flight.weighed([a]) == [a]


def _compute(ctxt, host, ram=2048, up=True):
    svc = objects.Service.register(ctxt, host, "nova-compute", "compute")
    if not up:
        db_services.service_update(svc.id, {"last_seen_up": datetime.datetime(2000, 1, 1)})
    objects.ComputeNode.report(ctxt, host, {
        "hypervisor_hostname": host, "hypervisor_type": "TEST", "hypervisor_version": 2,
        "vcpus": 4, "memory_mb": ram, "local_gb": 20})


def _instance(ctxt, ram=1024):
    import uuid
    inst = objects.Instance(ctxt, uuid=str(uuid.uuid4()), display_name="vm",
                            project_id="p1", user_id="u", image_ref="i", flavor_id="1",
                            flavor_name="f", memory_mb=ram, vcpus=1, root_gb=1,
                            vm_state="building", task_state="scheduling", power_state=0)
    inst.create()
    return inst


def test_select_claims_so_the_next_boot_sees_the_usage(db, admin_ctxt):
    _compute(admin_ctxt, "compute1")
    _compute(admin_ctxt, "compute2")
    _compute(admin_ctxt, "compute3", up=False)
    sched = manager.SchedulerManager("sched")
    chosen = [sched.select_destinations(admin_ctxt, _instance(admin_ctxt)) for _ in range(4)]
    assert sorted(chosen) == ["compute1", "compute1", "compute2", "compute2"]
    with pytest.raises(messaging.ExpectedException) as err:
        sched.select_destinations(admin_ctxt, _instance(admin_ctxt))
    no_host = err.value.exc_info[1]
    assert isinstance(no_host, exception.NoValidHost)
    assert "not enough free RAM" in str(no_host)
    assert "compute3: compute service is down" in str(no_host)


def test_a_requested_zone_limits_the_hosts(db, admin_ctxt):
    from mininova.db import aggregates as db_aggregates

    _compute(admin_ctxt, "compute1", ram=8192)
    _compute(admin_ctxt, "compute2")
    agg = db_aggregates.aggregate_create("rack", "az1")
    db_aggregates.aggregate_host_add(agg.id, "compute2")
    sched = manager.SchedulerManager("sched")
    inst = _instance(admin_ctxt)
    inst.availability_zone = "az1"
    assert sched.select_destinations(admin_ctxt, inst) == "compute2"
    assert sched.select_destinations(admin_ctxt, _instance(admin_ctxt)) == "compute1"
    inst = _instance(admin_ctxt)
    inst.availability_zone = "nowhere"
    with pytest.raises(messaging.ExpectedException) as err:
        sched.select_destinations(admin_ctxt, inst)
    assert "not in the requested availability zone" in str(err.value.exc_info[1])


def test_a_lost_claim_moves_on_to_the_next_host(db, admin_ctxt, monkeypatch):
    from mininova.db import allocations as db_allocations

    _compute(admin_ctxt, "compute1", ram=8192)
    _compute(admin_ctxt, "compute2")
    real_claim = db_allocations.claim
    tried = []

    def claim_losing_the_first(consumer, host, *args, **kwargs):
        tried.append(host)
        return len(tried) > 1 and real_claim(consumer, host, *args, **kwargs)

    monkeypatch.setattr(db_allocations, "claim", claim_losing_the_first)
    inst = _instance(admin_ctxt)
    assert manager.SchedulerManager("sched").select_destinations(admin_ctxt, inst) == "compute2"
    assert tried == ["compute1", "compute2"]
    assert db_allocations.get_by_consumer(inst.uuid).host == "compute2"

    tried.clear()
    monkeypatch.setattr(db_allocations, "claim", lambda *args, **kwargs: False)
    with pytest.raises(messaging.ExpectedException) as err:
        manager.SchedulerManager("sched").select_destinations(admin_ctxt, _instance(admin_ctxt))
    assert "claimed full by concurrent builds" in str(err.value.exc_info[1])
