"""Keystone mode end to end: the stock ``openstack`` CLI authenticates with a password
against a real Keystone, finds mininova in its catalog, and mininova-api (behind
keystonemiddleware's auth_token) turns the token's project and roles into the context
that the policy rules and the per-project views use.

The CLI scenarios of the noauth2 suite (tests/functional/stock_cli.py) run here as they
are, with an ordinary clouds.yaml entry (auth_url, username, password, project) and no
endpoint override: the projects they name are Keystone's, looked up by the CLI in
Keystone. Commands of different users that do not depend on each other run side by side,
as each ``openstack`` start costs a second or two on a small machine.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.functional import stock_cli
from tests.functional import stock_sdk
from tests.functional.conftest import IMAGE_NAME
from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServerTracker
from tests.functional_keystone.conftest import DOMAIN
from tests.functional_keystone.conftest import REGION

# NOTE: openstacksdk's own deprecation notices about its internals, and the one it gives
# for a 2.1 limits body's maxPersonality* (rightly there at 2.1): not about our use.
pytestmark = [
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:openstack"),
    pytest.mark.filterwarnings("ignore:The field 'maxPersonality:DeprecationWarning"),
]

CLOUD = "mininova-keystone"


def clouds_yaml(deployment) -> str:
    """The admin's entry, as an operator hands one out; members override the user."""
    return f"""\
clouds:
  {CLOUD}:
    auth:
      auth_url: {deployment.keystone.url}/v3
      username: admin
      password: {deployment.passwords["admin"]}
      project_name: {deployment.projects["admin"]}
      user_domain_name: {DOMAIN}
      project_domain_name: {DOMAIN}
    identity_api_version: 3
    region_name: {REGION}
"""


def _principal(user: str, password: str, project: str, project_id: str) -> stock_cli.Principal:
    return stock_cli.Principal(
        name=user, project_name=project, project_id=project_id,
        args=("--os-username", user, "--os-password", password,
              "--os-project-name", project))


@pytest.fixture(scope="module")
def cloud(deployment, tmp_path_factory) -> stock_cli.StockCloud:
    binary = shutil.which("openstack", path=os.path.dirname(sys.executable))
    if binary is None:
        pytest.fail(f"the openstack CLI is not installed next to {sys.executable}: "
                    "pip install -r test-requirements-cli.txt into the test venv")
    path: Path = tmp_path_factory.mktemp("openstack-cli") / "clouds.yaml"
    path.write_text(clouds_yaml(deployment))
    cli = stock_cli.OpenStackCLI(binary, stock_cli.client_env(path), CLOUD)
    keystone = deployment.keystone

    def new_member(prefix: str) -> stock_cli.Principal:
        """A new Keystone project with a new user holding the member role on it."""
        user, project = stock_cli.unique(prefix + "-user"), stock_cli.unique(prefix)
        password = uuid.uuid4().hex
        keystone.add_user(user, password, project, ("member",))
        return _principal(user, password, project, keystone.find("project", project))

    admin = _principal("admin", deployment.passwords["admin"], "admin",
                       deployment.project_ids["admin"])
    return stock_cli.StockCloud(
        cli=cli, api=ApiClient(deployment.mininova.api_url, token=keystone.admin_token),
        mininova=deployment.mininova, admin=admin, new_member=new_member)


@pytest.fixture
def members(deployment) -> dict:
    """The deployment's two members, alice (project-a) and bob (project-b)."""
    return {user: _principal(user, deployment.passwords[user], deployment.projects[user],
                             deployment.project_ids[deployment.projects[user]])
            for user in ("alice", "bob")}


@pytest.fixture
def servers(cloud):
    tracker = ServerTracker(cloud.api, cloud.mininova.image_id)
    yield tracker
    tracker.cleanup()


# --------------------------------------------------------------------------- the shared CLI

def test_image_and_server_lifecycle(cloud, servers, tmp_path):
    stock_cli.image_and_server_lifecycle(cloud, servers, tmp_path)


