"""etc/systemd/ and stack.sh's systemd path under a real systemd (PID 1 of a container,
or of a QEMU guest: conftest.py).

The tests share one machine and run in file order: each leaves the cloud working for the
next (a server created first is stopped, started, drained, rebooted with the machine).

The computes run libvirt's test hypervisor, which lives inside each compute process: a
compute that restarts (kill -9, systemctl stop/restart, a reboot) comes back without the
guests it ran. Its init finds them gone and records them SHUTOFF with no task_state, as
Nova does for a guest that stopped behind its back (Nova's resume_guests_state_on_host_boot
is not implemented); they start again from their records (``_lost_guests_start_again``).
"""
import re

import pytest

from tests.functional_systemd.conftest import BROKER
from tests.functional_systemd.conftest import COMPUTE_HOSTS
from tests.functional_systemd.conftest import UNITS
from tests.functional_systemd.conftest import record_measure
from tests.functional_systemd.guest import wait_for

BINARY = {"mininova-conductor.service": "mininova-conductor",
          "mininova-scheduler.service": "mininova-scheduler",
          "mininova-api.service": "mininova-api",
          **{f"mininova-compute@{h}.service": "mininova-compute" for h in COMPUTE_HOSTS}}
RESTART_TIMEOUT = 240


def _active(cloud, unit: str) -> bool:
    return cloud.guest.out(f"systemctl is-active {unit} || true") == "active"


def _image_id(cloud) -> str:
    code, body = cloud.api("GET", "/images")
    assert code == 200, body
    return next(i["id"] for i in body["images"] if i["name"] == "tiny")


def _create(cloud, name: str) -> str:
    code, body = cloud.api("POST", "/servers", {"server": {
        "name": name, "flavorRef": "1", "imageRef": _image_id(cloud)}})
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.servers[name] = sid
    cloud.wait_for_status(sid, "ACTIVE")
    return sid


def _action(cloud, sid: str, action: dict) -> str:
    return cloud.action(sid, action)


def _running(cloud, host: str | None = None) -> list[str]:
    """The ids of the ACTIVE servers (on ``host`` only, if given)."""
    code, body = cloud.api("GET", "/servers/detail")
    assert code == 200, body
    return [s["id"] for s in body["servers"] if s["status"] == "ACTIVE"
            and host in (None, s["OS-EXT-SRV-ATTR:host"])]


def _lost_guests_start_again(cloud, sids: list[str]) -> None:
    """Servers that were running on a compute that restarted since: SHUTOFF with no
    task_state (the test hypervisor went with the old process), then ACTIVE again."""
    for sid in sids:
        cloud.wait_for_status(sid, "SHUTOFF")
        _action(cloud, sid, {"os-start": None})
    for sid in sids:
        cloud.wait_for_status(sid, "ACTIVE")


def _stop_start(cloud, sid: str) -> None:
    _action(cloud, sid, {"os-stop": None})
    cloud.wait_for_status(sid, "SHUTOFF")
    _action(cloud, sid, {"os-start": None})
    cloud.wait_for_status(sid, "ACTIVE")


