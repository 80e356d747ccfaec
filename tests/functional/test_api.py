"""The API surface that needs no guest: version documents, request ids, flavors, images,
os-services, and the errors bad requests get (Nova fault bodies)."""
import uuid


def _assert_fault(resp, code: int, kind: str) -> dict:
    assert resp.status_code == code, f"expected {code} {kind}: {resp.status_code} {resp.text}"
    body = resp.json()
    assert kind in body, f"expected a {kind!r} fault body: {body}"
    assert body[kind]["code"] == code, body
    assert body[kind].get("message"), body
    return body[kind]


def test_root_version_document(api):
    resp = api.get("/")
    assert resp.status_code == 200, resp.text
    versions = resp.json()["versions"]
    current = [v for v in versions if v["id"] == "v2.1"]
    assert len(current) == 1, versions
    assert current[0]["status"] == "CURRENT", current
    assert current[0]["links"], current


def test_v21_version_document(api):
    resp = api.get("/v2.1/")
    assert resp.status_code == 200, resp.text
    version = resp.json()["version"]
    assert version["id"] == "v2.1", version
    assert version["status"] == "CURRENT", version
    assert version["links"], version


def test_every_response_has_a_request_id(api, mininova):
    """ApiClient checks the header's shape on each response; here: fresh per request."""
    missing = str(uuid.uuid4())
    responses = [
        api.get("/"),
        api.get("/v2.1/"),
        api.get("/v2.1/flavors"),
        api.get(f"/v2.1/images/{mininova.image_id}"),
        api.get("/v2.1/servers"),
        api.get(f"/v2.1/servers/{missing}"),  # 404
        api.post("/v2.1/servers", data="{not json"),  # 400
        api.get("/v2.1/no-such-resource"),  # 404 from routing
    ]
    codes = [r.status_code for r in responses]
    assert codes[:5] == [200] * 5, codes
    assert codes[5:] == [404, 400, 404], codes
    ids = [r.headers["X-Openstack-Request-Id"] for r in responses]
    assert len(set(ids)) == len(ids), ids


def test_flavors_list_what_setup_created(api, mininova):
    resp = api.get("/v2.1/flavors")
    assert resp.status_code == 200, resp.text
    listed = {f["id"]: f["name"] for f in resp.json()["flavors"]}
    for name, flavorid, _ram, _vcpus, _disk in mininova.flavors:
        assert listed.get(flavorid) == name, listed

    resp = api.get("/v2.1/flavors/detail")
    assert resp.status_code == 200, resp.text
    detail = {f["id"]: f for f in resp.json()["flavors"]}
    for name, flavorid, ram, vcpus, disk in mininova.flavors:
        flavor = detail[flavorid]
        assert (flavor["name"], flavor["ram"], flavor["vcpus"], flavor["disk"]) == (
            name, ram, vcpus, disk), flavor

    resp = api.get("/v2.1/flavors/2")
    assert resp.status_code == 200, resp.text
    assert resp.json()["flavor"]["name"] == "m1.small"
    _assert_fault(api.get("/v2.1/flavors/no-such-flavor"), 404, "itemNotFound")


def test_images_list_what_setup_created(api, mininova):
    resp = api.get("/v2.1/images")
    assert resp.status_code == 200, resp.text
    listed = {img["id"]: img["name"] for img in resp.json()["images"]}
    assert listed.get(mininova.image_id) == "cirros", listed

    resp = api.get("/v2.1/images/detail")
    assert resp.status_code == 200, resp.text
    assert mininova.image_id in [img["id"] for img in resp.json()["images"]]

    resp = api.get(f"/v2.1/images/{mininova.image_id}")
    assert resp.status_code == 200, resp.text
    image = resp.json()["image"]
    assert (image["id"], image["name"]) == (mininova.image_id, "cirros"), image
    _assert_fault(api.get(f"/v2.1/images/{uuid.uuid4()}"), 404, "itemNotFound")