def test_flavors_services_and_hypervisors(cloud):
    stock_cli.flavors_services_and_hypervisors(cloud)


def test_limits_and_quota_exhaustion(cloud, servers):
    stock_cli.limits_and_quota_exhaustion(cloud, servers)


def test_quota_show_and_set(cloud):
    stock_cli.quota_show_and_set(cloud)


def test_networking(cloud, servers):
    """The network found through the catalog's network endpoint."""
    stock_cli.networking(cloud, servers)


# --------------------------------------------------------------------------- openstacksdk

def _sdk_connection(deployment, user: str, project: str):
    """A password-authenticated Connection; mininova is found through the catalog."""
    openstack = pytest.importorskip("openstack")
    return openstack.connect(
        auth_url=f"{deployment.keystone.url}/v3", username=user,
        password=deployment.passwords[user], project_name=project,
        user_domain_name=DOMAIN, project_domain_name=DOMAIN, region_name=REGION,
        identity_api_version="3", load_envvars=False, load_yaml_config=False)


@pytest.fixture(scope="module")
def sdk(deployment):
    connection = _sdk_connection(deployment, "admin", deployment.projects["admin"])
    yield connection
    connection.close()


def test_sdk_image_upload_and_server_lifecycle(sdk, servers, deployment):
    stock_sdk.image_upload_and_server_lifecycle(sdk, servers, deployment.mininova)


def test_sdk_flavors_services_hypervisors_and_limits(sdk, deployment):
    stock_sdk.flavors_services_hypervisors_and_limits(sdk, deployment.mininova)


def test_sdk_create_server_with_an_address(sdk, servers, deployment):
    stock_sdk.create_server_with_an_address(sdk, servers, deployment.mininova)


def test_sdk_member_sees_only_its_project(deployment, sdk, servers):
    """Through the SDK too: bob's server is not found for alice, and alice's listing and
    the admin-only proxies refuse or leave it out."""
    openstack = pytest.importorskip("openstack")
    bob = _sdk_connection(deployment, "bob", deployment.projects["bob"])
    alice = _sdk_connection(deployment, "alice", deployment.projects["alice"])
    try:
        flavor = bob.compute.find_flavor("m1.tiny", ignore_missing=False)
        server = bob.compute.create_server(name="sdk-bob", flavor_id=flavor.id,
                                           image_id=deployment.mininova.image_id,
                                           networks="none")
        servers.track(server.id)
        bob.compute.wait_for_server(server, status="ACTIVE", **stock_sdk.WAIT)
        with pytest.raises(openstack.exceptions.NotFoundException):
            alice.compute.get_server(server.id)
        with pytest.raises(openstack.exceptions.NotFoundException):
            alice.compute.stop_server(server.id)
        assert server.id not in {s.id for s in alice.compute.servers()}
        with pytest.raises(openstack.exceptions.ForbiddenException):
            list(alice.compute.services())
        assert bob.compute.get_server(server.id).status == "ACTIVE"
    finally:
        alice.close()
        bob.close()


# --------------------------------------------------------------------------- Keystone's own

def _curl(url: str, *args: str) -> tuple[int, dict, str]:
    """(status, lower-cased headers, body) of an unauthenticated curl request."""
    result = subprocess.run(["curl", "-s", "--noproxy", "*", "-D", "-", *args, url],
                            capture_output=True, text=True, timeout=30, check=True)
    head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
    status_line, *lines = head.splitlines()
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def test_versions_are_public_and_the_rest_needs_a_token(deployment):
    if shutil.which("curl") is None:
        pytest.fail("curl is not installed (apt-get install curl)")
    api = deployment.mininova.api_url
    for path in ("/", "/v2.1", "/image"):
        status, _, body = _curl(api + path)
        assert status == 200, f"GET {path}: {status} {body}"
    for token in (None, "not-a-token", "admin:admin"):
        status, headers, body = _curl(f"{api}/v2.1/servers",
                                      *(["-H", f"X-Auth-Token: {token}"] if token else []))
        assert status == 401, f"token {token!r}: {status} {body}"
        assert json.loads(body) == {"unauthorized": {
            "code": 401, "message": "The request you have made requires authentication."}}
        assert headers["www-authenticate"] == f'Keystone uri="{deployment.keystone.url}"'
        assert headers["x-openstack-request-id"].startswith("req-")
    # Keystone is the identity service here: mininova's noauth2 subset is not mounted.
    status, _, body = _curl(f"{api}/identity/v3/projects/admin", "-H",
                            f"X-Auth-Token: {deployment.keystone.admin_token}")
    assert status == 404, body