def _seconds(span: str) -> int:
    """A systemd time span such as "1min 30s" in seconds."""
    units = {"min": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(min|s)\b", span))


def _no_task_states(cloud) -> None:
    code, body = cloud.api("GET", "/servers/detail")
    assert code == 200, body
    busy = [(s["name"], s["OS-EXT-STS:task_state"]) for s in body["servers"]
            if s["OS-EXT-STS:task_state"] is not None]
    assert not busy, busy


def test_stack_sh_took_the_systemd_path(cloud):
    assert "services: systemd units (mininova.target)" in cloud.stack_output
    guest = cloud.guest
    assert guest.out("systemctl is-enabled mininova.target") == "enabled"
    assert _active(cloud, "mininova.target")
    for unit in UNITS:
        assert guest.out(f"systemctl is-enabled {unit}") == "enabled", unit
        assert _active(cloud, unit), guest.out(f"systemctl status --no-pager {unit} || true")
        pid = cloud.main_pid(unit)
        assert pid > 0, unit
        cmdline = guest.out(f"tr '\\0' ' ' </proc/{pid}/cmdline")
        assert f"/bin/{BINARY[unit]} " in cmdline, (unit, cmdline)
        if "@" in unit:
            host = unit.split("@")[1].split(".")[0]
            assert f"compute-{host}.conf" in cmdline, (unit, cmdline)
        status = guest.out(f"systemctl status --no-pager {unit} || true")
        assert f"Main PID: {pid} " in status, status
    # NOTE: gunicorn's control socket in the API unit's RuntimeDirectory, not ~/.gunicorn.
    assert guest.ok("test -S /run/mininova-api/gunicorn.ctl && test ! -e /root/.gunicorn")


def test_a_server_boots_stops_and_starts_through_curl(cloud):
    sid = _create(cloud, "vm1")
    _stop_start(cloud, sid)


def test_kill_9_of_each_main_pid_is_restarted_by_systemd(cloud):
    running = _running(cloud)
    since = cloud.guest_time()
    old = {unit: cloud.main_pid(unit) for unit in UNITS}
    # NOTE: all at once (one restart wave under TCG, not five one after the other).
    cloud.guest.run("kill -9 " + " ".join(str(pid) for pid in old.values()))
    for unit in UNITS:
        def restarted(unit=unit) -> bool:
            pid = cloud.main_pid(unit)
            return pid not in (0, old[unit]) and _active(cloud, unit)
        wait_for(f"systemd to restart {unit} after kill -9", restarted, RESTART_TIMEOUT)
        journal = cloud.guest.out(f"journalctl --no-pager -u {unit} --since @{since}")
        assert "status=9/KILL" in journal, journal
        assert int(cloud.guest.out(f"systemctl show -p NRestarts --value {unit}")) >= 1
    cloud.services_up_since(since)
    _no_task_states(cloud)
    _lost_guests_start_again(cloud, running)
    _stop_start(cloud, cloud.servers["vm1"])
    _create(cloud, "vm2")


def test_stopping_a_compute_drains_its_stop_request(cloud):
    sid = cloud.servers["vm1"]
    code, body = cloud.api("GET", f"/servers/{sid}")
    host = body["server"]["OS-EXT-SRV-ATTR:host"]
    unit = f"mininova-compute@{host}.service"
    others = [s for s in _running(cloud, host) if s != sid]
    conductor = cloud.main_pid("mininova-conductor.service")
    timeout_stop = _seconds(cloud.guest.out(f"systemctl show -p TimeoutStopUSec --value {unit}"))
    since = cloud.guest_time()
    # NOTE: a paused conductor holds the stop inside the compute (its RPC call waits).
    cloud.guest.run(f"kill -STOP {conductor}")
    try:
        rid = _action(cloud, sid, {"os-stop": None})
        wait_for("the compute to be inside the stop request", lambda: cloud.guest.ok(
            f"journalctl --no-pager -u {unit} --since @{since} | grep -q {rid}"), 60)
        cloud.guest.run(f"systemctl stop --no-block {unit}")
        wait_for(f"{unit} to be stopping", lambda: cloud.guest.out(
            f"systemctl is-active {unit} || true") == "deactivating", 30)
        stop_at = cloud.guest_time()
    finally:
        cloud.guest.run(f"kill -CONT {conductor}")
    wait_for(f"{unit} to exit", lambda: cloud.guest.out(
        f"systemctl is-active {unit} || true") in ("inactive", "failed"), timeout_stop + 30)
    took = cloud.guest_time() - stop_at
    record_measure(f"compute drain under systemctl stop: {took}s (TimeoutStopSec "
                   f"{timeout_stop}s)")
    assert took < timeout_stop
    assert cloud.guest.out(f"systemctl is-active {unit} || true") == "inactive"
    journal = cloud.guest.out(f"journalctl --no-pager -u {unit} --since @{since}")
    assert "draining in-flight requests" in journal, journal
    assert "Killing" not in journal and "exiting anyway" not in journal, journal
    server = cloud.server(sid)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("SHUTOFF", None), server
    cloud.guest.run(f"systemctl start {unit}")
    cloud.services_up_since(cloud.guest_time())
    _lost_guests_start_again(cloud, [sid, *others])


def test_missing_config_fails_clearly_and_recovers_by_restart_policy(cloud):
    host = COMPUTE_HOSTS[-1]
    unit = f"mininova-compute@{host}.service"
    conf = f"/etc/mininova/compute-{host}.conf"
    running = _running(cloud, host)
    since = cloud.guest_time()
    cloud.guest.run(f"mv {conf} /root/held.conf && systemctl restart --no-block {unit}")
    try:
        wait_for(f"{unit} to fail over its missing config", lambda: cloud.guest.ok(
            f"journalctl --no-pager -u {unit} --since @{since} | grep -qF {conf}"), 120)
        journal = cloud.guest.out(f"journalctl --no-pager -u {unit} --since @{since}")
        assert re.search(r"cannot start: Failed to find some config files", journal), journal
    finally:
        cloud.guest.run(f"mv /root/held.conf {conf}")
    # NOTE: nobody starts it: Restart=on-failure does, once the file is back.
    wait_for(f"{unit} to come back by itself", lambda: _active(cloud, unit), RESTART_TIMEOUT)
    cloud.services_up_since(cloud.guest_time())
    _lost_guests_start_again(cloud, running)


def _journal(cloud, unit: str, since: int) -> str:
    return cloud.guest.out(f"journalctl --no-pager -o cat -u {unit} --since @{since}")


def test_a_broker_not_up_yet_is_named_and_waited_for(cloud):
    """A service started while its broker does not answer says so and keeps trying; it
    comes up by itself once the broker answers, with no restart (no crash loop)."""
    unit = "mininova-scheduler.service"
    hosts = cloud.guest.out(f"grep ' {BROKER}$' /etc/hosts")
    since = cloud.guest_time()
    # NOTE: nothing listens on 127.0.0.2: the broker's name now leads nowhere.
    cloud.guest.run(f"sed -i 's/^.* {BROKER}$/127.0.0.2 {BROKER}/' /etc/hosts && "
                    f"systemctl restart {unit}")
    try:
        wait_for("the scheduler to say its broker does not answer", lambda: re.search(
            r"Connection failed: .*Connection refused \(retrying in",
            _journal(cloud, unit, since)), 60)
        journal = _journal(cloud, unit, since)
        assert re.search(rf"listening on topic scheduler at rabbit://{BROKER}:\d+/", journal), (
            journal)
        assert "started on host" not in journal, journal
        assert _active(cloud, unit)
    finally:
        cloud.guest.run(f"sed -i 's/^.* {BROKER}$/{hosts}/' /etc/hosts")
    wait_for("the scheduler to start once its broker answers", lambda: "started on host"
             in _journal(cloud, unit, since), RESTART_TIMEOUT)
    # NOTE: systemctl restart set the count to 0: it stayed there, no automatic restart.
    assert cloud.guest.out(f"systemctl show -p NRestarts --value {unit}") == "0"
    cloud.services_up_since(cloud.guest_time())


def test_a_database_not_migrated_fails_clearly_until_it_is(cloud):
    """A service whose database is not migrated ends with one journal line saying so;
    systemd's restart policy retries it and it comes up once ``db sync`` ran."""
    unit = "mininova-scheduler.service"
    conf = "/etc/mininova/mininova.conf"
    empty = "sqlite:////var/lib/mininova/not-migrated.sqlite"
    since = cloud.guest_time()
    cloud.guest.run(f"cp {conf} /root/mininova.conf.held && sed -i "
                    f"'/^\\[database\\]/,/^\\[/ s|^connection = .*|connection = {empty}|' "
                    f"{conf} && grep -qF {empty} {conf} && systemctl restart --no-block {unit}")
    try:
        wait_for("a second try of the scheduler on its empty database", lambda: int(
            cloud.guest.out(f"systemctl show -p NRestarts --value {unit}") or 0) >= 2 and
            _journal(cloud, unit, since).count("run mininova-manage db sync") >= 2,
            RESTART_TIMEOUT)
        journal = _journal(cloud, unit, since)
        assert ("mininova-scheduler: cannot start: the database at sqlite:////var/lib/"
                "mininova/not-migrated.sqlite is at revision none (empty)") in journal, journal
        assert "Traceback" not in journal, journal
        cloud.guest.run(f"/opt/mininova/venv/bin/mininova-manage --config-file {conf} "
                        "db sync")
        wait_for("the scheduler to come up by itself on the migrated database",
                 lambda: "started on host" in _journal(cloud, unit, since), RESTART_TIMEOUT)
    finally:
        cloud.guest.run(f"mv /root/mininova.conf.held {conf} && "
                        f"rm -f /var/lib/mininova/not-migrated.sqlite*")
    cloud.guest.run(f"systemctl restart {unit}")
    cloud.services_up_since(cloud.guest_time())


def test_journal_shows_request_ids(cloud):
    since = cloud.guest_time()
    out = cloud.guest.out("curl -s -D - -o /dev/null -H 'X-Auth-Token: admin:admin' "
                          f"{cloud.api_url}/servers")
    rid = re.search(r"(?i)x-openstack-request-id: (req-[0-9a-f-]+)", out).group(1)
    wait_for("the request id in mininova-api's journal", lambda: cloud.guest.ok(
        f"journalctl --no-pager -u mininova-api --since @{since} | grep -q {rid}"), 30)


def test_reboot_brings_everything_back(cloud):
    _action(cloud, cloud.servers["vm2"], {"os-stop": None})
    cloud.wait_for_status(cloud.servers["vm2"], "SHUTOFF")
    running = _running(cloud)
    assert running == [cloud.servers["vm1"]], running
    before = cloud.booted_at()
    cloud.guest.reboot(timeout=300)
    booted = cloud.booted_at()
    assert booted > before, (before, booted)
    for unit in ("mininova.target", *UNITS):
        wait_for(f"{unit} after the reboot", lambda unit=unit: _active(cloud, unit),
                 RESTART_TIMEOUT)
    cloud.services_up_since(booted)
    # NOTE: the stopped vm2 stays stopped; vm1's guest did not survive the reboot.
    _no_task_states(cloud)
    cloud.wait_for_status(cloud.servers["vm2"], "SHUTOFF")
    _lost_guests_start_again(cloud, running)
    _stop_start(cloud, cloud.servers["vm1"])


def test_unstack_disables_and_stops_everything(cloud):
    cloud.guest.run("/srv/mininova/devstack-lite/unstack.sh", timeout=300)
    for unit in ("mininova.target", *UNITS):
        assert cloud.guest.out(f"systemctl is-active {unit} || true") == "inactive", unit
        assert cloud.guest.out(f"systemctl is-enabled {unit} || true") == "disabled", unit


@pytest.fixture(autouse=True)
def _guest_alive(cloud):
    """A test that killed the guest fails itself, not every test after it."""
    assert cloud.guest.alive(), cloud.guest.console_tail()
