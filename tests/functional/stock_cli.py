"""The stock ``openstack`` CLI's scenarios, shared by both authentication modes.

tests/functional/test_openstack_cli.py runs them in noauth2 mode (``admin_token`` and the
endpoint overrides of the README's clouds.yaml), tests/functional_keystone/test_keystone.py
with password authentication against a real Keystone. What differs between the modes is
held by a ``StockCloud``: the CLI with its clouds.yaml, an admin ``ApiClient`` for polling,
the admin ``Principal`` and a factory of members of fresh projects.

Each ``openstack`` invocation costs a second or two of start-up, so assertions are
grouped, and waiting for a server state between commands polls the API over HTTP.
"""
import dataclasses
import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.functional.conftest import ADMIN_TOKEN
from tests.functional.conftest import ApiClient
from tests.functional.conftest import Mininova
from tests.functional.conftest import ServerTracker

CLI_TIMEOUT = 180
NOAUTH2_CLOUD = "mininova"


def noauth2_clouds_yaml(api_url: str) -> str:
    """The clouds.yaml of README's "The openstack CLI" section, for ``api_url``."""
    return f"""\
clouds:
  {NOAUTH2_CLOUD}:
    auth_type: admin_token
    auth:
      token: {ADMIN_TOKEN}
      endpoint: {api_url}/v2.1
    compute_endpoint_override: {api_url}/v2.1
    image_endpoint_override: {api_url}/image
    network_endpoint_override: {api_url}/network
    identity_api_version: 3
    identity_endpoint_override: {api_url}/identity
    region_name: RegionOne
"""


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who runs a command: the global options that select them, and their project."""
    name: str
    args: tuple  # e.g. ("--os-token", "u:p") or ("--os-username", ..., "--os-password", ...)
    project_name: str
    project_id: str


class OpenStackCLI:
    """Runs the real ``openstack`` console script with a private clouds.yaml."""

    def __init__(self, binary: str, env: dict, cloud: str):
        self.binary = binary
        self.env = env
        self.cloud = cloud

    def start(self, *args: str, who: Principal | None = None) -> subprocess.Popen:
        argv = [self.binary, "--os-cloud", self.cloud, *(who.args if who else ()), *args]
        proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # NOTE: what a failure names: the command, not the credentials before it.
        proc.command = f"openstack {' '.join(args)}" + (f" (as {who.name})" if who else "")
        return proc

    @staticmethod
    def finish(proc: subprocess.Popen, check: bool = True) -> subprocess.CompletedProcess:
        """Wait for ``proc``; with ``check`` a failure fails the test with its output."""
        stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        if check and result.returncode != 0:
            pytest.fail(f"`{proc.command}` failed (rc={result.returncode})\n"
                        f"stdout:\n{stdout}\nstderr:\n{stderr}")
        return result

    def run(self, *args: str, who: Principal | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        return self.finish(self.start(*args, who=who), check=check)

    def json(self, *args: str, who: Principal | None = None):
        """Run with ``-f json`` and return the parsed output."""
        return json.loads(self.run(*args, "-f", "json", who=who).stdout)


def client_env(config_file: Path) -> dict:
    """The environment minus any OS_* of the caller's, plus ``config_file`` as clouds.yaml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=str(config_file), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    return env


@dataclasses.dataclass
class StockCloud:
    """One deployment as the CLI scenarios see it."""
    cli: OpenStackCLI
    api: ApiClient  # an admin's, for polling and cross-checks over HTTP
    mininova: Mininova
    admin: Principal  # also what the cloud runs as when no Principal is given
    new_member: Callable[[str], Principal]  # a member of a new project named after the arg


def image_file(tmp_path: Path, size: int = 70000) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = tmp_path / "disk.qcow2"
    path.write_bytes(data)
    return path, data


def write_console_log(mininova: Mininova, server_id: str, text: str) -> None:
    """Give the test driver's guest a console log (a real guest's serial port writes it)."""
    instance_dir = mininova.base_dir / "state" / "instances" / server_id
    instance_dir.mkdir(parents=True, exist_ok=True)
    (instance_dir / "console.log").write_text(text)


def _rows(rows: list[dict], key: str, value: str) -> dict:
    """A two-column listing (``limits show``, ``quota show``) as a dict."""
    return {row[key]: row[value] for row in rows}


