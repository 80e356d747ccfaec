"""What each compute microversion from 2.2 to 2.100 changes in /servers: every field
absent just below its version and present from it, the behaviour behind it (lock, tags,
update, host_status, filters), and every answer judged by tempest's schemas."""
import datetime
import uuid

import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.common import jsonschema_validator
from tempest.lib.services.compute.servers_client import ServersClient

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.compute import api as compute_api
from mininova.db import instances as db_instances
from mininova.db import services as db_services

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
VERSIONS = [f"2.{minor}" for minor in range(1, 101)]


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def _minor(version: str | None) -> int:
    return int(version.split(".")[1])


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, ephemeral_gb=2, swap=256, disabled=False,
                   is_public=True).create()
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0, min_ram=0,
                  properties={"os_distro": "cirros", "kernel_id": "kern-1",
                              "bad/key": "not shown"}).create()
    objects.Service.register(admin_ctxt, "compute1", "nova-compute", "compute")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _create(client, version="2.100", headers=MEMBER, hints=None, **server):
    body = {"server": {"name": "My Server_1.x", "imageRef": IMAGE_ID, "flavorRef": "1",
                       **server}}
    if _minor(version) >= 37:
        body["server"].setdefault("networks", "none")
    if hints is not None:
        body["os:scheduler_hints"] = hints
    return client.simulate_post("/v2.1/servers", headers={**headers, **_v(version)},
                                json=body)


def _activate(server_id: str, host: str | None = "compute1") -> None:
    """What a successful build leaves: ACTIVE on a host."""
    db_instances.instance_update(server_id, {"vm_state": "active", "task_state": None,
                                       "host": host, "node": host, "power_state": 1})


@pytest.fixture
def server(client):
    """An ACTIVE server of project p1 booted at 2.100 with every create option."""
    resp = _create(client, description="first", tags=["blue", "green"],
                   user_data="aGVsbG8=", availability_zone="nova",
                   hints={"same_host": str(uuid.uuid4()), "query": "x"})
    assert resp.status_code == 202, resp.text
    server_id = resp.json["server"]["id"]
    _activate(server_id)
    return server_id


def _show(client, server_id, version, headers=ADMIN) -> dict:
    resp = client.simulate_get(f"/v2.1/servers/{server_id}",
                               headers={**headers, **_v(version)})
    assert resp.status_code == 200, resp.text
    return resp.json["server"]


def _tempest_schema(name: str, version: str) -> dict:
    """The schema tempest's servers client judges ``name`` by at ``version``."""
    for entry in reversed(ServersClient.schema_versions_info):
        if entry["min"] is None or _minor(version) >= _minor(entry["min"]):
            return getattr(entry["schema"], name)
    raise LookupError(version)


def _judge(name: str, version: str, resp) -> None:
    schema = _tempest_schema(name, version)
    assert resp.status_code in schema["status_code"], resp.text
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER)
    errors = [f"{e.message} at /{'/'.join(map(str, e.path))}"
              for e in validator.iter_errors(resp.json)]
    assert not errors, f"{name} at {version}: {errors}"


@pytest.mark.parametrize("headers", [ADMIN, MEMBER], ids=["admin", "member"])
def test_every_version_answers_as_tempest_expects(client, server, headers):
    """Show, list detail and update at each of the 100 versions, by tempest's schemas."""
    for version in VERSIONS:
        hdrs = {**headers, **_v(version)}
        _judge("get_server", version,
               client.simulate_get(f"/v2.1/servers/{server}", headers=hdrs))
        _judge("list_servers_detail", version,
               client.simulate_get("/v2.1/servers/detail", headers=hdrs))
        _judge("list_servers", version, client.simulate_get("/v2.1/servers", headers=hdrs))
        _judge("update_server", version, client.simulate_put(
            f"/v2.1/servers/{server}", headers=hdrs, json={"server": {"name": "same"}}))


def _image_properties(server):
    return server["image"].get("properties")


def _flavor_name(server):
    return server["flavor"].get("original_name")


# field (or a function of the server), the version that adds it, who sees it
BOUNDARIES = [
    ("OS-EXT-SRV-ATTR:reservation_id", "2.3", ADMIN),
    ("OS-EXT-SRV-ATTR:user_data", "2.3", ADMIN),
    ("locked", "2.9", MEMBER),
    ("host_status", "2.16", ADMIN),
    ("description", "2.19", MEMBER),
    ("tags", "2.26", MEMBER),
    (_flavor_name, "2.47", MEMBER),
    ("trusted_image_certificates", "2.63", MEMBER),
    ("server_groups", "2.71", MEMBER),
    ("locked_reason", "2.73", MEMBER),
    ("OS-EXT-SRV-ATTR:hostname", "2.90", MEMBER),
    ("pinned_availability_zone", "2.96", MEMBER),
    (_image_properties, "2.98", MEMBER),
    ("scheduler_hints", "2.100", MEMBER),
]


