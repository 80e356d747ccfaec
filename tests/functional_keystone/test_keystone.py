"""Keystone mode end to end: the stock ``openstack`` CLI authenticates with a password
against a real Keystone, finds mininova in its catalog, and mininova-api (behind
keystonemiddleware's auth_token) turns the token's project and roles into the context
that the policy rules and the per-project views use.

Commands of different users that do not depend on each other run side by side, as each
``openstack`` start costs a second or two on a small machine.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.conftest import IMAGE_NAME
from tests.functional.conftest import ApiClient

CLI_TIMEOUT = 180


class OpenStackCLI:
    """The real ``openstack`` console script, one cloud per user of the deployment."""

    def __init__(self, binary: str, env: dict):
        self.binary = binary
        self.env = env

    def start(self, user: str, *args: str) -> subprocess.Popen:
        return subprocess.Popen([self.binary, "--os-cloud", user, *args], env=self.env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    @staticmethod
    def finish(proc: subprocess.Popen, check: bool = True) -> subprocess.CompletedProcess:
        stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        if check and result.returncode != 0:
            pytest.fail(f"`{' '.join(proc.args[1:])}` failed (rc={result.returncode})\n"
                        f"stdout:\n{stdout}\nstderr:\n{stderr}")
        return result

    def run(self, user: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.finish(self.start(user, *args), check=check)

    def json(self, user: str, *args: str):
        return json.loads(self.run(user, *args, "-f", "json").stdout)

    def json_each(self, commands: dict) -> dict:
        """Run ``{user: args}`` side by side with ``-f json``; ``{user: parsed output}``."""
        procs = {user: self.start(user, *args, "-f", "json") for user, args in commands.items()}
        return {user: json.loads(self.finish(proc).stdout) for user, proc in procs.items()}


def clouds_yaml(deployment) -> str:
    """One password-authenticated cloud per user, as an operator hands them out."""
    entries = []
    for user, password in deployment.passwords.items():
        entries.append(f"""\
  {user}:
    auth:
      auth_url: {deployment.keystone.url}/v3
      username: {user}
      password: {password}
      project_name: {deployment.projects[user]}
      user_domain_name: Default
      project_domain_name: Default
    identity_api_version: 3
    region_name: RegionOne
""")
    return "clouds:\n" + "".join(entries)


@pytest.fixture(scope="module")
def cli(deployment, tmp_path_factory) -> OpenStackCLI:
    binary = shutil.which("openstack", path=os.path.dirname(sys.executable))
    if binary is None:
        pytest.fail(f"the openstack CLI is not installed next to {sys.executable}: "
                    "pip install -r test-requirements-cli.txt into the test venv")
    path: Path = tmp_path_factory.mktemp("openstack-cli") / "clouds.yaml"
    path.write_text(clouds_yaml(deployment))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=str(path), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    return OpenStackCLI(binary, env)


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


def test_projects_and_roles_through_the_cli(deployment, cli):
    created = cli.json_each({
        "alice": ("server", "create", "--flavor", "m1.tiny", "--image", IMAGE_NAME,
                  "--wait", "vm-alice"),
        "bob": ("server", "create", "--flavor", "m1.tiny", "--image", IMAGE_NAME,
                "--wait", "vm-bob")})
    ids = {user: server["id"] for user, server in created.items()}
    try:
        assert {server["status"] for server in created.values()} == {"ACTIVE"}

        # Each member lists only the servers of their own project.
        listed = cli.json_each({"alice": ("server", "list"), "bob": ("server", "list")})
        assert {row["ID"] for row in listed["alice"]} == {ids["alice"]}
        assert {row["ID"] for row in listed["bob"]} == {ids["bob"]}

        # Another project's server id answers 404, which the CLI reports as not found
        # (older clients: "No server with a name or ID ..."; openstacksdk-based ones:
        # "No Server found for ...").
        other = cli.run("alice", "server", "show", ids["bob"], check=False)
        assert other.returncode != 0
        assert re.search(r"No server (with a name or ID|found for)", other.stderr,
                         re.IGNORECASE), other.stderr
        alice = ApiClient(deployment.mininova.api_url, token=deployment.keystone.token(
            "alice", deployment.passwords["alice"], deployment.projects["alice"]))
        resp = alice.get(f"/v2.1/servers/{ids['bob']}")
        assert resp.status_code == 404 and "itemNotFound" in resp.json(), resp.text

        # Keystone's admin (role admin) sees every project's servers, each in its project.
        everyone = {row["ID"] for row in cli.json("admin", "server", "list",
                                                  "--all-projects")}
        assert {ids["alice"], ids["bob"]} <= everyone
        assert not {ids["alice"], ids["bob"]} & {
            row["ID"] for row in cli.json("admin", "server", "list")}
        shown = cli.json("admin", "server", "show", ids["bob"])
        assert shown["project_id"] == deployment.project_ids["project-b"]

        # os-services is admin-only: the member's token has no admin role.
        denied = cli.run("alice", "compute", "service", "list", check=False)
        assert denied.returncode != 0 and "403" in denied.stderr + denied.stdout
        services = cli.json("admin", "compute", "service", "list")
        assert {s["State"] for s in services} == {"up"}
    finally:
        procs = [cli.start(user, "server", "delete", "--wait", server_id)
                 for user, server_id in ids.items()]
        for proc in procs:
            cli.finish(proc)