def test_os_services_lists_every_service_up(api, mininova):
    resp = api.get("/v2.1/os-services")
    assert resp.status_code == 200, resp.text
    services = resp.json()["services"]
    rows = sorted((s["binary"], s["host"]) for s in services)
    controller = mininova.controller_host
    expected = sorted([("nova-conductor", controller), ("nova-scheduler", controller)]
                      + [("nova-compute", host) for host in mininova.compute_hosts])
    # NOTE: the API registers no service row; exactly these four exist.
    assert rows == expected, services
    for svc in services:
        assert svc["state"] == "up", svc
        assert svc["status"] == "enabled", svc


def test_unknown_server_is_404(api):
    missing = str(uuid.uuid4())
    _assert_fault(api.get(f"/v2.1/servers/{missing}"), 404, "itemNotFound")
    _assert_fault(api.delete(f"/v2.1/servers/{missing}"), 404, "itemNotFound")
    _assert_fault(api.action(missing, {"os-stop": None}), 404, "itemNotFound")
    _assert_fault(api.action(missing, {"reboot": {"type": "HARD"}}), 404, "itemNotFound")
    _assert_fault(api.get(f"/v2.1/servers/{missing}/os-instance-actions"), 404,
                  "itemNotFound")


def test_bad_create_bodies_are_400(api, mininova):
    image = mininova.image_id
    bad = {
        "invalid JSON": dict(data='{"server": {"name": '),
        "no server key": dict(body={"notserver": {}}),
        "missing flavorRef": dict(body={"server": {"name": "bad-1", "imageRef": image}}),
        "missing imageRef": dict(body={"server": {"name": "bad-2", "flavorRef": "1"}}),
        "unknown flavor": dict(body={"server": {
            "name": "bad-3", "imageRef": image, "flavorRef": "no-such-flavor"}}),
        "unknown image": dict(body={"server": {
            "name": "bad-4", "imageRef": str(uuid.uuid4()), "flavorRef": "1"}}),
    }
    for what, kwargs in bad.items():
        resp = api.post("/v2.1/servers", **kwargs)
        assert resp.status_code == 400, f"{what}: {resp.status_code} {resp.text}"
        _assert_fault(resp, 400, "badRequest")
    # Nothing was created by the rejected requests.
    resp = api.get("/v2.1/servers")
    assert resp.status_code == 200, resp.text
    names = {s["name"] for s in resp.json()["servers"]}
    assert not names & {"bad-1", "bad-2", "bad-3", "bad-4"}, names


def test_bad_action_bodies_are_400(api, servers):
    server = servers.create("bad-actions")
    sid = server["id"]
    bad = {
        "invalid JSON": dict(data="{os-stop"),
        "unknown action": dict(body={"os-explode": None}),
        "reboot type MEDIUM": dict(body={"reboot": {"type": "MEDIUM"}}),
        "reboot without type": dict(body={"reboot": {}}),
    }
    for what, kwargs in bad.items():
        resp = api.post(f"/v2.1/servers/{sid}/action", **kwargs)
        assert resp.status_code == 400, f"{what}: {resp.status_code} {resp.text}"
        _assert_fault(resp, 400, "badRequest")
    # A rejected action leaves the server alone.
    after = api.show_server(sid)
    assert after["status"] == "ACTIVE", after
    assert after["OS-EXT-STS:task_state"] is None, after


def test_host_fields_are_admin_only_and_projects_are_isolated(api, servers):
    user = api.clone(token="demo:demo")
    resp = user.create_server("mine", "1", servers.image_id)
    assert resp.status_code == 202, resp.text
    mine = resp.json()["server"]["id"]
    servers.track(mine)
    api.wait_for_status(mine, "ACTIVE")
    shown = user.show_server(mine)
    assert "OS-EXT-SRV-ATTR:host" not in shown
    assert shown["tenant_id"] == "demo"
    assert api.show_server(mine)["OS-EXT-SRV-ATTR:host"] in ("compute1", "compute2")
    theirs = servers.create("admins")
    assert user.get(f"/v2.1/servers/{theirs['id']}").status_code == 404
    listed = {s["id"] for s in user.get("/v2.1/servers").json()["servers"]}
    assert listed == {mine}
