"""A conductor killed half-way through a request, then started again.

oslo.messaging acknowledges a message when it is delivered, so the conductor's cast dies
with it. Started again, the conductor resolves the flows it had begun (their events are
unfinished and carry its host): no server keeps its task_state, and the request's fault
says what happened. A mininova of its own (own RabbitMQ vhost, own database), so that
killing its conductor never disturbs the session's system.
"""
import configparser
import os
import shutil
import signal
import subprocess

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import Mininova
from tests.functional.conftest import private_cloud
from tests.functional.conftest import wait_until

HOSTS = ("cr1",)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp("conductor-restart"),
                       compute_hosts=HOSTS) as cloud:
        yield cloud


@pytest.fixture
def system(cloud) -> Mininova:
    return cloud[0]


def _events(api: ApiClient, sid: str) -> list[str]:
    actions = api.get(f"/v2.1/servers/{sid}/os-instance-actions").json()["instanceActions"]
    if not actions:
        return []
    detail = api.get(f"/v2.1/servers/{sid}/os-instance-actions/"
                     f"{actions[0]['request_id']}").json()["instanceAction"]
    return [event["event"] for event in detail["events"]]


def _queued_for_scheduler(system: Mininova) -> int:
    """Messages in the scheduler's queues of this cloud's vhost (ready or delivered to
    the paused scheduler and not yet acknowledged)."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(system.base_dir / "mininova.conf")
    vhost = conf["DEFAULT"]["transport_url"].rsplit("/", 1)[1]
    out = subprocess.run([shutil.which("rabbitmqctl"), "-q", "list_queues", "-p", vhost,
                          "name", "messages"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return sum(int(words[1]) for words in map(str.split, out.splitlines())
               if len(words) == 2 and words[0].startswith("scheduler") and words[1].isdigit())


def test_a_build_whose_conductor_was_killed_ends_once_it_is_back(api, servers, cloud):
    _, services = cloud
    scheduler = services.latest("mininova-scheduler")
    conductor = services.latest("mininova-conductor")
    os.kill(scheduler.popen.pid, signal.SIGSTOP)
    try:
        sid = servers.boot("orphaned-build")
        # NOTE: the conductor is inside the build once its event has started: it now
        # waits for the paused scheduler's answer.
        wait_until(lambda: "conductor_schedule_and_build_instances" in _events(api, sid),
                   "the conductor to start scheduling", services)
        # NOTE: the event is written before the call to the scheduler is sent: killed in
        # between, the conductor would take the call with it.
        wait_until(lambda: _queued_for_scheduler(cloud[0]),
                   "the conductor's call to wait in the scheduler's queue", services)
        conductor.popen.send_signal(signal.SIGKILL)
        conductor.popen.wait(timeout=10)
    finally:
        os.kill(scheduler.popen.pid, signal.SIGCONT)
    # The scheduler answers the dead conductor's call (its claim is made) before the
    # conductor comes back, so that the claim is there for the restart to free.
    wait_until(lambda: f"Instance {sid} goes to" in scheduler.log_path.read_text(),
               "the scheduler to answer the dead conductor", services)
    assert api.show_server(sid)["OS-EXT-STS:task_state"] == "scheduling"

    services.start(conductor.name, conductor.argv)
    server = api.wait_for_status(sid, "ERROR", deadline=60)
    assert server["OS-EXT-STS:task_state"] is None
    assert "stopped while running it" in server["fault"]["message"], server["fault"]
    hypervisors = api.get("/v2.1/os-hypervisors/detail").json()["hypervisors"]
    assert [h["memory_mb_used"] for h in hypervisors] == [0], hypervisors
    # And the cloud works on: the restarted conductor builds the next server.
    assert servers.create("after-the-restart")["status"] == "ACTIVE"
