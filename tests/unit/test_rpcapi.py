"""Every rpcapi method: cast or call, the method name, server=host and the version."""
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import conf
from mininova import exception
from mininova.compute import rpcapi as compute_rpcapi
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.scheduler import rpcapi as scheduler_rpcapi

CONF = conf.CONF


@pytest.fixture
def transport():
    return messaging.get_rpc_transport(CONF, url="fake://")


def _check(api, method, rpc_method, expected_server, args, kwargs, returns=None,
           version="1.0"):
    """Call ``method`` on the client and assert the prepared target and the send."""
    prepared = mock.Mock()
    getattr(prepared, rpc_method).return_value = returns
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        result = getattr(api, method)("ctxt", *args)
    prepare_kwargs = prepare.call_args.kwargs
    assert prepare_kwargs.get("server") == expected_server
    assert prepare_kwargs["version"] == version
    getattr(prepared, rpc_method).assert_called_once_with("ctxt", method, **kwargs)
    return result


INSTANCE = mock.Mock(host="compute7", uuid="u1")


@pytest.mark.parametrize("method, args, kwargs", [
    ("start_instance", (INSTANCE,), {"instance": INSTANCE}),
    ("stop_instance", (INSTANCE,), {"instance": INSTANCE}),
    ("reboot_instance", (INSTANCE, "HARD"), {"instance": INSTANCE, "reboot_type": "HARD"}),
    ("terminate_instance", (INSTANCE,), {"instance": INSTANCE}),
])
def test_compute_methods_cast_to_the_instance_host(transport, method, args, kwargs):
    _check(compute_rpcapi.ComputeAPI(transport), method, "cast", "compute7", args, kwargs)


def test_build_casts_to_the_chosen_host(transport):
    _check(compute_rpcapi.ComputeAPI(transport), "build_and_run_instance", "cast",
           "compute9", (INSTANCE, "img", "compute9"), {"instance": INSTANCE, "image": "img"})


def test_select_destinations_is_a_call(transport):
    host = _check(scheduler_rpcapi.SchedulerAPI(transport), "select_destinations", "call",
                  None, (INSTANCE,), {"instance": INSTANCE}, returns="compute1")
    assert host == "compute1"


def test_schedule_and_build_is_one_cast_for_all_instances(transport):
    other = mock.Mock(host=None, uuid="u2")
    _check(conductor_rpcapi.ConductorAPI(transport), "schedule_and_build_instances", "cast",
           None, ([INSTANCE, other],), {"instances": [INSTANCE, other],
                                        "requested_networks": None}, version="1.2")


def test_schedule_and_build_capped_at_1_1_gives_no_requested_networks(transport, flags):
    flags(conductor="1.1", group="upgrade_levels")
    api = conductor_rpcapi.ConductorAPI(transport)
    prepared = mock.Mock()
    with mock.patch.object(api.client, "can_send_version", side_effect=lambda v: v <= "1.1"), \
            mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        api.schedule_and_build_instances("ctxt", [INSTANCE], requested_networks=[])
    prepare.assert_called_once_with(version="1.1")
    prepared.cast.assert_called_once_with("ctxt", "schedule_and_build_instances",
                                          instances=[INSTANCE])


def test_schedule_and_build_capped_at_1_0_casts_each_instance(transport, flags):
    flags(conductor="1.0", group="upgrade_levels")
    api = conductor_rpcapi.ConductorAPI(transport)
    assert not api.client.can_send_version("1.1")
    other = mock.Mock(host=None, uuid="u2")
    prepared = mock.Mock()
    with mock.patch.object(api.client, "can_send_version", return_value=False), \
            mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        api.schedule_and_build_instances("ctxt", [INSTANCE, other])
    prepare.assert_called_once_with(version="1.0")
    assert prepared.cast.call_args_list == [
        mock.call("ctxt", "schedule_and_build_instances", instance=INSTANCE),
        mock.call("ctxt", "schedule_and_build_instances", instance=other)]


def test_object_action_is_a_call(transport):
    result = _check(conductor_rpcapi.ConductorAPI(transport), "object_action", "call", None,
                    (INSTANCE, "save", (), {}),
                    {"objinst": INSTANCE, "objmethod": "save", "args": (), "kwargs": {}},
                    returns=({}, None))
    assert result == ({}, None)


def test_version_cap_comes_from_upgrade_levels(transport, flags):
    flags(compute="1.0", group="upgrade_levels")
    assert compute_rpcapi.ComputeAPI(transport).client.version_cap == "1.0"


