"""Server lifecycle through the whole request path: API -> conductor -> scheduler ->
compute -> libvirt (test driver), and the instance actions that record it."""
import re

REQUEST_ID_RE = re.compile(r"^req-[0-9a-f-]{36}$")
RUNNING, SHUTDOWN = 1, 4  # power_state values


def _rid(resp) -> str:
    return resp.headers["X-Openstack-Request-Id"]


def _accepted(resp, what: str):
    assert resp.status_code == 202, f"{what}: {resp.status_code} {resp.text}"
    return resp


def _conflict(resp, what: str):
    assert resp.status_code == 409, f"{what}: expected 409, got {resp.status_code} {resp.text}"
    fault = resp.json().get("conflictingRequest")
    assert fault and fault["code"] == 409 and fault.get("message"), resp.text
    return resp


def test_server_lifecycle(api, servers, mininova):
    resp = _accepted(api.create_server("lifecycle", "1", mininova.image_id), "POST /servers")
    created = resp.json()["server"]
    sid = created["id"]
    servers.track(sid)
    assert created["links"], created

    server = api.wait_for_status(sid, "ACTIVE")
    assert server["name"] == "lifecycle"
    assert server["OS-EXT-STS:vm_state"] == "active", server
    assert server["OS-EXT-STS:power_state"] == RUNNING, server
    host = server["OS-EXT-SRV-ATTR:host"]
    assert host in mininova.compute_hosts, server
    assert server["flavor"]["id"] == "1", server
    assert server["image"]["id"] == mininova.image_id, server
    assert (server["user_id"], server["tenant_id"]) == ("admin", "admin"), server

    resp = api.get("/v2.1/servers")
    assert sid in [s["id"] for s in resp.json()["servers"]], resp.text
    resp = api.get("/v2.1/servers/detail")
    detail = {s["id"]: s for s in resp.json()["servers"]}
    assert detail[sid]["status"] == "ACTIVE", resp.text

    _accepted(api.action(sid, {"os-stop": None}), "os-stop")
    server = api.wait_for_status(sid, "SHUTOFF")
    assert server["OS-EXT-STS:vm_state"] == "stopped", server
    assert server["OS-EXT-STS:power_state"] == SHUTDOWN, server

    _accepted(api.action(sid, {"os-start": None}), "os-start")
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-STS:power_state"] == RUNNING, server

    for reboot_type, busy_status in (("SOFT", "REBOOT"), ("HARD", "HARD_REBOOT")):
        _accepted(api.action(sid, {"reboot": {"type": reboot_type}}), f"reboot {reboot_type}")
        # The API sets task_state before answering 202; the compute may already be done.
        seen = api.show_server(sid)
        task_state = seen["OS-EXT-STS:task_state"]
        assert (seen["status"] == busy_status and task_state.startswith("reboot")
                or (seen["status"], task_state) == ("ACTIVE", None)), seen
        server = api.wait_for_status(sid, "ACTIVE")
        assert server["OS-EXT-STS:power_state"] == RUNNING, server
        assert server["OS-EXT-SRV-ATTR:host"] == host, server

    resp = api.delete(f"/v2.1/servers/{sid}")
    assert resp.status_code == 204, f"DELETE: {resp.status_code} {resp.text}"
    gone = api.wait_for_deleted(sid)
    assert gone.json()["itemNotFound"]["code"] == 404, gone.text
    resp = api.get("/v2.1/servers")
    assert sid not in [s["id"] for s in resp.json()["servers"]], resp.text


def test_instance_actions_record_each_request(api, servers):
    sid = servers.create("actions")["id"]
    request_ids = {}
    for action, body, status in (("stop", {"os-stop": None}, "SHUTOFF"),
                                 ("start", {"os-start": None}, "ACTIVE"),
                                 ("reboot", {"reboot": {"type": "SOFT"}}, "ACTIVE")):
        request_ids[action] = _rid(_accepted(api.action(sid, body), action))
        api.wait_for_status(sid, status)

    resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions")
    assert resp.status_code == 200, resp.text
    actions = resp.json()["instanceActions"]
    by_name: dict[str, list] = {}
    for action in actions:
        by_name.setdefault(action["action"], []).append(action)
        assert action["instance_uuid"] == sid, action
        assert REQUEST_ID_RE.match(action["request_id"]), action
    assert {name: len(v) for name, v in by_name.items()} == {
        "create": 1, "stop": 1, "start": 1, "reboot": 1}, actions
    # The request id the API answered with is the one the action recorded.
    for name, rid in request_ids.items():
        assert by_name[name][0]["request_id"] == rid, (name, rid, actions)

    for name in ("create", "stop", "start", "reboot"):
        rid = by_name[name][0]["request_id"]
        detail = api.wait_for_action_events(sid, rid)
        assert detail["action"] == name, detail
        compute_events = [e for e in detail["events"] if e["event"].startswith("compute_")]
        assert all(e["result"] == "Success" for e in compute_events), detail

    resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions/req-00000000-0000-0000-0000-"
                   "000000000000")
    assert resp.status_code == 404, resp.text
    assert "itemNotFound" in resp.json(), resp.text


