"""Spans wait in memory for the store; a service stopping must store them, not lose them.

The cloud writes spans only every 600 s here, so every span of the traced stop below
is still queued in its process when the services are stopped: the compute's reach the
store through its last record_spans cast, the API workers' and the conductor's through
their own last writes."""
import signal
import subprocess
import time

import pytest

from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT
from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _find_script
from tests.functional.conftest import fresh_database
from tests.functional.conftest import private_rabbit_vhost
from tests.functional.conftest import start_mininova

HOST = "flush1"
DEADLINE = 30.0


def _names(api: ApiClient, request_id: str) -> set[str]:
    resp = api.get(f"/mininova/v1/traces/{request_id}")
    return {s["name"] for s in resp.json()["trace"]["spans"]} if resp.ok else set()


def test_spans_still_queued_when_services_stop_are_stored(tmp_path):
    services = ServiceSet(tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    with private_rabbit_vhost() as vhost, fresh_database(tmp_path) as db_url:
        try:
            cloud = start_mininova(
                services, tmp_path, db_url=db_url, compute_hosts=(HOST,),
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}",
                extra_conf="\n[tracing]\nenabled = true\nexport_interval = 600\n")
            api = ApiClient(cloud.api_url)
            server_id = ServerTracker(api, cloud.image_id).create("flushed")["id"]
            resp = api.action(server_id, {"os-stop": None})
            assert resp.status_code == 202, resp.text
            request_id = resp.headers["X-Openstack-Request-Id"]
            api.wait_for_status(server_id, "SHUTOFF")
            assert _names(api, request_id) == set()  # all still queued in memory

            compute = next(p for p in services.processes if p.name.endswith(HOST))
            compute.popen.send_signal(signal.SIGTERM)
            compute.popen.wait(timeout=DEADLINE)
            services.processes.remove(compute)
            end = time.monotonic() + DEADLINE
            while "compute.stop_instance" not in _names(api, request_id):
                if time.monotonic() > end:
                    pytest.fail("the stopped compute's spans never reached the store\n"
                                f"{services.log_tails()}")
                time.sleep(0.2)
        finally:
            services.stop()
        out = subprocess.run(
            [_find_script("mininova-manage"), "--config-file",
             str(tmp_path / "mininova.conf"), "trace", request_id],
            capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for hop in ("POST /v2.1/servers/{server_id}/action", "rpc.cast compute.stop_instance",
                "compute.stop_instance", "libvirt.shutdown",
                "conductor.object_action Instance.save"):
        assert hop in out.stdout, f"{hop} lost at shutdown:\n{out.stdout}"
