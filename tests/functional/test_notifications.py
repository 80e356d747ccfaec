"""Nova's notifications, consumed as a user would: an oslo.messaging notification
listener on the session's broker sees a whole server lifecycle, in order, in both formats.
"""
import threading
import time
import uuid

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from mininova import rpc
from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT

DEADLINE = 30.0


class _Collector:
    """Every notification received, in arrival order."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.cond = threading.Condition()

    def _add(self, priority, ctxt, publisher_id, event_type, payload) -> None:
        with self.cond:
            self.seen.append({"priority": priority, "ctxt": ctxt, "publisher_id": publisher_id,
                              "event_type": event_type, "payload": payload})
            self.cond.notify_all()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add("INFO", ctxt, publisher_id, event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._add("ERROR", ctxt, publisher_id, event_type, payload)

    def wait_for(self, match, what: str) -> dict:
        """The first notification ``match`` accepts, waiting up to DEADLINE for it."""
        end = time.monotonic() + DEADLINE
        with self.cond:
            while True:
                for note in self.seen:
                    if match(note):
                        return note
                left = end - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no {what} within {DEADLINE}s; saw "
                                f"{[n['event_type'] for n in self.seen]}")
                self.cond.wait(left)


@pytest.fixture(scope="module")
def notifications(mininova, rabbit_vhost):
    """A listener on both topics with its own pool (its own queues): it sees what is sent
    from now on and takes nothing from other consumers."""
    conf = cfg.ConfigOpts()
    conf([], project="mininova-test")
    transport = messaging.get_notification_transport(
        conf, url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{rabbit_vhost}")
    # NOTE: the exchange as the services declared it (rpc.keep_queued_messages: durable);
    # a listener declaring it otherwise is refused by the broker.
    rpc.keep_queued_messages(conf)
    collector = _Collector()
    targets = [messaging.Target(topic="versioned_notifications", exchange="mininova"),
               messaging.Target(topic="notifications", exchange="mininova")]
    listener = messaging.get_notification_listener(
        transport, targets, [collector], executor="threading",
        pool=f"test-{uuid.uuid4()}")
    listener.start()
    try:
        yield collector
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()


def _data(note: dict) -> dict:
    return note["payload"]["nova_object.data"]


def _for(server_id: str, prefix: str = "instance."):
    def match_uuid(note):
        payload = note["payload"]
        if not note["event_type"].startswith(prefix):
            return False
        if "nova_object.data" in payload:
            return payload["nova_object.data"].get("uuid") == server_id
        return payload.get("instance_id") == server_id
    return match_uuid


def test_a_lifecycle_sends_nova_versioned_notifications_in_order(
        api, servers, mininova, notifications):
    server_id = servers.create("notified")["id"]
    for action, status in ((("os-stop", None), "SHUTOFF"), (("os-start", None), "ACTIVE"),
                           (("reboot", {"type": "HARD"}), "ACTIVE")):
        resp = api.action(server_id, {action[0]: action[1]})
        assert resp.status_code == 202, resp.text
        if action[0] == "os-stop":
            stop_request = resp.headers["X-Openstack-Request-Id"]
        api.wait_for_status(server_id, status)
    assert api.delete(f"/v2.1/servers/{server_id}").status_code == 204
    api.wait_for_deleted(server_id)

    is_ours = _for(server_id)
    notifications.wait_for(lambda n: is_ours(n) and n["event_type"] == "instance.delete.end",
                           "instance.delete.end")
    actions = [n for n in notifications.seen
               if is_ours(n) and n["event_type"] != "instance.update"]
    assert [n["event_type"] for n in actions] == [
        "instance.create.start", "instance.create.end",
        "instance.power_off.start", "instance.power_off.end",
        "instance.power_on.start", "instance.power_on.end",
        "instance.reboot.start", "instance.reboot.end",
        "instance.delete.start", "instance.delete.end"]
    host = _data(actions[1])["host"]
    assert host in mininova.compute_hosts
    for note in actions:
        assert note["publisher_id"] == f"nova-compute:{host}"
        assert note["payload"]["nova_object.namespace"] == "nova"
        assert note["priority"] == "INFO"
    create_end, off_end, on_end = actions[1], actions[3], actions[5]
    assert create_end["payload"]["nova_object.name"] == "InstanceCreatePayload"
    assert _data(create_end)["display_name"] == "notified"
    assert _data(create_end)["flavor"]["nova_object.name"] == "FlavorPayload"
    assert off_end["payload"]["nova_object.name"] == "InstanceActionPayload"
    assert (_data(off_end)["state"], _data(off_end)["power_state"]) == ("stopped", "shutdown")
    assert (_data(on_end)["state"], _data(on_end)["power_state"]) == ("active", "running")
    assert _data(off_end)["request_id"] == stop_request
    assert _data(off_end)["fault"] is None

    # instance.update tells each state change (notify_on_state_change=vm_and_task_state).
    updates = [_data(n)["state_update"]["nova_object.data"] for n in notifications.seen
               if is_ours(n) and n["event_type"] == "instance.update"]
    changes = [(u["old_state"], u["state"], u["old_task_state"], u["new_task_state"])
               for u in updates]
    assert ("stopped", "stopped", None, "powering-on") in changes
    assert ("active", "stopped", "powering-off", None) in changes


def test_the_unversioned_format_is_sent_too(api, servers, notifications):
    server_id = servers.create("legacy")["id"]
    resp = api.action(server_id, {"os-stop": None})
    assert resp.status_code == 202, resp.text
    api.wait_for_status(server_id, "SHUTOFF")
    is_ours = _for(server_id, prefix="compute.instance.")
    end = notifications.wait_for(
        lambda n: is_ours(n) and n["event_type"] == "compute.instance.power_off.end",
        "compute.instance.power_off.end")
    assert end["publisher_id"].startswith("compute.")
    assert end["payload"]["state"] == "stopped"
    assert end["payload"]["tenant_id"]


def test_disabling_a_compute_sends_service_update(api, mininova, notifications):
    host = mininova.compute_hosts[0]
    services = api.get("/v2.1/os-services?binary=nova-compute",
                       headers={"X-OpenStack-Nova-API-Version": "2.53"}).json()["services"]
    service = next(s for s in services if s["host"] == host)
    url = f"/v2.1/os-services/{service['id']}"
    headers = {"X-OpenStack-Nova-API-Version": "2.53"}
    try:
        resp = api.request("PUT", url, body={"status": "disabled",
                                             "disabled_reason": "notify test"},
                           headers=headers)
        assert resp.status_code == 200, resp.text
        note = notifications.wait_for(
            lambda n: (n["event_type"] == "service.update"
                       and _data(n)["uuid"] == service["id"] and _data(n)["disabled"]),
            "service.update (disabled)")
    finally:
        resp = api.request("PUT", url, body={"status": "enabled"}, headers=headers)
        assert resp.status_code == 200, resp.text
    assert note["payload"]["nova_object.name"] == "ServiceStatusPayload"
    assert note["publisher_id"].startswith("nova-api:")
    assert (_data(note)["host"], _data(note)["binary"]) == (host, "nova-compute")
    assert _data(note)["disabled_reason"] == "notify test"
