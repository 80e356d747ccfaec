"""os-instance_usage_audit_log in-process: each compute host's audit run of the last
completed period, from the task_log table; hosts without a run are "not run"."""
import datetime
import uuid

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi
from mininova.compute import usage_audit
from mininova.db import api as db_api
from mininova.db import models
from mininova.db import services as db_services

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
URL = "/v2.1/os-instance_usage_audit_log"


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _run(host: str, state: str, begin, end, items: int, errors: int = 0) -> None:
    with db_api.session() as sess:
        sess.add(models.TaskLog(task_name="instance_usage_audit", state=state, host=host,
                                period_beginning=begin, period_ending=end,
                                message="Instance usage audit ran", task_items=items,
                                errors=errors))


def test_reports_the_hosts_runs_of_the_period_before_a_time(client):
    for host in ("c1", "c2", "c3"):
        db_services.service_create({"host": host, "binary": "mininova-compute",
                                    "topic": "compute", "uuid": str(uuid.uuid4())})
    db_services.service_create({"host": "ctl", "binary": "mininova-conductor",
                                "topic": "conductor", "uuid": str(uuid.uuid4())})
    begin, end = datetime.datetime(2026, 1, 1), datetime.datetime(2026, 2, 1)
    _run("c1", "DONE", begin, end, items=4, errors=1)
    _run("c2", "RUNNING", begin, end, items=2)
    _run("c3", "DONE", datetime.datetime(2025, 12, 1), begin, items=9)  # another period

    resp = client.simulate_get(f"{URL}/2026-02-10 08:00:00", headers=ADMIN)
    assert resp.status_code == 200, resp.text
    log = resp.json["instance_usage_audit_log"]
    assert (log["period_beginning"], log["period_ending"]) == (
        "2026-01-01 00:00:00", "2026-02-01 00:00:00")
    assert (log["num_hosts"], log["num_hosts_done"], log["num_hosts_running"],
            log["num_hosts_not_run"], log["hosts_not_run"]) == (3, 1, 1, 1, ["c3"])
    assert (log["total_instances"], log["total_errors"]) == (6, 1)
    assert log["overall_status"] == "1 of 3 hosts done. 1 errors."
    assert log["log"]["c1"] == {"state": "DONE", "instances": 4, "errors": 1,
                                "message": "Instance usage audit ran"}

    current = client.simulate_get(URL, headers=ADMIN).json["instance_usage_audit_logs"]
    assert current["num_hosts_not_run"] == 3 and current["log"] == {}
    micro = client.simulate_get(f"{URL}/2026-02-10 08:00:00.5", headers=ADMIN)
    assert micro.json["instance_usage_audit_log"]["period_ending"] == "2026-02-01 00:00:00"


def test_no_hosts_is_all_done(client):
    log = client.simulate_get(URL, headers=ADMIN).json["instance_usage_audit_logs"]
    assert log["overall_status"] == "ALL hosts done. 0 errors."
    assert log["hosts_not_run"] == [] and log["num_hosts"] == 0


@pytest.mark.parametrize("timestamp", ["invalid_time", "2026-02-10T08:00:00",
                                       "0001-01-01 00:00:00"])
def test_a_bad_timestamp_is_400(client, timestamp):
    resp = client.simulate_get(f"{URL}/{timestamp}", headers=ADMIN)
    assert resp.status_code == 400
    assert resp.json["badRequest"]["message"] == f"Invalid timestamp for date {timestamp}"


def test_admins_only(client):
    assert client.simulate_get(URL, headers=ALICE).status_code == 403
    assert client.simulate_get(f"{URL}/2026-02-10 08:00:00",
                               headers=ALICE).status_code == 403


@pytest.mark.parametrize("unit, begin, end", [
    ("month", (2025, 12, 1), (2026, 1, 1)), ("month@15", (2025, 12, 15), (2026, 1, 15)),
    ("day", (2026, 1, 14), (2026, 1, 15)), ("hour", (2026, 1, 15, 9), (2026, 1, 15, 10)),
    ("year", (2025, 1, 1), (2026, 1, 1))])
def test_audit_periods_as_nova_counts_them(unit, begin, end):
    before = datetime.datetime(2026, 1, 15, 10, 30)
    assert usage_audit.last_completed_period(before, unit) == (
        datetime.datetime(*begin), datetime.datetime(*end))
