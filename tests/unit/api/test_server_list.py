"""GET /servers filters, sorting and paging, as the stock clients use them."""
import datetime
import urllib.parse
import uuid

import oslo_messaging as messaging
import pytest
import sqlalchemy as sa
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi
from mininova.db import api as db_api

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


def test_limit_zero_lists_nothing(client, servers):
    for path in ("/v2.1/servers", "/v2.1/servers/detail"):
        resp = client.simulate_get(path, headers=MEMBER, params={"limit": "0"})
        assert _names(resp) == []
        assert "servers_links" not in resp.json


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
    resp = client.simulate_get("/v2.1/servers", headers=other, params={"all_tenants": "1"})
    assert resp.status_code == 403 and "forbidden" in resp.json
    # A host filter from a member is dropped, as in Nova: it shows only its own servers.
    assert _names(client.simulate_get("/v2.1/servers", headers=other,
                                      params={"host": "compute1"})) == []
    assert len(_names(client.simulate_get("/v2.1/servers", headers=ADMIN,
                                          params={"all_tenants": "1",
                                                  "host": "compute1"}))) == 5
    assert _names(client.simulate_get("/v2.1/servers", headers=ADMIN,
                                      params={"all_tenants": "1", "host": "nowhere"})) == []


def _v(version: str) -> dict:
    return {**MEMBER, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def tagged(servers):
    """web-0: a, b; web-1: a; db-0: b; the others none."""
    for inst, tags in zip(servers, (["a", "b"], ["a"], ["b"]), strict=False):
        objects.TagList.create(inst._context, inst.uuid, tags)
    return servers


@pytest.mark.parametrize("params, expected", [
    ({"tags": "a,b"}, {"web-0"}),
    ({"tags-any": "a,b"}, {"web-0", "web-1", "db-0"}),
    ({"not-tags": "a,b"}, {"web-1", "db-0", "web-2", "db-1"}),
    ({"not-tags-any": "a"}, {"db-0", "web-2", "db-1"}),
    ({"tags": "a", "not-tags": "b"}, {"web-1"}),
])
def test_tag_filters(client, tagged, params, expected):
    resp = client.simulate_get("/v2.1/servers", headers=_v("2.26"), params=params)
    assert set(_names(resp)) == expected
    # Below 2.26 they are no filters at all.
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.25"),
                                          params=params))) == 5


def test_locked_filter_from_2_73(client, servers):
    servers[2].locked = True
    servers[2].save()
    assert _names(client.simulate_get("/v2.1/servers", headers=_v("2.73"),
                                      params={"locked": "true"})) == ["db-0"]
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.73"),
                                          params={"locked": "false"}))) == 4
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.72"),
                                          params={"locked": "true"}))) == 5
    resp = client.simulate_get("/v2.1/servers", headers=_v("2.73"), params={"locked": "maybe"})
    assert resp.status_code == 400


def test_changes_before_from_2_66(client, servers):
    params = {"changes-before": "2026-01-01T00:00:01Z"}
    assert set(_names(client.simulate_get("/v2.1/servers", headers=_v("2.66"),
                                          params=params))) == {"web-0", "web-1"}
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.65"),
                                          params=params))) == 5
    resp = client.simulate_get("/v2.1/servers", headers=_v("2.66"), params={
        "changes-since": "2026-01-01T00:00:03Z", "changes-before": "2026-01-01T00:00:01Z"})
    assert resp.status_code == 400


def test_unknown_query_parameters_are_400_from_2_75(client, servers):
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.74"),
                                          params={"colour": "red"}))) == 5
    resp = client.simulate_get("/v2.1/servers/detail", headers=_v("2.75"),
                               params={"colour": "red"})
    assert resp.status_code == 400 and "colour" in resp.json["badRequest"]["message"]


def test_more_filters_for_non_admins_from_2_83(client, servers):
    servers[1].vm_state = "stopped"
    servers[1].save()
    params = {"vm_state": "stopped"}
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.82"),
                                          params=params))) == 5
    assert _names(client.simulate_get("/v2.1/servers", headers=_v("2.83"),
                                      params=params)) == ["web-1"]
    assert _names(client.simulate_get("/v2.1/servers", headers=_v("2.83"),
                                      params={"availability_zone": "elsewhere"})) == []


def test_hostname_filter_from_2_90(client, servers):
    servers[0].hostname = "frontend"
    servers[0].save()
    assert _names(client.simulate_get("/v2.1/servers", headers=_v("2.90"),
                                      params={"hostname": "^front"})) == ["web-0"]


def test_ip_filter_matches_nothing_without_networking(client, servers):
    assert _names(client.simulate_get("/v2.1/servers", headers=MEMBER,
                                      params={"ip": "10.0.0.1"})) == []


def test_deleted_is_a_known_parameter_and_an_admin_filter(client, servers):
    """The CLI sends deleted=False at 2.100; only an admin's deleted=true changes things."""
    servers[0].destroy()
    params = {"deleted": "False"}
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.100"),
                                          params=params))) == 4
    admin = {**ADMIN, "OpenStack-API-Version": "compute 2.100"}
    assert _names(client.simulate_get("/v2.1/servers", headers=admin, params={
        "deleted": "true", "all_tenants": "1"})) == ["web-0"]
    assert len(_names(client.simulate_get("/v2.1/servers", headers=_v("2.100"),
                                          params={"deleted": "true"}))) == 4


@pytest.mark.parametrize("path", ["/v2.1/servers/detail", "/v2.1/servers/{id}"])
def test_a_read_takes_one_connection_for_all_its_queries(client, servers, path):
    """A GET of servers makes several queries (rows, metadata, tags, zones, services,
    image) in one transaction: one connection checkout, not one per query."""
    engine = db_api._ENGINE.sessionmaker().kw["bind"]
    checkouts, statements = [], []
    listeners = [(engine.pool, "checkout", lambda *a: checkouts.append(1)),
                 (engine, "before_cursor_execute", lambda *a: statements.append(a[2]))]
    for target, name, fn in listeners:
        sa.event.listen(target, name, fn)
    try:
        resp = client.simulate_get(path.format(id=servers[0].uuid),
                                   headers={**MEMBER, "X-OpenStack-Nova-API-Version": "2.100"},
                                   params={"limit": "2"} if "detail" in path else None)
    finally:
        for target, name, fn in listeners:
            sa.event.remove(target, name, fn)
    assert resp.status_code == 200, resp.text
    assert len(statements) >= 4, statements
    assert len(checkouts) == 1, statements


def test_the_brief_list_reads_only_ids_and_names(client, servers):
    """GET /servers shows ids and names: one query of those columns, none for the
    servers' addresses or other columns; the answer is unchanged."""
    engine = db_api._ENGINE.sessionmaker().kw["bind"]
    statements = []

    def seen(*args):
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        resp = client.simulate_get("/v2.1/servers", headers=MEMBER, params={"limit": "2"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert resp.json["servers"] == [
        {"id": inst.uuid, "name": inst.display_name,
         "links": [{"rel": "self", "href": f"http://falconframework.org/v2.1/servers/"
                                           f"{inst.uuid}"},
                   {"rel": "bookmark", "href": f"http://falconframework.org/servers/"
                                               f"{inst.uuid}"}]}
        for inst in (servers[4], servers[3])]
    assert len(statements) == 1, statements
    selected = statements[0].split(" FROM ")[0]
    assert "fixed_ips" not in statements[0] and "image_ref" not in selected, statements
