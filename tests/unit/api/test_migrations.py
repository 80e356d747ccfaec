"""GET /os-migrations and /servers/{id}/migrations: no migration exists yet, so the lists
are empty, but the filters, paging, policies and views are Nova's."""
import datetime
import types
import uuid

import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.common import jsonschema_validator
from tempest.lib.services.compute.migrations_client import MigrationsClient

from mininova import conf
from mininova import objects
from mininova.api import api_version
from mininova.api import wsgi
from mininova.api.views import migrations as views
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
MISSING = "8e0a7f43-4e8b-4a55-9f3b-1d0f1f8f7c1e"
VERSIONS = [f"2.{minor}" for minor in range(1, 101)]


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt):
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.fixture
def server(client):
    resp = client.simulate_post("/v2.1/servers", headers=MEMBER, json={"server": {
        "name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1"}})
    server_id = resp.json["server"]["id"]
    db_instances.instance_update(server_id, {"vm_state": "active", "task_state": None})
    return server_id


def _schema(version: str) -> dict:
    for entry in reversed(MigrationsClient.schema_versions_info):
        if entry["min"] is None or int(version[2:]) >= int(entry["min"][2:]):
            return entry["schema"].list_migrations


def _valid(schema: dict, body) -> list[str]:
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER)
    return [error.message for error in validator.iter_errors(body)]


def test_list_is_empty_and_valid_for_tempest_at_every_version(client):
    for version in VERSIONS:
        resp = client.simulate_get("/v2.1/os-migrations", headers={**ADMIN, **_v(version)})
        assert resp.status_code == 200, resp.text
        assert resp.json == {"migrations": []}
        assert not _valid(_schema(version), resp.json)


def test_filters_and_paging_by_version(client):
    get = client.simulate_get
    assert get("/v2.1/os-migrations", params={"status": "done", "host": "c1",
                                              "migration_type": "resize", "hidden": "0",
                                              "anything": "x"},
               headers=ADMIN).status_code == 200
    assert get("/v2.1/os-migrations", params={"anything": "x"},
               headers={**ADMIN, **_v("2.59")}).status_code == 400
    assert get("/v2.1/os-migrations", params={"limit": "2", "changes-since":
                                              "2026-01-01T00:00:00Z"},
               headers={**ADMIN, **_v("2.59")}).status_code == 200
    assert get("/v2.1/os-migrations", params={"limit": "many"},
               headers={**ADMIN, **_v("2.59")}).status_code == 400
    assert get("/v2.1/os-migrations", params={"user_id": "alice"},
               headers={**ADMIN, **_v("2.79")}).status_code == 400
    assert get("/v2.1/os-migrations", params={"user_id": "alice", "project_id": "p1"},
               headers={**ADMIN, **_v("2.80")}).status_code == 200
    # NOTE: no migration has the marker's uuid: Nova's 400.
    marker = get("/v2.1/os-migrations", params={"marker": MISSING},
                 headers={**ADMIN, **_v("2.59")})
    assert marker.status_code == 400 and MISSING in marker.text


def test_list_is_admin_only(client):
    assert client.simulate_get("/v2.1/os-migrations", headers=MEMBER).status_code == 403


def test_a_migration_renders_as_tempest_expects():
    now = datetime.datetime(2026, 12, 2, 7, 0, 0)
    mig = types.SimpleNamespace(
        id=1, uuid=MISSING, status="running", instance_uuid=IMAGE_ID, source_node="n1",
        source_compute="c1", dest_node="n2", dest_compute="c2", dest_host="10.0.0.2",
        old_instance_type_id=1, new_instance_type_id=1, created_at=now, updated_at=None,
        migration_type="live-migration", user_id="alice", project_id="p1")
    for version in VERSIONS:
        req = types.SimpleNamespace(prefix="http://x", context=types.SimpleNamespace(
            api_version=api_version.parse(_v(version))))
        body = {"migrations": [views.migration(req, mig)]}
        assert not _valid(_schema(version), body), version


def test_server_migrations_are_empty_from_2_23(client, server):
    path = f"/v2.1/servers/{server}/migrations"
    assert client.simulate_get(path, headers={**ADMIN, **_v("2.22")}).status_code == 404
    resp = client.simulate_get(path, headers={**ADMIN, **_v("2.23")})
    assert (resp.status_code, resp.json) == (200, {"migrations": []})
    assert client.simulate_get(f"{path}/1",
                               headers={**ADMIN, **_v("2.23")}).status_code == 404
    assert client.simulate_get(path, headers={**MEMBER, **_v("2.23")}).status_code == 403
    missing = client.simulate_get(f"/v2.1/servers/{MISSING}/migrations",
                                  headers={**ADMIN, **_v("2.23")})
    assert missing.status_code == 404


def _record(ctxt, server_id: str, status: str, source: str, dest: str,
            migration_type: str = "resize"):
    mig = objects.Migration(
        ctxt, uuid=str(uuid.uuid4()), instance_uuid=server_id, source_compute=source,
        source_node=source, dest_compute=dest, dest_node=dest, dest_host=dest,
        old_instance_type_id=1, new_instance_type_id=2, old_flavor={}, new_flavor={},
        status=status, migration_type=migration_type, hidden=False, user_id="alice",
        project_id="p1")
    mig.create()
    return mig


def test_records_are_listed_filtered_and_paged(client, server, admin_ctxt):
    first = _record(admin_ctxt, server, "confirmed", "c1", "c2")
    second = _record(admin_ctxt, server, "reverted", "c2", "c3", "migration")
    third = _record(admin_ctxt, server, "finished", "c3", "c1")

    def listed(version="2.80", **params):
        resp = client.simulate_get("/v2.1/os-migrations", params=params,
                                   headers={**ADMIN, **_v(version)})
        assert resp.status_code == 200, resp.text
        # NOTE: tempest 47's schemas lack Nova's migrations_links (2.59, with a limit).
        body = {"migrations": resp.json["migrations"]}
        assert not _valid(_schema(version), body), body
        return [m["id"] for m in body["migrations"]]

    assert listed() == [third.id, second.id, first.id]
    assert listed(host="c1") == [third.id, first.id]
    assert listed(status="reverted") == [second.id]
    assert listed(migration_type="migration") == [second.id]
    assert listed(source_compute="c2", instance_uuid=server) == [second.id]
    assert listed(limit="2") == [third.id, second.id]
    assert listed(limit="2", marker=second.uuid) == [first.id]
    for version in ("2.1", "2.23", "2.59"):
        assert len(listed(version)) == 3
