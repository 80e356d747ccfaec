"""rebuild, os-resetState and server diagnostics through the whole request path (API ->
compute RPC -> libvirt test driver), the answers judged by tempest's own schemas."""
import pytest
from tempest.lib.services.compute.servers_client import ServersClient

from tests.functional import tempest_schemas as ts
from tests.functional.conftest import ApiClient

RUNNING, SHUTDOWN = 1, 4  # power_state values
# One version per change of the rebuild answer: 2.1, PUT-view additions, 2.75 (whole
# server), the last.
REBUILD_VERSIONS = ("2.1", "2.9", "2.19", "2.26", "2.47", "2.54", "2.57", "2.63", "2.71",
                    "2.73", "2.75", "2.90", "2.96", "2.98", "2.100")


@pytest.fixture(scope="module")
def alt_image(mininova):
    """A second active image, uploaded through the Image API v2 as the CLI does."""
    api = ApiClient(mininova.api_url)
    resp = api.post("/image/v2/images", {"name": "rebuild-alt", "disk_format": "qcow2",
                                         "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    image_id = resp.json()["id"]
    resp = api.request("PUT", f"/image/v2/images/{image_id}/file", data="x" * 1024,
                       headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    yield image_id
    api.delete(f"/image/v2/images/{image_id}")


def _rebuild(api, sid, body, version="2.1"):
    return api.request("POST", f"/v2.1/servers/{sid}/action", body={"rebuild": body},
                       headers=ts.version_header(version))


def _action_events(api, sid, action):
    resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions")
    rid = next(a["request_id"] for a in resp.json()["instanceActions"]
               if a["action"] == action)
    return api.wait_for_action_events(sid, rid)


def test_rebuild_active_server(api, servers, mininova, alt_image):
    sid = servers.create("rebuild-me")["id"]
    resp = _rebuild(api, sid, {"imageRef": alt_image, "name": "rebuilt",
                               "metadata": {"rebuild": "server"},
                               "adminPass": "rebuildPassw0rd"})
    assert resp.status_code == 202, resp.text
    assert resp.headers["Location"].endswith(f"/v2.1/servers/{sid}")
    body = resp.json()["server"]
    assert (body["id"], body["image"]["id"], body["name"]) == (sid, alt_image, "rebuilt")
    assert body["adminPass"] == "rebuildPassw0rd"
    assert body["status"] in ("REBUILD", "ACTIVE"), body
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["image"]["id"] == alt_image and server["name"] == "rebuilt", server
    assert server["OS-EXT-STS:power_state"] == RUNNING, server
    detail = _action_events(api, sid, "rebuild")
    events = {e["event"]: e["result"] for e in detail["events"]}
    assert events == {"compute_rebuild_instance": "Success"}, detail


def test_rebuild_stopped_server_stays_stopped(api, servers, mininova, alt_image):
    sid = servers.create("rebuild-stopped")["id"]
    assert api.action(sid, {"os-stop": None}).status_code == 202
    api.wait_for_status(sid, "SHUTOFF")
    resp = _rebuild(api, sid, {"imageRef": alt_image})
    assert resp.status_code == 202, resp.text
    assert resp.json()["server"]["status"] in ("REBUILD", "SHUTOFF")
    server = api.wait_for_status(sid, "SHUTOFF")
    assert server["image"]["id"] == alt_image, server
    assert server["OS-EXT-STS:power_state"] == SHUTDOWN, server
    # Back to the first image: a rebuild may name the image the server has.
    assert _rebuild(api, sid, {"imageRef": mininova.image_id}).status_code == 202
    assert api.wait_for_status(sid, "SHUTOFF")["image"]["id"] == mininova.image_id


def test_rebuild_answers_conform_at_every_change(api, servers, mininova, alt_image):
    sid = servers.create("rebuild-schemas")["id"]
    schema = ts.Versioned(ServersClient, "rebuild_server_with_admin_pass")
    images = (alt_image, mininova.image_id)
    for i, version in enumerate(REBUILD_VERSIONS):
        resp = _rebuild(api, sid, {"imageRef": images[i % 2]}, version)
        ts.check(schema.at(version), resp, version)
        api.wait_for_status(sid, "ACTIVE")


@pytest.mark.parametrize("body, code", [
    ({"imageRef": "00000000-0000-0000-0000-000000000000"}, 400),
    ({"name": "no-image"}, 400),
    ({"imageRef": "IMAGE", "accessIPv4": "1.2.3"}, 400),
    ({"imageRef": "IMAGE", "metadata": {"k": 1}}, 400),
    ({"imageRef": "IMAGE", "key_name": "nope"}, 400),  # at 2.1: unknown field
])
def test_bad_rebuilds_are_400_and_change_nothing(api, servers, mininova, body, code):
    sid = servers.create("rebuild-bad")["id"]
    body = {k: (mininova.image_id if v == "IMAGE" else v) for k, v in body.items()}
    resp = _rebuild(api, sid, body)
    assert resp.status_code == code, resp.text
    server = api.show_server(sid)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_reset_state_then_rebuild_from_error(api, servers, alt_image):
    sid = servers.create("reset")["id"]
    for state, status in (("error", "ERROR"), ("active", "ACTIVE"), ("error", "ERROR")):
        resp = api.action(sid, {"os-resetState": {"state": state}})
        assert resp.status_code == 202 and not resp.content, resp.text
        assert api.show_server(sid)["status"] == status
    for bad in ({"state": "invalid"}, {"state": 1}, {}):
        assert api.action(sid, {"os-resetState": bad}).status_code == 400
    missing = api.action("00000000-0000-0000-0000-000000000000",
                         {"os-resetState": {"state": "error"}})
    assert missing.status_code == 404, missing.text
    resp = _rebuild(api, sid, {"imageRef": alt_image})
    assert resp.status_code == 202, resp.text
    server = api.wait_for_status(sid, "ACTIVE")
    assert server["image"]["id"] == alt_image
    names = [a["action"] for a in api.get(f"/v2.1/servers/{sid}/os-instance-actions")
             .json()["instanceActions"]]
    assert names.count("resetState") == 3 and "rebuild" in names, names


def test_diagnostics(api, servers):
    sid = servers.create("diagnostics")["id"]
    url = f"/v2.1/servers/{sid}/diagnostics"
    schema = ts.Versioned(ServersClient, "show_server_diagnostics")
    for version in ("2.1", "2.47", "2.48", "2.100"):
        resp = api.get(url, headers=ts.version_header(version))
        ts.check(schema.at(version), resp, version)
        assert resp.json(), resp.text
    legacy = api.get(url).json()
    assert legacy["memory"] == 512 * 1024 and "cpu0_time" in legacy, legacy
    new = api.get(url, headers=ts.version_header("2.48")).json()
    assert (new["state"], new["driver"], new["num_cpus"]) == ("running", "libvirt", 1), new
    assert new["memory_details"]["maximum"] == 512 and new["num_disks"] == 1, new
    assert api.action(sid, {"os-stop": None}).status_code == 202
    api.wait_for_status(sid, "SHUTOFF")
    stopped = api.get(url, headers=ts.version_header("2.48"))
    assert stopped.status_code == 409 and "conflictingRequest" in stopped.json(), stopped.text