def _not_found(result: subprocess.CompletedProcess) -> bool:
    # NOTE: older clients say "No server with a name or ID ...", openstacksdk-based ones
    # "No Server found for ..."; a 404 on an action is "NotFoundException: 404".
    return result.returncode != 0 and bool(re.search(
        r"No server (with a name or ID|found for)|404", result.stderr, re.IGNORECASE))


def test_projects_and_roles_through_the_cli(deployment, cloud, members):
    cli = cloud.cli
    alice, bob = members["alice"], members["bob"]
    boot = ("server", "create", "--flavor", "m1.tiny", "--image", IMAGE_NAME, "--wait",
            "-f", "json")
    procs = {p.name: cli.start(*boot, f"vm-{p.name}", who=p) for p in (alice, bob)}
    created = {name: json.loads(cli.finish(proc).stdout) for name, proc in procs.items()}
    ids = {name: server["id"] for name, server in created.items()}
    try:
        assert {server["status"] for server in created.values()} == {"ACTIVE"}

        # Each member lists only the servers of their own project.
        procs = {p.name: cli.start("server", "list", "-f", "json", who=p)
                 for p in (alice, bob)}
        listed = {name: {row["ID"] for row in json.loads(cli.finish(proc).stdout)}
                  for name, proc in procs.items()}
        assert listed == {"alice": {ids["alice"]}, "bob": {ids["bob"]}}

        # Another project's server id answers 404, whatever the command.
        for command in (("server", "show"), ("server", "stop"), ("console", "log", "show"),
                        ("server", "event", "list"), ("server", "delete")):
            result = cli.run(*command, ids["bob"], who=alice, check=False)
            assert _not_found(result), (command, result.stderr)
        alice_api = ApiClient(deployment.mininova.api_url, token=deployment.keystone.token(
            "alice", deployment.passwords["alice"], alice.project_name))
        resp = alice_api.get(f"/v2.1/servers/{ids['bob']}")
        assert resp.status_code == 404 and "itemNotFound" in resp.json(), resp.text
        assert cloud.api.show_server(ids["bob"])["status"] == "ACTIVE"  # untouched

        # Keystone's admin (role admin) sees every project's servers, each in its project.
        everyone = {row["ID"] for row in cli.json("server", "list", "--all-projects")}
        assert {ids["alice"], ids["bob"]} <= everyone
        assert not {ids["alice"], ids["bob"]} & {
            row["ID"] for row in cli.json("server", "list")}
        shown = cli.json("server", "show", ids["bob"])
        assert shown["project_id"] == bob.project_id

        # A member asking for every project is refused, as in Nova.
        result = cli.run("server", "list", "--all-projects", who=alice, check=False)
        assert result.returncode != 0 and "403" in result.stderr + result.stdout, (
            result.stderr)

        # Admin-only: the member's token has no admin role.
        for command in (("compute", "service", "list"), ("hypervisor", "list"),
                        ("quota", "set", "--instances", "5", alice.project_name)):
            result = cli.run(*command, who=alice, check=False)
            assert result.returncode != 0 and "403" in result.stderr + result.stdout, (
                command, result.stderr)
    finally:
        procs = [cli.start("server", "delete", "--wait", server_id, who=members[name])
                 for name, server_id in ids.items()]
        for proc in procs:
            cli.finish(proc)