def _flavor_name(shown) -> str:
    """``server show``'s flavor: "NAME (ID)" below microversion 2.47, then the embedded
    flavor (a dict under -f json)."""
    if isinstance(shown, dict):
        return shown["original_name"]
    return shown.rsplit(" (", 1)[0]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- scenarios

def image_and_server_lifecycle(cloud: StockCloud, servers: ServerTracker,
                               tmp_path: Path) -> None:
    """An image and a server through their whole life, as the admin."""
    cli, api, mininova = cloud.cli, cloud.api, cloud.mininova
    image_name = unique("cli-image")
    # Image API v2 subset: create (POST + PUT file), list, show.
    path, data = image_file(tmp_path)
    image = cli.json("image", "create", "--file", str(path), "--disk-format", "qcow2",
                     "--container-format", "bare", image_name)
    assert image["status"] == "active"
    assert image["size"] == len(data)
    assert image["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    stored = mininova.base_dir / "state" / "images" / image["id"]
    assert stored.read_bytes() == data
    assert {"id": image["id"], "name": image_name, "status": "active"} in [
        {k.lower(): v for k, v in row.items()} for row in cli.json("image", "list")]
    shown = cli.json("image", "show", image_name)
    assert (shown["id"], shown["disk_format"], shown["container_format"]) == (
        image["id"], "qcow2", "bare")

    # Boot by image NAME (resolved through /image/v2/images?name=) and wait.
    server = cli.json("server", "create", "--flavor", "m1.tiny", "--image", image_name,
                      "--wait", "cli-vm")
    sid = server["id"]
    servers.track(sid)
    assert server["status"] == "ACTIVE"
    assert image["id"] in server["image"]

    listed = {row["ID"]: row for row in cli.json("server", "list")}
    assert listed[sid]["Status"] == "ACTIVE" and listed[sid]["Image"] == image_name
    long_row = {row["ID"]: row for row in cli.json("server", "list", "--long")}[sid]
    assert long_row["Host"] in mininova.compute_hosts
    # NOTE: -f json gives the raw power_state (1); the table formats it as "Running".
    assert long_row["Power State"] in (1, "Running")
    # NOTE: the CLI names the column "Flavor" from microversion 2.47 (the embedded
    # flavor's original_name), "Flavor Name" below it.
    assert long_row["Image ID"] == image["id"]
    assert long_row.get("Flavor", long_row.get("Flavor Name")) == "m1.tiny", long_row
    shown = cli.json("server", "show", sid)
    assert (shown["status"], shown["OS-EXT-STS:vm_state"]) == ("ACTIVE", "active")
    assert _flavor_name(shown["flavor"]) == "m1.tiny"
    assert shown["project_id"] == cloud.admin.project_id

    # Power actions: each answers at once; the state moves behind.
    cli.run("server", "stop", sid)
    api.wait_for_status(sid, "SHUTOFF")
    cli.run("server", "start", sid)
    api.wait_for_status(sid, "ACTIVE")
    cli.run("server", "reboot", "--wait", sid)
    cli.run("server", "reboot", "--hard", "--wait", sid)
    assert cli.json("server", "show", sid, "-c", "status")["status"] == "ACTIVE"

    # Console output is an RPC call to the host, which reads the guest's console log.
    write_console_log(mininova, sid, "boot line 1\nboot line 2\nlogin:\n")
    output = cli.run("console", "log", "show", "--lines", "2", sid).stdout
    assert "login:" in output and "boot line 1" not in output

    # Instance actions, newest first, and one action's events.
    events = cli.json("server", "event", "list", sid)
    assert [e["Action"] for e in events] == ["reboot", "reboot", "start", "stop", "create"]
    create = cli.json("server", "event", "show", sid, events[-1]["Request ID"])
    assert create["action"] == "create"
    assert "compute_build_and_run_instance" in {e["event"] for e in create["events"]}
    assert {e["result"] for e in create["events"]} == {"Success"}

    cli.run("server", "delete", "--wait", sid)
    assert api.get(f"/v2.1/servers/{sid}").status_code == 404
    assert sid not in {row["ID"] for row in cli.json("server", "list")}

    cli.run("image", "delete", image_name)
    assert image["id"] not in {row["ID"] for row in cli.json("image", "list")}
    assert not stored.exists()


def _denied(result: subprocess.CompletedProcess) -> bool:
    return result.returncode != 0 and "403" in result.stderr + result.stdout


def flavors_services_and_hypervisors(cloud: StockCloud) -> None:
    """The admin views (flavor extra specs included), and a member refused (403) on the
    admin-only ones."""
    cli, mininova = cloud.cli, cloud.mininova
    member = cloud.new_member("cli-viewer")
    flavors = {row["Name"]: row for row in cli.json("flavor", "list")}
    assert {name for name, *_ in mininova.flavors} <= set(flavors)
    # A member lists flavors too.
    assert set(flavors) == {row["Name"] for row in cli.json("flavor", "list", who=member)}
    tiny = cli.json("flavor", "show", "m1.tiny")
    assert (tiny["id"], tiny["ram"], tiny["vcpus"], tiny["disk"]) == ("1", 512, 1, 1)

    flavor_id, flavor_name = unique("cli-flavor"), unique("cli.flavor")
    created = cli.json("flavor", "create", "--ram", "256", "--vcpus", "2", "--disk", "3",
                       "--id", flavor_id, flavor_name)
    assert (created["id"], created["name"], created["ram"], created["vcpus"]) == (
        flavor_id, flavor_name, 256, 2)
    assert cli.json("flavor", "show", flavor_name)["disk"] == 3
    # Extra specs ("properties"): set, shown to everyone, unset; only an admin writes them.
    cli.run("flavor", "set", "--property", "hw:cpu_policy=dedicated", "--property",
            "mininova:note=from cli", flavor_name)
    specs = {"hw:cpu_policy": "dedicated", "mininova:note": "from cli"}
    assert cli.json("flavor", "show", flavor_name)["properties"] == specs
    assert cli.json("flavor", "show", flavor_id, who=member)["properties"] == specs
    assert _denied(cli.run("flavor", "set", "--property", "hw:cpu_policy=shared",
                           flavor_id, who=member, check=False))
    assert _denied(cli.run("flavor", "unset", "--property", "hw:cpu_policy", flavor_id,
                           who=member, check=False))
    cli.run("flavor", "unset", "--property", "hw:cpu_policy", flavor_name)
    assert cli.json("flavor", "show", flavor_name)["properties"] == {
        "mininova:note": "from cli"}
    # Only an admin manages flavors.
    assert _denied(cli.run("flavor", "delete", flavor_id, who=member, check=False))
    assert _denied(cli.run("flavor", "create", "--ram", "1", "--disk", "1", "--vcpus", "1",
                           unique("cli.denied"), who=member, check=False))
    cli.run("flavor", "delete", flavor_name)
    assert flavor_name not in {row["Name"] for row in cli.json("flavor", "list")}

    services = cli.json("compute", "service", "list")
    assert {(s["Binary"], s["Host"]) for s in services} >= {
        ("nova-compute", host) for host in mininova.compute_hosts}
    assert {s["State"] for s in services} == {"up"}
    assert _denied(cli.run("compute", "service", "list", who=member, check=False))

    hypervisors = {h["Hypervisor Hostname"]: h for h in cli.json("hypervisor", "list")}
    assert set(mininova.compute_hosts) <= set(hypervisors)
    assert {hypervisors[h]["State"] for h in mininova.compute_hosts} == {"up"}
    assert _denied(cli.run("hypervisor", "list", who=member, check=False))
    host = mininova.compute_hosts[0]
    shown = cli.json("hypervisor", "show", hypervisors[host]["ID"])
    assert (shown["hypervisor_hostname"], shown["state"]) == (host, "up")
    assert shown["aggregates"] == []


def limits_and_quota_exhaustion(cloud: StockCloud, servers: ServerTracker) -> None:
    """A member past its project's quota is refused with Nova's words; limits show it."""
    cli, api, mininova = cloud.cli, cloud.api, cloud.mininova
    member = cloud.new_member("cli-quota")
    cli.run("quota", "set", "--instances", "1", member.project_name)

    boot = ("server", "create", "--flavor", "m1.tiny", "--image", mininova.image_id)
    first = cli.json(*boot, "cli-quota-1", who=member)
    servers.track(first["id"])
    assert api.show_server(first["id"])["tenant_id"] == member.project_id
    second = cli.run(*boot, "cli-quota-2", who=member, check=False)
    # stderr: "ForbiddenException: 403: Client Error for url: .../v2.1/servers, Quota ..."
    assert second.returncode != 0 and "ForbiddenException: 403" in second.stderr
    assert ("Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
            in second.stderr), second.stderr

    # A member sees its own project's limits and usage (the first server counts at once).
    own = _rows(cli.json("limits", "show", "--absolute", who=member), "Name", "Value")
    assert (own["max_total_instances"], own["total_instances_used"]) == (1, 1)
    assert (own["total_cores_used"], own["total_ram_used"]) == (1, 512)
    # An admin names the project; without --project it sees its own project's.
    other = _rows(cli.json("limits", "show", "--absolute", "--project",
                           member.project_name), "Name", "Value")
    assert (other["max_total_instances"], other["total_instances_used"]) == (1, 1)
    expected = api.get("/v2.1/limits").json()["limits"]["absolute"]
    admin = _rows(cli.json("limits", "show", "--absolute"), "Name", "Value")
    assert (admin["max_total_instances"], admin["max_total_cores"],
            admin["max_total_ram_size"], admin["total_instances_used"]) == (
        expected["maxTotalInstances"], expected["maxTotalCores"],
        expected["maxTotalRAMSize"], expected["totalInstancesUsed"])


def quota_show_and_set(cloud: StockCloud) -> None:
    """``quota show|set PROJECT``: the project is looked up in Identity v3 first."""
    cli, api = cloud.cli, cloud.api
    member = cloud.new_member("cli-quotaset")
    defaults = _rows(cli.json("quota", "show", "--compute", "--default",
                              member.project_name), "Resource", "Limit")
    expected = api.get(
        f"/v2.1/os-quota-sets/{member.project_id}/defaults").json()["quota_set"]
    assert (defaults["instances"], defaults["cores"], defaults["ram"]) == (
        expected["instances"], expected["cores"], expected["ram"])
    cli.run("quota", "set", "--instances", "3", "--cores", "4", "--ram", "2048",
            member.project_name)
    # NOTE: --compute: without it the CLI also asks the endpoint for network quotas.
    shown = _rows(cli.json("quota", "show", "--compute", member.project_name),
                  "Resource", "Limit")
    assert (shown["instances"], shown["cores"], shown["ram"]) == (3, 4, 2048)
    stored = api.get(f"/v2.1/os-quota-sets/{member.project_id}").json()["quota_set"]
    assert (stored["instances"], stored["cores"], stored["ram"]) == (3, 4, 2048)
    # Only an admin changes quotas.
    assert _denied(cli.run("quota", "set", "--instances", "9", member.project_name,
                           who=member, check=False))


def networking(cloud: StockCloud, servers: ServerTracker) -> None:
    """The flat network as the CLI sees it: listed through the Networking API subset,
    named at create, the address in ``server show`` and ``server list --ip``, the port in
    ``port list --server``."""
    cli, api = cloud.cli, cloud.api
    (network,) = cli.json("network", "list", "--name", "private")
    assert network["Name"] == "private", network
    server = cli.json("server", "create", "--flavor", "m1.tiny", "--image",
                      cloud.mininova.image_id, "--network", "private", "--wait", "cli-net")
    sid = server["id"]
    servers.track(sid)
    shown = cli.json("server", "show", sid)
    addresses = shown["addresses"]
    # NOTE: -f json gives {"private": ["10.99.0.N"]} (older clients: "private=10.99.0.N").
    text = json.dumps(addresses)
    address = api.show_server(sid)["addresses"]["private"][0]["addr"]
    assert "private" in text and address in text, shown
    listed = cli.json("server", "list", "--ip", address.replace(".", r"\."))
    assert [row["ID"] for row in listed] == [sid], listed
    assert address in json.dumps(listed[0]["Networks"]), listed
    (port,) = cli.json("port", "list", "--server", sid)
    assert address in json.dumps(port["Fixed IP Addresses"]), port
    assert port["MAC Address"] == api.show_server(sid)["addresses"]["private"][0][
        "OS-EXT-IPS-MAC:mac_addr"], port
    cli.run("server", "delete", "--wait", sid)
    freed = api.get(f"/network/v2.0/ports?fixed_ips=ip_address={address}")
    assert freed.json()["ports"] == [], freed.text
