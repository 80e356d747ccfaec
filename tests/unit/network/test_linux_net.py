"""linux_net: the bridge and dnsmasq commands, and the host entries dnsmasq reads."""
import signal
from unittest import mock

import pytest

from mininova import exception
from mininova.network import linux_net


@pytest.fixture
def root():
    with mock.patch.object(linux_net.os, "geteuid", return_value=0):
        yield


@pytest.fixture
def execute():
    with mock.patch.object(linux_net.processutils, "execute",
                           return_value=("", "")) as execute:
        yield execute


def test_not_root_is_a_clear_error():
    with mock.patch.object(linux_net.os, "geteuid", return_value=1000):
        with pytest.raises(exception.HostNetworkError, match="needs root"):
            linux_net.ensure_bridge("mnbr0", "10.99.0.0/24", "10.99.0.1")


def test_ensure_bridge_creates_a_missing_bridge_with_the_gateway(root, execute):
    execute.side_effect = [linux_net.processutils.ProcessExecutionError(), ("", "")] + [
        ("", "")] * 4
    linux_net.ensure_bridge("mnbr0", "10.99.0.0/24", "10.99.0.1", mtu=1400)
    calls = [c.args for c in execute.call_args_list]
    assert calls[0] == ("ip", "link", "show", "dev", "mnbr0")
    assert ("ip", "link", "add", "name", "mnbr0", "type", "bridge") in calls
    assert ("ip", "link", "set", "dev", "mnbr0", "mtu", "1400") in calls
    assert ("ip", "addr", "replace", "10.99.0.1/24", "dev", "mnbr0") in calls
    assert calls[-1] == ("ip", "link", "set", "dev", "mnbr0", "up")


def test_ensure_bridge_leaves_an_existing_bridge(root, execute):
    linux_net.ensure_bridge("mnbr0", "10.99.0.0/24", "10.99.0.1")
    calls = [c.args for c in execute.call_args_list]
    assert not any(c[:3] == ("ip", "link", "add") for c in calls)


def test_metadata_address(root, execute):
    linux_net.ensure_metadata_address("mnbr0")
    execute.assert_called_once_with("ip", "addr", "replace", "169.254.169.254/32", "dev",
                                    "mnbr0", check_exit_code=True)


def _dnsmasq(tmp_path, **kwargs):
    return linux_net.Dnsmasq(str(tmp_path), "mnbr0", "10.99.0.0/24", "10.99.0.1",
                             **kwargs)


def test_command_serves_static_entries_only_on_the_bridge(tmp_path):
    cmd = _dnsmasq(tmp_path, dns_servers=["192.0.2.53"], mtu=1400).command()
    assert "--interface=mnbr0" in cmd and "--bind-interfaces" in cmd
    assert "--port=0" in cmd
    assert "--dhcp-range=set:mininova,10.99.0.0,static,255.255.255.0,86400s" in cmd
    assert f"--dhcp-hostsfile={tmp_path}/dnsmasq.hosts" in cmd
    assert f"--pid-file={tmp_path}/dnsmasq.pid" in cmd
    assert "--dhcp-option=tag:mininova,option:router,10.99.0.1" in cmd
    assert "--dhcp-option=tag:mininova,option:dns-server,192.0.2.53" in cmd
    assert "--dhcp-option-force=tag:mininova,option:mtu,1400" in cmd


def test_add_host_writes_the_entry_and_signals_dnsmasq(tmp_path, root):
    dhcp = _dnsmasq(tmp_path)
    with mock.patch.object(dhcp, "pid", return_value=4242), \
            mock.patch.object(linux_net.os, "kill") as kill:
        dhcp.add_host("52:54:00:AA:BB:CC", "10.99.0.5", "my server.example.org")
        dhcp.add_host("52:54:00:aa:bb:dd", "10.99.0.6", "")
    assert (tmp_path / "dnsmasq.hosts").read_text() == (
        "52:54:00:aa:bb:cc,10.99.0.5,my-server\n52:54:00:aa:bb:dd,10.99.0.6\n")
    kill.assert_called_with(4242, signal.SIGHUP)


def test_add_host_replaces_an_older_holder_of_the_address(tmp_path, root):
    dhcp = _dnsmasq(tmp_path)
    with mock.patch.object(dhcp, "pid", return_value=1), mock.patch.object(linux_net.os,
                                                                           "kill"):
        dhcp.add_host("52:54:00:00:00:01", "10.99.0.5", "a")
        dhcp.add_host("52:54:00:00:00:02", "10.99.0.5", "b")
    assert dhcp.hosts() == {"52:54:00:00:00:02": ("10.99.0.5", "b")}


def test_remove_host_restarts_dnsmasq_without_the_lease(tmp_path, root):
    dhcp = _dnsmasq(tmp_path)
    (tmp_path / "dnsmasq.hosts").write_text("52:54:00:00:00:01,10.99.0.5,a\n"
                                           "52:54:00:00:00:02,10.99.0.6,b\n")
    (tmp_path / "dnsmasq.leases").write_text(
        "1 52:54:00:00:00:01 10.99.0.5 a *\n1 52:54:00:00:00:02 10.99.0.6 b *\n")
    with mock.patch.object(dhcp, "_stop") as stop, \
            mock.patch.object(dhcp, "_start") as start:
        dhcp.remove_host("52:54:00:00:00:01", "10.99.0.5")
    stop.assert_called_once_with()
    start.assert_called_once_with()
    assert dhcp.hosts() == {"52:54:00:00:00:02": ("10.99.0.6", "b")}
    assert (tmp_path / "dnsmasq.leases").read_text() == "1 52:54:00:00:00:02 10.99.0.6 b *\n"


def test_removing_an_unknown_host_touches_nothing(tmp_path, root):
    dhcp = _dnsmasq(tmp_path)
    with mock.patch.object(dhcp, "_stop") as stop:
        dhcp.remove_host("52:54:00:00:00:09", "10.99.0.9")
    stop.assert_not_called()


def test_pid_ignores_a_pid_file_of_another_process(tmp_path):
    dhcp = _dnsmasq(tmp_path)
    (tmp_path / "dnsmasq.pid").write_text("1\n")
    assert dhcp.pid() is None
