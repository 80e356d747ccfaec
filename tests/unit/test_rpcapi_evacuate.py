"""The RPC methods of evacuate: conductor 1.5 evacuate_server, compute 1.6
rebuild_instance(recreate) to the destination, scheduler 1.1 select_destinations for a
move; each refused (ServiceUnavailable) under an older version cap."""
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import conf
from mininova import exception
from mininova.compute import rpcapi as compute_rpcapi
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.scheduler import rpcapi as scheduler_rpcapi

CONF = conf.CONF
INSTANCE = mock.Mock(host="compute7", uuid="u1")


@pytest.fixture
def transport():
    return messaging.get_rpc_transport(CONF, url="fake://")


def _sent(api, method, *args, **kwargs):
    prepared = mock.Mock()
    prepared.call.return_value = "compute2"
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        getattr(api, method)("ctxt", *args, **kwargs)
    return prepare.call_args.kwargs, prepared


def test_evacuate_server_is_a_cast_to_the_conductor(transport):
    target, prepared = _sent(conductor_rpcapi.ConductorAPI(transport), "evacuate_server",
                             INSTANCE, "compute2", "stopped")
    assert target == {"version": "1.5"}
    prepared.cast.assert_called_once_with("ctxt", "evacuate_server", instance=INSTANCE,
                                          host="compute2", target_state="stopped")


def test_recreate_casts_the_rebuild_to_the_destination(transport):
    target, prepared = _sent(compute_rpcapi.ComputeAPI(transport), "rebuild_instance",
                             INSTANCE, "img", False, host="compute2", recreate=True,
                             target_state=None)
    assert target == {"server": "compute2", "version": "1.6"}
    prepared.cast.assert_called_once_with(
        "ctxt", "rebuild_instance", instance=INSTANCE, image="img",
        preserve_ephemeral=False, recreate=True, target_state=None)


def test_a_move_asks_the_scheduler_at_1_1(transport):
    target, prepared = _sent(scheduler_rpcapi.SchedulerAPI(transport),
                             "select_destinations", INSTANCE, ignore_hosts=["compute7"],
                             requested_host=None)
    assert target == {"version": "1.1"}
    prepared.call.assert_called_once_with(
        "ctxt", "select_destinations", instance=INSTANCE, ignore_hosts=["compute7"],
        requested_host=None)


@pytest.mark.parametrize("group, cap, make, method, args, kwargs", [
    ("conductor", "1.4", conductor_rpcapi.ConductorAPI, "evacuate_server",
     (INSTANCE, None), {}),
    ("compute", "1.5", compute_rpcapi.ComputeAPI, "rebuild_instance",
     (INSTANCE, "img", False), {"host": "compute2", "recreate": True}),
    ("scheduler", "1.0", scheduler_rpcapi.SchedulerAPI, "select_destinations",
     (INSTANCE,), {"ignore_hosts": ["compute7"]}),
])
def test_refused_under_an_older_version_cap(transport, flags, group, cap, make, method,
                                            args, kwargs):
    flags(**{group: cap}, group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        getattr(make(transport), method)("ctxt", *args, **kwargs)