def test_console_output_is_a_call_to_the_host(transport):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    prepared.call.return_value = "login:"
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        assert api.get_console_output("ctxt", INSTANCE, 5) == "login:"
    assert prepare.call_args.kwargs == {"server": "compute7", "version": "1.1"}
    prepared.call.assert_called_once_with("ctxt", "get_console_output", instance=INSTANCE,
                                          tail_length=5)


def test_console_output_timeout_becomes_a_clear_error(transport):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    prepared.call.side_effect = messaging.MessagingTimeout("late")
    with mock.patch.object(api.client, "prepare", return_value=prepared):
        with pytest.raises(exception.RPCTimeout) as err:
            api.get_console_output("ctxt", INSTANCE, None)
    assert err.value.code == 504 and "compute7" in str(err.value)


def test_host_uptime_is_a_call_to_that_host(transport):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    prepared.call.return_value = "up 3 days"
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        assert api.get_host_uptime("ctxt", "compute7") == "up 3 days"
    assert prepare.call_args.kwargs == {"server": "compute7", "version": "1.2"}
    prepared.call.assert_called_once_with("ctxt", "get_host_uptime")
    prepared.call.side_effect = messaging.MessagingTimeout("late")
    with mock.patch.object(api.client, "prepare", return_value=prepared):
        with pytest.raises(exception.RPCTimeout):
            api.get_host_uptime("ctxt", "compute7")


def test_host_uptime_refused_under_an_older_version_cap(transport, flags):
    flags(compute="1.1", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        compute_rpcapi.ComputeAPI(transport).get_host_uptime("ctxt", "compute7")


def test_rebuild_is_a_cast_to_the_instance_host(transport):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        api.rebuild_instance("ctxt", INSTANCE, "img", True)
    assert prepare.call_args.kwargs == {"server": "compute7", "version": "1.3"}
    prepared.cast.assert_called_once_with("ctxt", "rebuild_instance", instance=INSTANCE,
                                          image="img", preserve_ephemeral=True)


def test_diagnostics_is_a_call_to_the_instance_host(transport):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    prepared.call.return_value = {"state": "running"}
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        assert api.get_instance_diagnostics("ctxt", INSTANCE) == {"state": "running"}
    assert prepare.call_args.kwargs == {"server": "compute7", "version": "1.4"}
    prepared.call.assert_called_once_with("ctxt", "get_instance_diagnostics",
                                          instance=INSTANCE)
    prepared.call.side_effect = messaging.MessagingTimeout("late")
    with mock.patch.object(api.client, "prepare", return_value=prepared):
        with pytest.raises(exception.RPCTimeout):
            api.get_instance_diagnostics("ctxt", INSTANCE)


@pytest.mark.parametrize("cap, method, args", [
    ("1.2", "rebuild_instance", (INSTANCE, "img", False)),
    ("1.3", "get_instance_diagnostics", (INSTANCE,)),
])
def test_rebuild_and_diagnostics_refused_under_an_older_version_cap(transport, flags, cap,
                                                                     method, args):
    flags(compute=cap, group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        getattr(compute_rpcapi.ComputeAPI(transport), method)("ctxt", *args)


@pytest.mark.parametrize("method", ["prep_resize", "resize_instance", "finish_resize",
                                    "confirm_resize", "revert_resize",
                                    "finish_revert_resize"])
def test_move_steps_cast_to_the_named_host(transport, flags, method):
    migration = mock.Mock(id=3)
    _check(compute_rpcapi.ComputeAPI(transport), method, "cast", "compute9",
           (INSTANCE, migration, "compute9"), {"instance": INSTANCE, "migration": migration},
           version="1.5")
    flags(compute="1.4", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        getattr(compute_rpcapi.ComputeAPI(transport), method)("ctxt", INSTANCE, migration,
                                                              "compute9")


def test_migrate_server_is_a_cast_to_the_conductor(transport, flags):
    _check(conductor_rpcapi.ConductorAPI(transport), "migrate_server", "cast", None,
           (INSTANCE, "flavor", "compute2"),
           {"instance": INSTANCE, "flavor": "flavor", "host": "compute2"}, version="1.4")
    flags(conductor="1.3", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        conductor_rpcapi.ConductorAPI(transport).migrate_server("ctxt", INSTANCE)


def test_select_destinations_for_a_move_is_a_call_with_the_spec(transport, flags):
    api = scheduler_rpcapi.SchedulerAPI(transport)
    prepared = mock.Mock()
    prepared.call.return_value = "compute1"
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        assert api.select_destinations_for_move("ctxt", "spec") == "compute1"
    assert prepare.call_args.kwargs == {"version": "1.2"}
    prepared.call.assert_called_once_with("ctxt", "select_destinations", request_spec="spec")
    flags(scheduler="1.1", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        scheduler_rpcapi.SchedulerAPI(transport).select_destinations_for_move("ctxt", "x")
