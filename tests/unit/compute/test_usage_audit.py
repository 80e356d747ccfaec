"""The instance usage audit a compute host runs once per period, as the API reports it."""
import datetime

import oslo_messaging as messaging
from falcon import testing

from mininova import conf
from mininova.api import wsgi
from mininova.compute import usage_audit
from mininova.db import instances as db_instances

CONF = conf.CONF


def _instance(uuid: str, host: str, launched: datetime.datetime) -> None:
    db_instances.instance_create({
        "uuid": uuid, "display_name": "vm", "project_id": "p1", "user_id": "alice",
        "image_ref": "i", "flavor_id": "1", "flavor_name": "m1.tiny", "memory_mb": 512,
        "vcpus": 1, "root_gb": 1, "vm_state": "active", "host": host,
        "launched_at": launched})


def test_a_run_per_host_and_period_counts_the_hosts_instances(db, admin_ctxt, flags):
    flags(instance_usage_audit_period="hour")
    begin, end = usage_audit.last_completed_period()
    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", "c1", begin)
    _instance("1d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", "c1", end)  # after the period
    _instance("2d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10", "c2", begin)

    assert usage_audit.audit_host(admin_ctxt, "c1") is True
    assert usage_audit.audit_host(admin_ctxt, "c1") is False  # done for this period

    client = testing.TestClient(wsgi.create_app(
        CONF, messaging.get_rpc_transport(CONF, url="fake://")))
    log = client.simulate_get("/v2.1/os-instance_usage_audit_log", headers={
        "X-Auth-Token": "admin:admin"}).json["instance_usage_audit_logs"]
    assert (log["period_beginning"], log["period_ending"]) == (str(begin), str(end))
    run = log["log"]["c1"]
    assert (run["state"], run["instances"], run["errors"]) == ("DONE", 1, 0)
    assert run["message"].startswith("Instance usage audit ran for host c1, 1 instances")
    assert log["total_instances"] == 1