@pytest.mark.parametrize("field, version, headers", BOUNDARIES,
                         ids=[f"{getattr(f, '__name__', f)}@{v}" for f, v, _ in BOUNDARIES])
def test_field_appears_exactly_at_its_version(client, server, field, version, headers):
    before = f"2.{_minor(version) - 1}"

    def present(body):
        return field(body) is not None if callable(field) else field in body

    assert not present(_show(client, server, before, headers))
    assert present(_show(client, server, version, headers))


def test_create_options_are_shown_with_their_values(client, server):
    shown = _show(client, server, "2.100")
    assert shown["description"] == "first"
    assert shown["tags"] == ["blue", "green"]
    assert shown["locked"] is False and shown["locked_reason"] is None
    assert shown["pinned_availability_zone"] == "nova"
    assert shown["scheduler_hints"]["query"] == "x"
    assert shown["trusted_image_certificates"] is None and shown["server_groups"] == []
    assert shown["image"]["properties"] == {"os_distro": "cirros", "kernel_id": "kern-1"}
    assert shown["flavor"] == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 2,
                               "swap": 256, "original_name": "m1.tiny", "extra_specs": {}}
    assert shown["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert shown["OS-EXT-SRV-ATTR:launch_index"] == 0
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "my-server-1-x"
    assert shown["OS-EXT-SRV-ATTR:kernel_id"] == "kern-1"
    assert shown["OS-EXT-SRV-ATTR:root_device_name"] == "/dev/vda"
    assert shown["OS-EXT-SRV-ATTR:user_data"] == "aGVsbG8="


def test_extended_attributes_stay_admin_only(client, server):
    member = _show(client, server, "2.89", MEMBER)
    assert not [key for key in member if key.startswith("OS-EXT-SRV-ATTR:")]
    assert "host_status" not in _show(client, server, "2.100", MEMBER)
    member = _show(client, server, "2.90", MEMBER)
    assert [key for key in member if key.startswith("OS-EXT-SRV-ATTR:")] == [
        "OS-EXT-SRV-ATTR:hostname"]


def test_unchanged_at_2_1(client, server):
    """A request without a version header gets the 2.1 server, as before 2.x existed."""
    resp = client.simulate_get(f"/v2.1/servers/{server}", headers=ADMIN)
    shown = resp.json["server"]
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"
    assert shown["flavor"]["id"] == "1" and "properties" not in shown["image"]
    for key in ("locked", "description", "tags", "host_status",
                "OS-EXT-SRV-ATTR:reservation_id", "pinned_availability_zone"):
        assert key not in shown


@pytest.mark.parametrize("service, expected", [
    ({}, "UP"),
    ({"disabled": True}, "MAINTENANCE"),
    ({"forced_down": True}, "DOWN"),
    ({"last_seen_up": datetime.datetime(2020, 1, 1)}, "UNKNOWN"),
])
def test_host_status_follows_the_compute_service(client, server, service, expected):
    if service:
        row = db_services.service_get_by_host_and_binary("compute1", "nova-compute")
        db_services.service_update(row.id, service)
    assert _show(client, server, "2.16")["host_status"] == expected


def test_host_status_is_empty_without_a_host(client):
    server_id = _create(client).json["server"]["id"]
    assert _show(client, server_id, "2.16")["host_status"] == ""


def test_a_locked_server_refuses_non_admin_actions(client, server):
    def act(body, headers=MEMBER, version="2.73"):
        return client.simulate_post(f"/v2.1/servers/{server}/action",
                                    headers={**headers, **_v(version)}, json=body)

    assert act({"lock": {"locked_reason": "maintenance"}}).status_code == 202
    shown = _show(client, server, "2.73", MEMBER)
    assert (shown["locked"], shown["locked_reason"]) == (True, "maintenance")
    for body in ({"os-stop": None}, {"reboot": {"type": "SOFT"}}):
        resp = act(body)
        assert resp.status_code == 409, resp.text
        assert "is locked" in resp.json["conflictingRequest"]["message"]
    resp = client.simulate_delete(f"/v2.1/servers/{server}", headers=MEMBER)
    assert resp.status_code == 409
    # Renaming changes no state: Nova allows it on a locked server.
    assert client.simulate_put(f"/v2.1/servers/{server}", headers=MEMBER,
                               json={"server": {"name": "renamed"}}).status_code == 200
    assert act({"os-stop": None}, headers=ADMIN).status_code == 202, "admins override"
    assert act({"unlock": None}).status_code == 202
    assert _show(client, server, "2.73", MEMBER)["locked"] is False
    actions = client.simulate_get(f"/v2.1/servers/{server}/os-instance-actions",
                                  headers=MEMBER).json["instanceActions"]
    assert [a["action"] for a in actions][:3] == ["unlock", "stop", "lock"]


def test_an_admin_lock_needs_the_override_to_unlock(client, server):
    def act(body, headers):
        return client.simulate_post(f"/v2.1/servers/{server}/action",
                                    headers={**headers, **_v("2.9")}, json=body)

    assert act({"lock": None}, ADMIN).status_code == 202
    resp = act({"unlock": None}, MEMBER)
    assert resp.status_code == 403, resp.text
    assert act({"unlock": None}, ADMIN).status_code == 202


@pytest.mark.parametrize("version, body, code", [
    ("2.72", {"lock": {"locked_reason": "ignored below 2.73"}}, 202),
    ("2.73", {"lock": {"locked_reason": ""}}, 400),
    ("2.73", {"lock": {"reason": "x"}}, 400),
    ("2.73", {"lock": None}, 202),
])
def test_lock_bodies(client, server, version, body, code):
    resp = client.simulate_post(f"/v2.1/servers/{server}/action",
                                headers={**MEMBER, **_v(version)}, json=body)
    assert resp.status_code == code, resp.text
    if code == 202:
        assert _show(client, server, "2.73", MEMBER)["locked_reason"] is None


def test_lock_of_another_projects_server_is_not_found(client, server):
    resp = client.simulate_post(f"/v2.1/servers/{server}/action",
                                headers={"X-Auth-Token": "bob:p2"}, json={"lock": None})
    assert resp.status_code == 404


@pytest.mark.parametrize("version, server_body, code", [
    ("2.18", {"description": "x"}, 400),
    ("2.19", {"description": "new"}, 200),
    ("2.19", {"description": None}, 200),
    ("2.19", {"description": "x" * 256}, 400),
    ("2.89", {"hostname": "web-1"}, 400),
    ("2.90", {"hostname": "web-1"}, 200),
    ("2.90", {"hostname": "web.example.com"}, 400),
    ("2.94", {"hostname": "web.example.com"}, 200),
    ("2.1", {"name": " padded"}, 400),
    ("2.1", {"access": "x"}, 400),
])
def test_update_bodies(client, server, version, server_body, code):
    resp = client.simulate_put(f"/v2.1/servers/{server}", headers={**MEMBER, **_v(version)},
                               json={"server": server_body})
    assert resp.status_code == code, resp.text
    if code == 200:
        shown = _show(client, server, "2.100", MEMBER)
        for key, value in server_body.items():
            assert shown.get(key, shown.get(f"OS-EXT-SRV-ATTR:{key}")) == value


def test_update_answers_the_whole_server_from_2_75(client, server):
    def put(version):
        return client.simulate_put(f"/v2.1/servers/{server}", headers={**ADMIN, **_v(version)},
                                   json={"server": {"name": "renamed"}}).json["server"]

    below, at = put("2.74"), put("2.75")
    assert below["name"] == at["name"] == "renamed"
    assert "OS-EXT-STS:vm_state" not in below and "OS-EXT-SRV-ATTR:host" not in below
    assert at["OS-EXT-STS:vm_state"] == "active" and at["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert at["host_status"] == "UP"


def test_tags_routes(client, server):
    base = f"/v2.1/servers/{server}/tags"
    hdrs = {**MEMBER, **_v("2.26")}
    assert client.simulate_get(base, headers={**MEMBER, **_v("2.25")}).status_code == 404
    assert client.simulate_get(base, headers=hdrs).json == {"tags": ["blue", "green"]}
    resp = client.simulate_put(f"{base}/red", headers=hdrs)
    assert resp.status_code == 201 and resp.headers["Location"].endswith(f"{base}/red")
    assert client.simulate_put(f"{base}/red", headers=hdrs).status_code == 204
    assert client.simulate_get(f"{base}/red", headers=hdrs).status_code == 204
    assert client.simulate_get(f"{base}/pink", headers=hdrs).status_code == 404
    assert client.simulate_delete(f"{base}/red", headers=hdrs).status_code == 204
    assert client.simulate_delete(f"{base}/red", headers=hdrs).status_code == 404
    resp = client.simulate_put(base, headers=hdrs, json={"tags": ["a", "b", "a"]})
    assert resp.status_code == 200 and resp.json == {"tags": ["a", "b"]}
    assert client.simulate_delete(base, headers=hdrs).status_code == 204
    assert client.simulate_get(base, headers=hdrs).json == {"tags": []}
    assert _show(client, server, "2.26", MEMBER)["tags"] == []


@pytest.mark.parametrize("path, body", [
    ("/tags/a,b", None),
    ("/tags/" + "x" * 61, None),
    ("/tags", {"tags": ["ok", "no/slash"]}),
    ("/tags", {"tags": [f"t{i}" for i in range(51)]}),
    ("/tags", {"tag": []}),
])
def test_bad_tags_are_400(client, server, path, body):
    kwargs = {"json": body} if body is not None else {}
    resp = client.simulate_put(f"/v2.1/servers/{server}{path}",
                               headers={**MEMBER, **_v("2.26")}, **kwargs)
    assert resp.status_code == 400, resp.text
    assert "badRequest" in resp.json


def test_the_fifty_first_tag_is_refused(client, server):
    base = f"/v2.1/servers/{server}/tags"
    hdrs = {**MEMBER, **_v("2.26")}
    client.simulate_put(base, headers=hdrs, json={"tags": [f"t{i}" for i in range(50)]})
    resp = client.simulate_put(f"{base}/one-more", headers=hdrs)
    assert resp.status_code == 400
    assert "per-server limit 50" in resp.json["badRequest"]["message"]


def test_tags_of_a_building_server_are_read_only(client):
    server_id = _create(client).json["server"]["id"]
    hdrs = {**MEMBER, **_v("2.26")}
    assert client.simulate_get(f"/v2.1/servers/{server_id}/tags", headers=hdrs).status_code \
        == 200
    resp = client.simulate_put(f"/v2.1/servers/{server_id}/tags/x", headers=hdrs)
    assert resp.status_code == 409


@pytest.mark.parametrize("version, server_body, code", [
    ("2.36", {}, 202),
    ("2.37", {"networks": None}, 400),
    ("2.37", {"networks": "auto"}, 202),
    ("2.37", {"networks": []}, 202),
    ("2.37", {"networks": [{"uuid": str(uuid.uuid4())}]}, 400),
    ("2.18", {"description": "x"}, 400),
    ("2.19", {"description": "x"}, 202),
    ("2.51", {"tags": ["a"]}, 400),
    ("2.52", {"tags": ["a"]}, 202),
    ("2.52", {"tags": ["a/b"]}, 400),
    ("2.89", {"hostname": "web-1"}, 400),
    ("2.90", {"hostname": "web-1"}, 202),
    ("2.1", {"user_data": "not base64!"}, 400),
    ("2.1", {"availability_zone": "elsewhere"}, 400),
    ("2.100", {"personality": []}, 400),
])
def test_create_bodies(client, version, server_body, code):
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1", **server_body}
    if body.get("networks", "") is None:
        del body["networks"]
    elif _minor(version) >= 37:
        body.setdefault("networks", "none")
    resp = client.simulate_post("/v2.1/servers", headers={**MEMBER, **_v(version)},
                                json={"server": body})
    assert resp.status_code == code, resp.text
    if code == 202:
        assert set(resp.json["server"]) == {"id", "links", "OS-DCF:diskConfig", "adminPass"}


def test_create_with_a_hostname_keeps_it(client):
    server_id = _create(client, version="2.90", hostname="web-1").json["server"]["id"]
    assert _show(client, server_id, "2.90", MEMBER)["OS-EXT-SRV-ATTR:hostname"] == "web-1"


def test_a_name_without_hostname_characters_gets_a_default_hostname(client):
    server_id = _create(client, name="日本").json["server"]["id"]
    assert _show(client, server_id, "2.90", MEMBER)["OS-EXT-SRV-ATTR:hostname"] == \
        f"Server-{server_id}"


@pytest.mark.parametrize("name, hostname", [
    ("My Server_1.x", "my-server-1-x"),
    ("--web--", "web"),
    ("a" * 70, "a" * 63),
    ("café!", "café"),
    ("日本", "Server-1"),
])
def test_hostnames_are_made_from_names_as_nova_does(name, hostname):
    assert compute_api.sanitize_hostname(name, "Server-1") == hostname


def test_an_instance_backported_to_1_0_loses_the_new_fields(client, server, admin_ctxt):
    """A peer still on Instance 1.0 gets what it knows (the 1.1 fields dropped)."""
    inst = objects.Instance.get_by_uuid(admin_ctxt, server)
    primitive = inst.obj_to_primitive(target_version="1.0")["mininova_object.data"]
    assert "locked" not in primitive and "scheduler_hints" not in primitive
    assert primitive["display_name"] == "My Server_1.x"
