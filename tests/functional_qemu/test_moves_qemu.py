"""Moves of real QEMU guests between two libvirt hosts on this machine (``twohosts.py``):
a live migration of a running guest, aborted half-way first (it stays where it was),
then done, with its console counter going on counting across the move; and a cold
migration, after which the guest boots on the other host.

The two hosts join the session's mininova (``qemu_mininova``: API, conductor, scheduler,
images) with their own computes, each inside its host's namespaces, reaching RabbitMQ
over the host bridge; the session's own compute (qemu1) is disabled meanwhile, so that
guests land on the two hosts.
"""
import re
import shutil
import signal
import subprocess
import time

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import _find_script
from tests.functional.test_operations import _broker_listening_on
from tests.functional.test_operations import _rabbit_user
from tests.functional_qemu.conftest import COMPUTE_HOST
from tests.functional_qemu.conftest import FLAVOR
from tests.functional_qemu.conftest import MARKER
from tests.functional_qemu.conftest import record_measure
from tests.functional_qemu.twohosts import TwoHosts

HOSTS = ("qemu-a", "qemu-b")
MICRO = {"OpenStack-API-Version": "compute 2.80"}
RABBIT_PORT = 5672
DEADLINE = 300.0  # a move of a TCG guest on a loaded machine, boot included
TICK = re.compile(r"MININOVA-GUEST-TICK (\d+)")
UNLIMITED = str(2 ** 63 // 2 ** 20 - 1)  # MiB/s: libvirt's "no limit" for QEMU


def _wait(check, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {deadline}s waiting for {what}")


def _compute_service(api: ApiClient, host: str) -> dict | None:
    services = api.get("/v2.1/os-services", headers=MICRO).json()["services"]
    return next((s for s in services if s["binary"] == "nova-compute"
                 and s["host"] == host), None)


def _set_status(api: ApiClient, host: str, status: str) -> None:
    service = _compute_service(api, host)
    resp = api.request("PUT", f"/v2.1/os-services/{service['id']}",
                       body={"status": status}, headers=MICRO)
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def two_hosts(qemu_mininova, rabbit_vhost):
    """The two hosts, each with its compute up; removed with all they ran afterwards."""
    for tool in ("nsenter", "unshare", "ip"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (util-linux, iproute2) is needed for the two hosts")
    base = qemu_mininova.state_path.parent / "hosts"
    base.mkdir()
    pair = TwoHosts(base, qemu_mininova.state_path, HOSTS, qemu_mininova.log_dir)
    api = ApiClient(qemu_mininova.api_url)
    services = qemu_mininova.services
    computes = []
    try:
        started = time.monotonic()
        try:
            pair.start()
        except RuntimeError as exc:
            pytest.fail(f"the two libvirt hosts did not start: {exc}")
        record_measure(f"two namespaced libvirtds up in {time.monotonic() - started:.1f}s")
        conf = qemu_mininova.state_path.parent / "mininova.conf"
        with _broker_listening_on(pair.gateway), \
                _rabbit_user(rabbit_vhost) as (user, password):
            for host in pair.hosts:
                host_conf = base / f"{host.name}.conf"
                host_conf.write_text(
                    f"[DEFAULT]\nhost = {host.name}\ntransport_url = rabbit://{user}:"
                    f"{password}@{pair.gateway}:{RABBIT_PORT}/{rabbit_vhost}\n"
                    f"[libvirt]\nlive_migration_inbound_addr = {host.address}\n")
                computes.append(services.start(f"mininova-compute-{host.name}", [
                    *host.enter, _find_script("mininova-compute"), "--config-file",
                    str(conf), "--config-file", str(host_conf)]))

            def up():
                services.check_alive()
                return all((_compute_service(api, name) or {}).get("state") == "up"
                           for name in HOSTS)
            _wait(up, "the two hosts' computes to be up", 120)
            _set_status(api, COMPUTE_HOST, "disabled")
            yield pair
    finally:
        if _compute_service(api, COMPUTE_HOST):
            _set_status(api, COMPUTE_HOST, "enabled")
        for proc in computes:
            proc.popen.send_signal(signal.SIGTERM)
            try:
                proc.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
            services.processes.remove(proc)
        pair.stop()
        for name in HOSTS:
            service = _compute_service(api, name)
            if service:
                resp = api.delete(f"/v2.1/os-services/{service['id']}", headers=MICRO)
                if resp.status_code != 204:
                    print(f"service {name} not deleted: {resp.status_code} {resp.text}")


def _host_of(server: dict) -> str:
    return server["OS-EXT-SRV-ATTR:host"]


def _other(pair: TwoHosts, name: str):
    return next(host for host in pair.hosts if host.name != name)


def _this(pair: TwoHosts, name: str):
    return next(host for host in pair.hosts if host.name == name)


def _settled(api: ApiClient, sid: str) -> dict | None:
    """The server once no task is left on it (its move ended), else None."""
    server = api.show_server(sid)
    return server if server["OS-EXT-STS:task_state"] is None else None


def _migration(api: ApiClient, sid: str, migration_id: int) -> dict:
    migrations = api.get(f"/v2.1/os-migrations?instance_uuid={sid}",
                         headers=MICRO).json()["migrations"]
    return next(m for m in migrations if m["id"] == migration_id)


def _ticks(console: str) -> list[int]:
    return [int(n) for n in TICK.findall(console)]


def test_live_migration_keeps_the_guest_running(two_hosts, guests, api):
    server = guests.boot("live-moved", image="tiny-tick", deadline=DEADLINE)
    sid, name = server["id"], server["OS-EXT-SRV-ATTR:instance_name"]
    source = _this(two_hosts, _host_of(server))
    dest = _other(two_hosts, source.name)
    guests.wait_console(sid, "MININOVA-GUEST-TICK 3", deadline=DEADLINE)

    # A move slowed down to 1 MiB/s (libvirt's per-domain speed) is aborted half-way:
    # the guest stays, running, where it was.
    source.virsh("migrate-setspeed", name, "1")
    resp = api.post(f"/v2.1/servers/{sid}/action", {"os-migrateLive": {
        "host": dest.name, "block_migration": "auto"}}, headers=MICRO)
    assert resp.status_code == 202, resp.text
    running = _wait(lambda: [m for m in api.get(f"/v2.1/servers/{sid}/migrations",
                                                headers=MICRO).json()["migrations"]
                             if m["status"] == "running"], "the live migration to run")
    aborted = time.monotonic()
    resp = api.delete(f"/v2.1/servers/{sid}/migrations/{running[0]['id']}", headers=MICRO)
    assert resp.status_code == 202, resp.text
    server = _wait(lambda: _settled(api, sid), "the aborted live migration to end")
    record_measure(f"abort of a live migration at 1 MiB/s: {time.monotonic() - aborted:.1f}s "
                   "from DELETE to the server settled on its source")
    assert (_host_of(server), server["status"]) == (source.name, "ACTIVE"), server
    assert _migration(api, sid, running[0]["id"])["status"] == "cancelled"
    assert source.virsh("domstate", name).strip() == "running"
    _wait(lambda: name not in dest.domains(), "the destination to remove its guest", 60)
    source.virsh("migrate-setspeed", name, UNLIMITED)
    before = _ticks(guests.console(sid))[-1]
    _wait(lambda: _ticks(guests.console(sid))[-1] > before, "the counter after the abort")

    before = _ticks(guests.console(sid))[-1]
    started = time.monotonic()
    resp = api.post(f"/v2.1/servers/{sid}/action", {"os-migrateLive": {
        "host": dest.name, "block_migration": "auto"}}, headers=MICRO)
    assert resp.status_code == 202, resp.text

    server = _wait(lambda: _settled(api, sid), "the live migration to end")
    elapsed = time.monotonic() - started
    migrations = api.get(f"/v2.1/os-migrations?instance_uuid={sid}",
                         headers=MICRO).json()["migrations"]
    assert sorted(m["status"] for m in migrations) == ["cancelled", "completed"], migrations
    assert (_host_of(server), server["status"]) == (dest.name, "ACTIVE"), server
    assert name not in source.domains()
    assert dest.virsh("domstate", name).strip() == "running"

    # The same guest goes on counting on the destination: no reboot, no restart.
    _wait(lambda: _ticks(guests.console(sid))[-1] >= before + 5,
          "the guest's counter to go on after the move")
    console = guests.console(sid)
    ticks = _ticks(console)
    assert console.count(MARKER) == 1, console
    assert ticks == sorted(set(ticks)) and ticks[0] == 0, ticks
    stats = dest.virsh("domjobinfo", name, "--completed", check=False)
    downtime = re.search(r"Total downtime:\s+(\d+)\s+ms", stats)
    record_measure(f"live migration of a running TCG guest (256 MB) between the two "
                   f"hosts: {elapsed:.1f}s request to settled, libvirt's downtime "
                   f"{downtime.group(1) + ' ms' if downtime else 'n/a'}; counter {before} -> "
                   f"{ticks[-1]}, gaps {len(set(range(ticks[-1] + 1)) - set(ticks))}")


def test_cold_migration_boots_the_guest_on_the_other_host(two_hosts, guests, api):
    server = guests.boot("cold-moved", deadline=DEADLINE)
    sid, name = server["id"], server["OS-EXT-SRV-ATTR:instance_name"]
    source = _this(two_hosts, _host_of(server))
    dest = _other(two_hosts, source.name)
    guests.wait_console(sid, MARKER, deadline=DEADLINE)

    started = time.monotonic()
    resp = api.post(f"/v2.1/servers/{sid}/action", {"migrate": {"host": dest.name}},
                    headers=MICRO)
    assert resp.status_code == 202, resp.text
    server = api.wait_for_status(sid, "VERIFY_RESIZE", deadline=DEADLINE)
    assert _host_of(server) == dest.name, server
    assert name not in source.domains()
    guests.wait_console(sid, MARKER, count=2, deadline=DEADLINE)
    record_measure(f"cold migration of a TCG guest to the other host: "
                   f"{time.monotonic() - started:.1f}s to booted again there")

    resp = api.post(f"/v2.1/servers/{sid}/action", {"confirmResize": None}, headers=MICRO)
    assert resp.status_code == 204, resp.text
    server = api.wait_for_status(sid, "ACTIVE", deadline=60)
    assert server["OS-EXT-STS:task_state"] is None, server
    assert dest.virsh("domstate", name).strip() == "running"
    assert name not in source.domains()
    resize_dir = two_hosts.state_path / "instances" / f"{sid}_resize"
    _wait(lambda: not resize_dir.exists(), "the source's kept disk to go", 60)


def _memory_kib(host, name: str) -> int:
    match = re.search(r"Max memory:\s+(\d+) KiB", host.virsh("dominfo", name))
    assert match, f"no memory in dominfo of {name} on {host.name}"
    return int(match.group(1))


def test_resize_boots_the_new_flavor_on_the_other_host_and_revert_brings_it_back(
        two_hosts, guests, api):
    """A resize to more memory: the guest boots on the other host with the new flavor;
    a revert starts it again on its source with the old one and removes the new copy."""
    resp = api.post("/v2.1/flavors", {"flavor": {
        "name": "m1.wider", "id": "moves-wider", "ram": 320, "vcpus": 1, "disk": 1}})
    assert resp.status_code == 200, resp.text
    try:
        server = guests.boot("resized", deadline=DEADLINE)
        sid, name = server["id"], server["OS-EXT-SRV-ATTR:instance_name"]
        source = _this(two_hosts, _host_of(server))
        dest = _other(two_hosts, source.name)
        guests.wait_console(sid, MARKER, deadline=DEADLINE)
        assert _memory_kib(source, name) == 256 * 1024

        resp = api.post(f"/v2.1/servers/{sid}/action",
                        {"resize": {"flavorRef": "moves-wider"}}, headers=MICRO)
        assert resp.status_code == 202, resp.text
        server = api.wait_for_status(sid, "VERIFY_RESIZE", deadline=DEADLINE)
        assert (_host_of(server), server["flavor"]["id"]) == (dest.name, "moves-wider")
        assert _memory_kib(dest, name) == 320 * 1024
        assert name not in source.domains()
        guests.wait_console(sid, MARKER, count=2, deadline=DEADLINE)

        resp = api.post(f"/v2.1/servers/{sid}/action", {"revertResize": None},
                        headers=MICRO)
        assert resp.status_code == 202, resp.text
        server = api.wait_for_status(sid, "ACTIVE", deadline=DEADLINE)
        assert (_host_of(server), server["flavor"]["id"],
                server["OS-EXT-STS:task_state"]) == (source.name, FLAVOR[1], None), server
        assert _memory_kib(source, name) == 256 * 1024
        assert source.virsh("domstate", name).strip() == "running"
        _wait(lambda: name not in dest.domains(), "the destination's copy to go", 60)
    finally:
        api.delete("/v2.1/flavors/moves-wider")
