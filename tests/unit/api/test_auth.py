"""api/auth.py: the request context under each strategy, and the whole app behind
keystonemiddleware's auth_token (tokens from its AuthTokenFixture, no Keystone): public
version documents, 401 fault bodies, roles driving the policy, spoofed headers ignored."""
import falcon
import fixtures
import oslo_messaging as messaging
import pytest
from falcon import testing
from keystonemiddleware import auth_token
from keystonemiddleware import fixture as ksm_fixture

from mininova import conf
from mininova import objects
from mininova.api import auth
from mininova.api import wsgi

CONF = conf.CONF
WWW_AUTHENTICATE_URI = "http://keystone.example/identity"


def _request(path: str = "/v2.1/servers", headers: dict | None = None) -> falcon.Request:
    return falcon.Request(testing.create_environ(path=path, headers=headers or {}))


# --------------------------------------------------------------------------- noauth2

@pytest.mark.parametrize("token, user, project, admin, roles", [
    ("admin:admin", "admin", "admin", True, ["admin"]),
    ("alice:demo", "alice", "demo", False, ["member"]),
    ("bob", "bob", "bob", False, ["member"]),
])
def test_noauth2_context_from_token(token, user, project, admin, roles):
    ctxt = auth.build_context(auth.NOAUTH2, _request(headers={"X-Auth-Token": token}),
                              "req-1")
    assert (ctxt.user_id, ctxt.project_id, ctxt.is_admin, ctxt.roles, ctxt.request_id) == (
        user, project, admin, roles, "req-1")


@pytest.mark.parametrize("strategy", auth.STRATEGIES)
@pytest.mark.parametrize("path", sorted(auth.PUBLIC_PATHS))
def test_public_paths_are_anonymous_without_credentials(strategy, path):
    ctxt = auth.build_context(strategy, _request(path), "req-2")
    assert (ctxt.user_id, ctxt.project_id, ctxt.is_admin, ctxt.request_id) == (
        None, None, False, "req-2")


@pytest.mark.parametrize("strategy", auth.STRATEGIES)
def test_other_paths_need_credentials(strategy):
    with pytest.raises(falcon.HTTPUnauthorized):
        auth.build_context(strategy, _request("/v2.1/servers"), "req-3")


# --------------------------------------------------------------------------- keystone

def _confirmed(**extra) -> dict:
    return {"X-Identity-Status": "Confirmed", "X-User-Id": "u1", "X-Project-Id": "p1",
            "X-User-Domain-Id": "default", "X-Project-Domain-Id": "default",
            "X-Roles": "member,reader", "X-Is-Admin-Project": "False",
            "X-Auth-Token": "tok", **extra}


def test_keystone_context_from_auth_token_headers():
    ctxt = auth.build_context(auth.KEYSTONE, _request(headers=_confirmed()), "req-4")
    assert (ctxt.user_id, ctxt.project_id, ctxt.roles, ctxt.is_admin) == (
        "u1", "p1", ["member", "reader"], False)
    assert (ctxt.user_domain_id, ctxt.project_domain_id) == ("default", "default")
    assert (ctxt.is_admin_project, ctxt.auth_token, ctxt.request_id) == (
        False, "tok", "req-4")


def test_keystone_admin_role_makes_an_admin():
    headers = _confirmed(**{"X-Roles": "reader, admin", "X-Is-Admin-Project": "True"})
    ctxt = auth.build_context(auth.KEYSTONE, _request(headers=headers), "req-5")
    assert ctxt.is_admin and ctxt.is_admin_project and "admin" in ctxt.roles


@pytest.mark.parametrize("status", [None, "Invalid", "confirmed"])
def test_keystone_refuses_anything_but_confirmed(status):
    headers = _confirmed()
    headers.pop("X-Identity-Status")
    if status:
        headers["X-Identity-Status"] = status
    with pytest.raises(falcon.HTTPUnauthorized):
        auth.build_context(auth.KEYSTONE, _request(headers=headers), "req-6")


def test_keystone_ignores_a_noauth2_token():
    with pytest.raises(falcon.HTTPUnauthorized):
        auth.build_context(auth.KEYSTONE,
                           _request(headers={"X-Auth-Token": "admin:admin"}), "req-7")


# --------------------------------------------------------------------------- wrap_app

def test_noauth2_serves_the_falcon_app_itself(flags):
    app = falcon.App()
    assert auth.wrap_app(CONF, app) is app


@pytest.fixture
def keystone_tokens(db, admin_ctxt, flags):
    """The whole app with auth_strategy=keystone; returns (client, token fixture)."""
    for group, opts in auth_token.list_opts():
        CONF.register_opts(opts, group=group)
    flags(auth_strategy="keystone", group="api")
    flags(www_authenticate_uri=WWW_AUTHENTICATE_URI,
          service_token_roles_required=True, group="keystone_authtoken")
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    with fixtures.Fixture() as holder:
        tokens = holder.useFixture(ksm_fixture.AuthTokenFixture())
        tokens.add_token_data(token_id="member-token", user_id="alice", project_id="p1",
                              role_list=["member", "reader"])
        tokens.add_token_data(token_id="admin-token", user_id="root", project_id="adm",
                              role_list=["admin", "member"])
        transport = messaging.get_rpc_transport(CONF, url="fake://")
        app = wsgi.create_app(CONF, transport)
        assert isinstance(app, auth_token.AuthProtocol)
        # NOTE: falcon's TestClient inspects the app's signature, which webob's wsgify
        # (AuthProtocol) hides; a plain function in between is the same WSGI app.
        yield testing.TestClient(lambda environ, start_response: app(environ, start_response))


@pytest.mark.parametrize("path", ["/", "/v2.1", "/image"])
def test_keystone_version_documents_need_no_token(keystone_tokens, path):
    resp = keystone_tokens.simulate_get(path)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")


@pytest.mark.parametrize("token", [None, "not-a-token", "admin:admin"])
def test_keystone_without_valid_token_is_a_401_fault(keystone_tokens, token):
    headers = {"X-Auth-Token": token} if token else {}
    resp = keystone_tokens.simulate_get("/v2.1/servers", headers=headers)
    assert resp.status_code == 401
    assert resp.json == {"unauthorized": {
        "code": 401, "message": "The request you have made requires authentication."}}
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{WWW_AUTHENTICATE_URI}"'
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")


def test_keystone_spoofed_identity_headers_are_dropped(keystone_tokens):
    resp = keystone_tokens.simulate_get("/v2.1/os-services", headers={
        "X-Identity-Status": "Confirmed", "X-User-Id": "root", "X-Project-Id": "adm",
        "X-Roles": "admin"})
    assert resp.status_code == 401


def test_keystone_roles_drive_the_policy(keystone_tokens):
    member = {"X-Auth-Token": "member-token"}
    assert keystone_tokens.simulate_get("/v2.1/servers", headers=member).status_code == 200
    assert keystone_tokens.simulate_get("/v2.1/flavors", headers=member).status_code == 200
    denied = keystone_tokens.simulate_get("/v2.1/os-services",
                                          headers={**member, "X-Roles": "admin"})
    assert denied.status_code == 403 and "forbidden" in denied.json
    admin = {"X-Auth-Token": "admin-token"}
    assert keystone_tokens.simulate_get("/v2.1/os-services", headers=admin).status_code == 200
