"""Claims under concurrent boots: two computes (test driver) with room for two m1.tiny
each, two schedulers and two conductors racing; exactly the capacity is built, the rest
end in ERROR with Nova's "No valid host" fault, os-hypervisors shows what is claimed, and
a delete frees its room for the next boot."""
import contextlib

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import _find_script
from tests.functional.conftest import private_cloud
from tests.functional.conftest import wait_until

HOSTS = ("claim1", "claim2")
RESERVED_MB = 2048  # of the test driver's 3072 MB: 1024 MB, two m1.tiny, per host
PER_HOST = 2
BOOTS = 9
TINY_MB = 512
CLAIMS_CONF = f"""
[DEFAULT]
reserved_host_memory_mb = {RESERVED_MB}

[quota]
instances = -1
cores = -1
ram = -1
"""


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    """A mininova of its own: small computes, and a second scheduler and conductor."""
    base = tmp_path_factory.mktemp("claims")
    with private_cloud(base, compute_hosts=HOSTS, extra_conf=CLAIMS_CONF) as cloud:
        system, services = cloud
        second = base / "controller2.conf"
        second.write_text("[DEFAULT]\nhost = controller2\n")
        for binary in ("mininova-scheduler", "mininova-conductor"):
            services.start(f"{binary}-2", [_find_script(binary), "--config-file",
                                           str(base / "mininova.conf"), "--config-file",
                                           str(second)])
        api = ApiClient(system.api_url)
        wait_until(lambda: _up_binaries(api, "controller2") >= {"scheduler", "conductor"},
                   "the second scheduler and conductor to report up", services)
        yield cloud


def _up_binaries(api: ApiClient, host: str) -> set[str]:
    resp = api.get("/v2.1/os-services")
    assert resp.status_code == 200, resp.text
    return {svc["binary"].rsplit("-", 1)[-1] for svc in resp.json()["services"]
            if svc["host"] == host and svc["state"] == "up"}


def _settled(api: ApiClient, server_id: str) -> dict:
    def status():
        server = api.show_server(server_id)
        return server if server["status"] in ("ACTIVE", "ERROR") else None
    return wait_until(status, f"server {server_id} to be ACTIVE or ERROR")


def _usage(api: ApiClient) -> dict[str, dict]:
    resp = api.get("/v2.1/os-hypervisors/detail",
                   headers={"OpenStack-API-Version": "compute 2.87"})
    assert resp.status_code == 200, resp.text
    return {hyp["service"]["host"]: hyp for hyp in resp.json()["hypervisors"]}


def test_concurrent_boots_build_exactly_the_capacity(claims, race):
    system, services = claims
    api = ApiClient(system.api_url)
    tracker = ServerTracker(api, system.image_id)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(tracker.cleanup)
        ids = race(BOOTS, lambda i: tracker.boot(f"claim-{i}"))
        settled = [_settled(api, sid) for sid in ids]

        active = [s for s in settled if s["status"] == "ACTIVE"]
        failed = [s for s in settled if s["status"] == "ERROR"]
        assert len(active) == PER_HOST * len(HOSTS), [s["status"] for s in settled]
        assert len(failed) == BOOTS - len(active)
        for server in failed:
            assert server["fault"]["message"].startswith("No valid host was found."), server
            assert server["OS-EXT-SRV-ATTR:host"] is None, server
        placed = [s["OS-EXT-SRV-ATTR:host"] for s in active]
        assert sorted(placed) == sorted(HOSTS * PER_HOST), placed

        usage = _usage(api)
        for host in HOSTS:
            hyp = usage[host]
            assert hyp["memory_mb_used"] == PER_HOST * TINY_MB, hyp
            assert hyp["memory_mb_used"] <= hyp["memory_mb"] - RESERVED_MB, hyp
            assert (hyp["vcpus_used"], hyp["local_gb_used"], hyp["running_vms"]) == (
                PER_HOST, PER_HOST, PER_HOST), hyp
            assert hyp["free_ram_mb"] == hyp["memory_mb"] - PER_HOST * TINY_MB, hyp

        # A delete frees its room: the next boot lands there.
        gone = active[0]
        freed_host = gone["OS-EXT-SRV-ATTR:host"]
        resp = api.delete(f"/v2.1/servers/{gone['id']}")
        assert resp.status_code == 204, resp.text
        api.wait_for_deleted(gone["id"])
        wait_until(lambda: _usage(api)[freed_host]["memory_mb_used"] == TINY_MB,
                   f"{freed_host}'s usage to drop after the delete", services)
        again = _settled(api, tracker.boot("claim-again"))
        assert again["status"] == "ACTIVE", again
        assert again["OS-EXT-SRV-ATTR:host"] == freed_host, again
        # ...and the system is full again.
        full = _settled(api, tracker.boot("claim-full"))
        assert full["status"] == "ERROR", full
        assert "No valid host" in full["fault"]["message"], full

    # Every delete (ERROR ones included) leaves nothing claimed.
    wait_until(lambda: all(h["memory_mb_used"] == 0 and h["running_vms"] == 0
                            for h in _usage(api).values()),
               "every claim to be released after the deletes", services)
