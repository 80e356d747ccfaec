"""GET /servers filters, sorting and paging, as the stock clients use them."""
import datetime
import urllib.parse
import uuid

import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
MEMBER = {"X-Auth-Token": "alice:p1"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.fixture
def servers(ctxt):
    """Five servers of project p1 named web-0..2 and db-0..1, created a second apart."""
    made = []
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for i, name in enumerate(["web-0", "web-1", "db-0", "web-2", "db-1"]):
        inst = objects.Instance(ctxt, uuid=str(uuid.uuid4()), display_name=name,
                                project_id="p1", user_id="alice", image_ref="i",
                                flavor_id="1", flavor_name="f", memory_mb=1, vcpus=1,
                                root_gb=1, vm_state="active", task_state=None, power_state=1,
                                host="compute1", created_at=base + datetime.timedelta(seconds=i))
        inst.create()
        made.append(inst)
    return made


def _names(resp):
    assert resp.status_code == 200, resp.text
    return [s["name"] for s in resp.json["servers"]]


def test_name_is_a_regular_expression(client, servers):
    assert _names(client.simulate_get("/v2.1/servers", headers=MEMBER,
                                      params={"name": "^web-[02]$"})) == ["web-2", "web-0"]


def test_sort_key_and_dir(client, servers):
    resp = client.simulate_get("/v2.1/servers", headers=MEMBER,
                               params={"sort_key": "display_name", "sort_dir": "asc"})
    assert _names(resp) == ["db-0", "db-1", "web-0", "web-1", "web-2"]


def test_limit_marker_and_next_link_walk_every_server_once(client, servers):
    seen, params = [], {"limit": "2", "name": "-"}
    while True:
        resp = client.simulate_get("/v2.1/servers", headers=MEMBER, params=params)
        seen += _names(resp)
        links = resp.json.get("servers_links")
        if not links:
            break
        query = urllib.parse.urlparse(links[0]["href"]).query
        params = dict(urllib.parse.parse_qsl(query))
        assert params["name"] == "-", "the next link keeps the filters"
    assert seen == ["db-1", "web-2", "db-0", "web-1", "web-0"]


def test_changes_since_includes_deleted_servers(client, servers):
    servers[0].destroy()
    resp = client.simulate_get("/v2.1/servers/detail", headers=MEMBER,
                               params={"changes-since": "2026-01-01T00:00:03Z"})
    statuses = {s["name"]: s["status"] for s in resp.json["servers"]}
    assert statuses == {"web-0": "DELETED", "web-2": "ACTIVE", "db-1": "ACTIVE"}
    assert "web-0" not in _names(client.simulate_get("/v2.1/servers", headers=MEMBER))


@pytest.mark.parametrize("params", [{"sort_key": "password"}, {"sort_dir": "sideways"},
                                    {"name": "web-("}, {"changes-since": "yesterday"}])
def test_bad_list_parameters_are_400(client, servers, params):
    resp = client.simulate_get("/v2.1/servers", headers=MEMBER, params=params)
    assert resp.status_code == 400 and "badRequest" in resp.json


def test_all_tenants_and_host_are_admin_only(client, servers):
    other = {"X-Auth-Token": "bob:p2"}
    assert _names(client.simulate_get("/v2.1/servers", headers=other,
                                      params={"all_tenants": "1"})) == []
    assert len(_names(client.simulate_get("/v2.1/servers", headers=ADMIN,
                                          params={"all_tenants": "1",
                                                  "host": "compute1"}))) == 5
    assert _names(client.simulate_get("/v2.1/servers", headers=ADMIN,
                                      params={"all_tenants": "1", "host": "nowhere"})) == []
