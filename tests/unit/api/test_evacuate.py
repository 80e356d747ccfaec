"""POST /servers/{id}/action evacuate: Nova's body per microversion, its 200 answers
(judged by tempest's schemas at each of the 100 versions), its 4xx, and what reaches the
conductor (target_state stopped from 2.95)."""
import datetime
import uuid
from unittest import mock

import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.api_schema.response.compute.v2_1 import servers as tempest_servers
from tempest.lib.common import jsonschema_validator

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.db import instances as db_instances
from mininova.db import services as db_services

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
OTHER = {"X-Auth-Token": "bob:p2"}
VERSIONS = [f"2.{minor}" for minor in range(1, 101)]


def _v(version: str, token: dict = ADMIN) -> dict:
    return {"OpenStack-API-Version": f"compute {version}", **token}


@pytest.fixture
def cloud(db, admin_ctxt):
    """compute1 (down: no heartbeat for years) holds an ACTIVE server of project p1;
    compute2 is up. Yields (client, server id, the conductor cast mock)."""
    for host in ("compute1", "compute2"):
        svc = objects.Service.register(admin_ctxt, host, "nova-compute", "compute")
        if host == "compute1":
            db_services.service_update(svc.id, {"last_seen_up": datetime.datetime(2000, 1, 1)})
    inst = objects.Instance(
        admin_ctxt, uuid=str(uuid.uuid4()), display_name="vm", project_id="p1",
        user_id="alice", image_ref="img", flavor_id="1", flavor_name="m1.tiny",
        memory_mb=512, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0, vm_state="active",
        task_state=None, power_state=1, locked=False, launch_index=0,
        flavor_extra_specs={}, host="compute1", node="compute1")
    inst.create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    with mock.patch.object(conductor_rpcapi.ConductorAPI, "evacuate_server") as cast:
        yield testing.TestClient(wsgi.create_app(CONF, transport)), inst.uuid, cast


def _evacuate(client, sid, body, version="2.14", token=ADMIN):
    return client.simulate_post(f"/v2.1/servers/{sid}/action", json={"evacuate": body},
                                headers=_v(version, token))


def _fault(resp, code: int, text: str) -> None:
    assert resp.status_code == code, resp.text
    (body,) = resp.json.values()
    assert body["code"] == code and text in body["message"], resp.text


def test_every_version_answers_as_tempest_expects(cloud, flags):
    client, sid, cast = cloud
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR
    for version in VERSIONS:
        minor = int(version.split(".")[1])
        body = {"onSharedStorage": False} if minor < 14 else {}
        resp = _evacuate(client, sid, body, version)
        assert resp.status_code == 200, (version, resp.text)
        if minor < 14:
            validator(tempest_servers.evacuate_server_with_admin_pass["response_body"],
                      format_checker=jsonschema_validator.FORMAT_CHECKER).validate(resp.json)
        else:
            assert resp.text == "", version
        _ctxt, instance, host, target_state = cast.call_args.args
        assert (instance.uuid, host, instance.task_state) == (sid, None, "rebuilding")
        assert target_state == ("stopped" if minor >= 95 else None), version
        db_instances.instance_update(sid, {"task_state": None})
    flags(enable_instance_password=False, group="api")
    resp = _evacuate(client, sid, {"onSharedStorage": False}, "2.1")
    assert (resp.status_code, resp.text) == (200, "")


def test_the_action_is_recorded_and_the_host_passed_on(cloud, admin_ctxt):
    client, sid, cast = cloud
    resp = _evacuate(client, sid, {"host": "compute2"})
    assert resp.status_code == 200, resp.text
    assert cast.call_args.args[2] == "compute2"
    actions = objects.InstanceActionList.get_by_instance_uuid(admin_ctxt, sid)
    assert [a.action for a in actions] == ["evacuate"]


def test_bad_input(cloud, admin_ctxt):
    client, sid, cast = cloud
    _fault(_evacuate(client, sid, {}, token=MEMBER), 403, "os_compute_api:os-evacuate")
    _fault(_evacuate(client, sid, {}, token=OTHER), 404, sid)
    _fault(_evacuate(client, sid, {"host": "compute1"}), 400,
           "The target host can't be the same one.")
    _fault(_evacuate(client, sid, {"host": "nowhere"}), 404, "Compute host nowhere not found.")
    _fault(_evacuate(client, sid, {"force": True}, "2.29"), 400,
           "Can't force to a non-provided destination")
    _fault(_evacuate(client, sid, {"host": "compute2", "force": "yes"}, "2.68"), 400, "")
    _fault(_evacuate(client, sid, {"onSharedStorage": True}, "2.14"), 400, "")
    _fault(_evacuate(client, sid, {}, "2.13"), 400, "onSharedStorage")
    _fault(_evacuate(client, sid, {"onSharedStorage": "yes", "adminPass": "p"}, "2.13"),
           400, "admin password can't be changed on existing disk")
    _fault(_evacuate(client, sid, {"host": "bad host!"}), 400, "")
    cast.assert_not_called()
    db_instances.instance_update(sid, {"task_state": "powering-off"})
    _fault(_evacuate(client, sid, {}), 409, "task_state powering-off")
    db_instances.instance_update(sid, {"task_state": None, "vm_state": "building"})
    _fault(_evacuate(client, sid, {}), 409, "vm_state building")
    db_instances.instance_update(sid, {"vm_state": "active", "host": "compute2"})
    _fault(_evacuate(client, sid, {}), 400, "Compute service of compute2 is still in use.")
    cast.assert_not_called()
    assert objects.Instance.get_by_uuid(admin_ctxt, sid).task_state is None


def test_a_forced_down_host_may_be_evacuated_at_once(cloud, admin_ctxt):
    client, sid, cast = cloud
    db_instances.instance_update(sid, {"host": "compute2"})
    svc = objects.Service.get_by_host_and_binary(admin_ctxt, "compute2", "nova-compute")
    svc.forced_down = True
    svc.save()
    resp = _evacuate(client, sid, {})
    assert resp.status_code == 200, resp.text
    cast.assert_called_once()


def test_a_conductor_that_cannot_take_it_leaves_no_task(cloud, admin_ctxt):
    client, sid, cast = cloud
    cast.side_effect = messaging.MessageDeliveryFailure("broker gone")
    resp = _evacuate(client, sid, {})
    assert resp.status_code == 503, resp.text
    assert objects.Instance.get_by_uuid(admin_ctxt, sid).task_state is None
