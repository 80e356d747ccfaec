"""The RPC methods of live migration: conductor 1.6 live_migrate_instance (a cast), the
compute 1.7 steps (calls where the caller needs the answer, casts otherwise, each to the
host that does the step); each refused (ServiceUnavailable) under an older version cap."""
from unittest import mock

import oslo_messaging as messaging
import pytest

from mininova import conf
from mininova import exception
from mininova.compute import rpcapi as compute_rpcapi
from mininova.conductor import rpcapi as conductor_rpcapi

CONF = conf.CONF
INSTANCE = mock.Mock(host="src", uuid="u1")
MIGRATION = mock.Mock(id=7)


@pytest.fixture
def transport():
    return messaging.get_rpc_transport(CONF, url="fake://")


def test_live_migrate_instance_is_a_cast_to_the_conductor(transport, flags):
    api = conductor_rpcapi.ConductorAPI(transport)
    prepared = mock.Mock()
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        api.live_migrate_instance("ctxt", INSTANCE, "dst", None, True)
    assert prepare.call_args.kwargs == {"version": "1.6"}
    prepared.cast.assert_called_once_with("ctxt", "live_migrate_instance", instance=INSTANCE,
                                          host="dst", block_migration=None, force=True)
    flags(conductor="1.5", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        conductor_rpcapi.ConductorAPI(transport).live_migrate_instance(
            "ctxt", INSTANCE, None, None, False)


@pytest.mark.parametrize("method, args, kind, server, kwargs", [
    ("check_can_live_migrate_destination", ("dst", False, MIGRATION), "call", "dst",
     {"block_migration": False, "migration": MIGRATION}),
    ("check_can_live_migrate_source", ({"probe": "p"},), "call", "src",
     {"dest_check_data": {"probe": "p"}}),
    ("pre_live_migration", (MIGRATION, {"a": 1}, "dst"), "call", "dst",
     {"migration": MIGRATION, "migrate_data": {"a": 1}}),
    ("live_migration", (MIGRATION, {"a": 1}), "cast", "src",
     {"migration": MIGRATION, "migrate_data": {"a": 1}}),
    ("post_live_migration_at_destination", (MIGRATION, "dst"), "call", "dst",
     {"migration": MIGRATION}),
    ("rollback_live_migration_at_destination", ("dst",), "cast", "dst", {}),
    ("live_migration_abort", (7,), "cast", "src", {"migration_id": 7}),
    ("live_migration_force_complete", (MIGRATION,), "cast", "src",
     {"migration": MIGRATION}),
])
def test_each_step_goes_to_its_host_at_1_7(transport, flags, method, args, kind, server,
                                           kwargs):
    api = compute_rpcapi.ComputeAPI(transport)
    prepared = mock.Mock()
    with mock.patch.object(api.client, "prepare", return_value=prepared) as prepare:
        getattr(api, method)("ctxt", INSTANCE, *args)
    assert prepare.call_args.kwargs == {"server": server, "version": "1.7"}
    getattr(prepared, kind).assert_called_once_with("ctxt", method, instance=INSTANCE,
                                                    **kwargs)
    flags(compute="1.6", group="upgrade_levels")
    with pytest.raises(exception.ServiceUnavailable):
        getattr(compute_rpcapi.ComputeAPI(transport), method)("ctxt", INSTANCE, *args)