def test_action_in_a_forbidden_state_is_409(api, servers):
    sid = servers.create("forbidden")["id"]
    _conflict(api.action(sid, {"os-start": None}), "os-start on ACTIVE")
    assert api.show_server(sid)["OS-EXT-STS:task_state"] is None

    _accepted(api.action(sid, {"os-stop": None}), "os-stop")
    api.wait_for_status(sid, "SHUTOFF")
    _conflict(api.action(sid, {"os-stop": None}), "os-stop on SHUTOFF")
    server = api.show_server(sid)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("SHUTOFF", None), server

    _accepted(api.action(sid, {"os-start": None}), "os-start on SHUTOFF")
    api.wait_for_status(sid, "ACTIVE")


def test_concurrent_actions_exactly_one_wins(api, servers, race):
    sid = servers.create("race")["id"]
    clients = [api.clone(), api.clone()]
    for client in clients:  # open the connections before the race
        client.get("/")

    for body, status in (({"os-stop": None}, "SHUTOFF"), ({"os-start": None}, "ACTIVE")):
        responses = race(2, lambda i, body=body: clients[i].action(sid, body))
        codes = sorted(r.status_code for r in responses)
        assert codes == [202, 409], [(r.status_code, r.text) for r in responses]
        _conflict(next(r for r in responses if r.status_code == 409), f"racing {body}")
        api.wait_for_status(sid, status)

    # Only the winner recorded an action.
    resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions")
    names = sorted(a["action"] for a in resp.json()["instanceActions"])
    assert names == ["create", "start", "stop"], resp.text


def test_many_identical_starts_exactly_one_is_accepted(api, servers, race):
    """Of many concurrent os-start on one SHUTOFF server exactly one is accepted: a loser
    that read the server SHUTOFF before the winner's start finished must lose too (the
    compare-and-swap includes the vm_state it checked)."""
    racers = 20
    sid = servers.create("race-many")["id"]
    _accepted(api.action(sid, {"os-stop": None}), "os-stop")
    api.wait_for_status(sid, "SHUTOFF")
    clients = [api.clone() for _ in range(racers)]
    for client in clients:  # open the connections before the race
        client.get("/")
    responses = race(racers, lambda i: clients[i].action(sid, {"os-start": None}))
    codes = sorted(r.status_code for r in responses)
    assert codes == [202] + [409] * (racers - 1), codes
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["OS-EXT-STS:task_state"] is None, server
    actions = api.get(f"/v2.1/servers/{sid}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions].count("start") == 1, actions


def test_console_output_is_a_call_answered_by_the_host(api, servers):
    sid = servers.create("console")["id"]
    resp = api.action(sid, {"os-getConsoleOutput": {"length": 10}})
    assert resp.status_code == 200, resp.text
    # The test driver has no serial console: the call answers with empty text.
    assert resp.json() == {"output": ""}
    bad = api.action(sid, {"os-getConsoleOutput": {"length": "ten"}})
    assert bad.status_code == 400, bad.text
    _accepted(api.action(sid, {"os-stop": None}), "os-stop")
    api.wait_for_status(sid, "SHUTOFF")
    stopped = api.action(sid, {"os-getConsoleOutput": {}})
    assert stopped.status_code == 200 and stopped.json() == {"output": ""}, stopped.text


def test_multiple_create_builds_each_server_through_one_conductor_request(api, servers,
                                                                          mininova):
    """min_count=3: three servers, one reservation, each scheduled and built on a
    host; their metadata and access IPs travel with them."""
    resp = _accepted(api.post("/v2.1/servers", {"server": {
        "name": "multi", "flavorRef": "1", "imageRef": mininova.image_id, "min_count": 3,
        "metadata": {"role": "web"}, "accessIPv4": "192.0.2.7",
        "return_reservation_id": True}}), "POST /servers min_count=3")
    reservation = resp.json()["reservation_id"]
    listed = api.get(f"/v2.1/servers/detail?reservation_id={reservation}").json()["servers"]
    for server in listed:
        servers.track(server["id"])
    assert sorted(s["name"] for s in listed) == ["multi-1", "multi-2", "multi-3"]
    v23 = {"OpenStack-API-Version": "compute 2.3"}
    indexes = []
    for server in listed:
        active = api.wait_for_status(server["id"], "ACTIVE")
        assert active["OS-EXT-SRV-ATTR:host"] in mininova.compute_hosts, active
        assert active["metadata"] == {"role": "web"}, active
        assert active["accessIPv4"] == "192.0.2.7", active
        shown = api.get(f"/v2.1/servers/{server['id']}", headers=v23).json()["server"]
        assert shown["OS-EXT-SRV-ATTR:reservation_id"] == reservation, shown
        indexes.append(shown["OS-EXT-SRV-ATTR:launch_index"])
    assert sorted(indexes) == [0, 1, 2]
    sid = listed[0]["id"]
    resp = api.request("PUT", f"/v2.1/servers/{sid}/metadata/role",
                       body={"meta": {"role": "db"}})
    assert resp.status_code == 200, resp.text
    assert api.get(f"/v2.1/servers/{sid}/metadata").json() == {"metadata": {"role": "db"}}
