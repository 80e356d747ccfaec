"""Conformance: mininova's answers judged by tempest's Compute API schemas, at every version.

For every microversion the version document (GET /v2.1) advertises, each implemented
resource is asked with ``OpenStack-API-Version: compute X.Y`` and its answer is checked the
way tempest's compute clients check it (tempest_schemas.py): status code, body against the
schema the client picks at that version, echoed version header. Reads are asked at every
version; writes once at the first and last version of each run of versions sharing one
schema (and one request body). An endpoint outside the versions that serve it (the image
proxy from 2.36, server tags below 2.26) must answer 404.

Each check is a subtest named "<resource> <operation> at <version>". Features mininova may
not serve (server update, lock/unlock, tags) are probed at the newest
version and skipped with a reason when they have no route; anything served is checked.
"""
import dataclasses
import uuid
from collections.abc import Iterator

import pytest
import requests
from tempest.lib.api_schema.response.compute.v2_1 import availability_zone
from tempest.lib.api_schema.response.compute.v2_1 import flavors as flavors_v21
from tempest.lib.api_schema.response.compute.v2_1 import flavors_access
from tempest.lib.api_schema.response.compute.v2_1 import flavors_extra_specs
from tempest.lib.api_schema.response.compute.v2_1 import hosts as hosts_v21
from tempest.lib.api_schema.response.compute.v2_1 import images as images_v21
from tempest.lib.api_schema.response.compute.v2_1 import instance_usage_audit_logs
from tempest.lib.api_schema.response.compute.v2_1 import servers as servers_v21
from tempest.lib.api_schema.response.compute.v2_1 import services as services_v21
from tempest.lib.api_schema.response.compute.v2_1 import tenant_usages
from tempest.lib.api_schema.response.compute.v2_1 import versions as versions_v21
from tempest.lib.api_schema.response.compute.v2_11 import services as services_v211
from tempest.lib.services.compute.aggregates_client import AggregatesClient
from tempest.lib.services.compute.flavors_client import FlavorsClient
from tempest.lib.services.compute.hypervisor_client import HypervisorClient
from tempest.lib.services.compute.keypairs_client import KeyPairsClient
from tempest.lib.services.compute.limits_client import LimitsClient
from tempest.lib.services.compute.quota_classes_client import QuotaClassesClient
from tempest.lib.services.compute.quotas_client import QuotasClient
from tempest.lib.services.compute.servers_client import ServersClient
from tempest.lib.services.compute.services_client import ServicesClient

from tests.functional import tempest_schemas as ts
from tests.functional.conftest import ADMIN_TOKEN
from tests.functional.conftest import ApiClient

TAG = "conformance"
EXTRA_SPEC = ("mininova:conformance", "yes")  # a namespace Nova does not validate
NETWORKS_REQUIRED = "2.37"  # from here a server create must say which networks
FLAVOR_UPDATE = "2.55"  # PUT /flavors/{id} (the description) is served from here
SERVICE_UUIDS = "2.53"  # services are named by UUID in the URL from here
FORCE_DOWN = "2.11"  # PUT /os-services/force-down is served from here


@dataclasses.dataclass(frozen=True)
class Read:
    """A GET and the tempest schema that judges it, served in [since, until]."""

    resource: str
    operation: str
    path: str  # str.format()ted with Targets.fields(version)
    schema: ts.Versioned | ts.Fixed
    since: str | None = None
    until: str | None = None
    microversioned: bool = True  # False: version documents, outside the versioned API
    optional: bool = False  # probed; skipped when mininova does not serve it

    def served_at(self, version: str) -> bool:
        minor = _minor(version)
        return ((self.since is None or minor >= _minor(self.since))
                and (self.until is None or minor <= _minor(self.until)))


def _minor(version: str) -> int:
    return int(version.split(".")[1])


READS = [
    Read("versions", "list", "/", ts.Fixed(versions_v21, "list_versions"),
         microversioned=False),
    Read("versions", "show", "/v2.1", ts.Fixed(versions_v21, "get_one_version"),
         microversioned=False),
    Read("servers", "list", "/v2.1/servers", ts.Versioned(ServersClient, "list_servers")),
    Read("servers", "list detail", "/v2.1/servers/detail",
         ts.Versioned(ServersClient, "list_servers_detail")),
    Read("servers", "show", "/v2.1/servers/{server_id}",
         ts.Versioned(ServersClient, "get_server")),
    Read("ips", "list", "/v2.1/servers/{server_id}/ips",
         ts.Fixed(servers_v21, "list_addresses")),
    Read("ips", "show", "/v2.1/servers/{server_id}/ips/private",
         ts.Fixed(servers_v21, "list_addresses_by_network")),
    Read("os-instance-actions", "list", "/v2.1/servers/{server_id}/os-instance-actions",
         ts.Versioned(ServersClient, "list_instance_actions")),
    Read("os-instance-actions", "show",
         "/v2.1/servers/{server_id}/os-instance-actions/{request_id}",
         ts.Versioned(ServersClient, "show_instance_action")),
    Read("tags", "list", "/v2.1/servers/{server_id}/tags",
         ts.Versioned(ServersClient, "list_tags"), since="2.26", optional=True),
    Read("tags", "check", "/v2.1/servers/{server_id}/tags/" + TAG,
         ts.Versioned(ServersClient, "check_tag_existence"), since="2.26", optional=True),
    Read("flavors", "list", "/v2.1/flavors", ts.Versioned(FlavorsClient, "list_flavors")),
    Read("flavors", "list detail", "/v2.1/flavors/detail",
         ts.Versioned(FlavorsClient, "list_flavors_details")),
    Read("flavors", "show", "/v2.1/flavors/{flavor_id}",
         ts.Versioned(FlavorsClient, "create_update_get_flavor_details")),
    Read("os-extra_specs", "list", "/v2.1/flavors/{flavor_id}/os-extra_specs",
         ts.Fixed(flavors_extra_specs, "set_get_flavor_extra_specs")),
    Read("os-aggregates", "list", "/v2.1/os-aggregates",
         ts.Versioned(AggregatesClient, "list_aggregates")),
    Read("os-availability-zone", "list", "/v2.1/os-availability-zone",
         ts.Fixed(availability_zone, "list_availability_zone_list")),
    Read("os-availability-zone", "list detail", "/v2.1/os-availability-zone/detail",
         ts.Fixed(availability_zone, "list_availability_zone_list_detail")),
    Read("os-hosts", "list", "/v2.1/os-hosts", ts.Fixed(hosts_v21, "list_hosts"),
         until="2.42"),
    Read("os-services", "list", "/v2.1/os-services",
         ts.Versioned(ServicesClient, "list_services")),
    Read("os-hypervisors", "list", "/v2.1/os-hypervisors",
         ts.Versioned(HypervisorClient, "list_search_hypervisors")),
    Read("os-hypervisors", "list detail", "/v2.1/os-hypervisors/detail",
         ts.Versioned(HypervisorClient, "list_hypervisors_detail")),
    Read("os-hypervisors", "show", "/v2.1/os-hypervisors/{hypervisor_id}",
         ts.Versioned(HypervisorClient, "get_hypervisor")),
    Read("os-hypervisors", "statistics", "/v2.1/os-hypervisors/statistics",
         ts.Versioned(HypervisorClient, "get_hypervisor_statistics"), until="2.87"),
    Read("os-hypervisors", "uptime", "/v2.1/os-hypervisors/{hypervisor_id}/uptime",
         ts.Versioned(HypervisorClient, "get_hypervisor_uptime"), until="2.87"),
    Read("os-hypervisors", "search", "/v2.1/os-hypervisors/{hypervisor_hostname}/search",
         ts.Versioned(HypervisorClient, "list_search_hypervisors"), until="2.52"),
    Read("os-hypervisors", "servers", "/v2.1/os-hypervisors/{hypervisor_hostname}/servers",
         ts.Versioned(HypervisorClient, "get_hypervisors_servers"), until="2.52"),
    Read("limits", "show", "/v2.1/limits", ts.Versioned(LimitsClient, "get_limit")),
    Read("os-keypairs", "list", "/v2.1/os-keypairs",
         ts.Versioned(KeyPairsClient, "list_keypairs")),
    Read("os-quota-sets", "show", "/v2.1/os-quota-sets/{project_id}",
         ts.Versioned(QuotasClient, "get_quota_set")),
    Read("os-quota-sets", "show detail", "/v2.1/os-quota-sets/{project_id}/detail",
         ts.Versioned(QuotasClient, "get_quota_set_details")),
    Read("os-quota-sets", "defaults", "/v2.1/os-quota-sets/{project_id}/defaults",
         ts.Versioned(QuotasClient, "get_quota_set")),
    Read("os-quota-class-sets", "show", "/v2.1/os-quota-class-sets/default",
         ts.Versioned(QuotaClassesClient, "get_quota_class_set")),
    Read("os-simple-tenant-usage", "list",
         "/v2.1/os-simple-tenant-usage?detailed=1&start=2020-01-01T00:00:00",
         ts.Fixed(tenant_usages, "list_tenant_usage")),
    Read("os-simple-tenant-usage", "show",
         "/v2.1/os-simple-tenant-usage/{project_id}?start=2020-01-01T00:00:00",
         ts.Fixed(tenant_usages, "get_tenant_usage")),
    Read("os-instance_usage_audit_log", "list", "/v2.1/os-instance_usage_audit_log",
         ts.Fixed(instance_usage_audit_logs, "list_instance_usage_audit_log")),
    Read("os-instance_usage_audit_log", "show",
         "/v2.1/os-instance_usage_audit_log/2026-01-15 10:00:00",
         ts.Fixed(instance_usage_audit_logs, "get_instance_usage_audit_log")),
    Read("images", "list", "/v2.1/images", ts.Fixed(images_v21, "list_images"),
         until="2.35"),
    Read("images", "list detail", "/v2.1/images/detail",
         ts.Fixed(images_v21, "list_images_details"), until="2.35"),
    Read("images", "show", "/v2.1/images/{image_id}", ts.Fixed(images_v21, "get_image"),
         until="2.35"),
]


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def client(mininova) -> ApiClient:
    """One admin client (one connection pool) for the whole module."""
    return ApiClient(mininova.api_url)


@pytest.fixture(scope="module")
def versions(client) -> list[str]:
    """Every microversion the running API advertises in its version document."""
    resp = client.get("/v2.1")
    assert resp.status_code == 200, resp.text
    doc = resp.json()["version"]
    return ts.microversions(doc["min_version"], doc["version"])


@pytest.fixture(scope="module")
def booted(client, mininova) -> Iterator[tuple[str, str]]:
    """One server, ACTIVE, reused by every test: (server id, its create request id)."""
    resp = client.create_server("conformance", mininova.flavors[0][1], mininova.image_id)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    try:
        client.wait_for_status(server_id, "ACTIVE")
        yield server_id, resp.headers["X-Openstack-Request-Id"]
    finally:
        client.delete(f"/v2.1/servers/{server_id}")
        client.wait_for_deleted(server_id)


class Targets:
    """The ids the read paths name; features mininova may not serve, probed once."""

    def __init__(self, client: ApiClient, versions: list[str], server: tuple[str, str],
                 mininova):
        self.client = client
        self.newest = versions[-1]
        self.server_id, self.request_id = server
        self.mininova = mininova
        self._absent: dict[str, str | None] = {}

    def fields(self, version: str, path: str) -> dict:
        """What ``path`` names at ``version`` (a hypervisor only when it names one)."""
        fields = {"server_id": self.server_id, "request_id": self.request_id,
                  "flavor_id": self.mininova.flavors[0][1],
                  "image_id": self.mininova.image_id,
                  "project_id": ADMIN_TOKEN.partition(":")[2]}
        if "{hypervisor_" in path:
            fields.update(self._hypervisor(version))
        return fields

    def _hypervisor(self, version: str) -> dict:
        # NOTE: the id is an integer below 2.53 and a UUID from there; list at the version.
        resp = self.client.get("/v2.1/os-hypervisors", headers=ts.version_header(version))
        if resp.status_code != 200 or not resp.json().get("hypervisors"):
            # The read then fails, naming this list's answer.
            return {"hypervisor_id": "unknown", "hypervisor_hostname": "unknown"}
        first = resp.json()["hypervisors"][0]
        return {"hypervisor_id": str(first["id"]),
                "hypervisor_hostname": first["hypervisor_hostname"]}

    def require(self, resource: str) -> None:
        """Skip the calling test when mininova does not serve ``resource``."""
        if resource not in self._absent:
            self._absent[resource] = self._probe(resource)
        if self._absent[resource]:
            pytest.skip(self._absent[resource])

    def _probe(self, resource: str) -> str | None:
        """Why ``resource`` is not served (no route: 404 or 405), or None.

        A probe that succeeds leaves behind what the reads need (TAG on the server).
        """
        method, path, body = {
            "tags": ("PUT", f"/v2.1/servers/{self.server_id}/tags/{TAG}", None),
            "server update": ("PUT", f"/v2.1/servers/{self.server_id}",
                              {"server": {"name": "conformance"}}),
        }[resource]
        kwargs = {"body": body} if body is not None else {}
        resp = self.client.request(method, path, headers=ts.version_header(self.newest),
                                   **kwargs)
        if resp.status_code in (404, 405):
            return (f"mininova serves no {resource}: {method} {path} answered "
                    f"{resp.status_code} {resp.text[:200]}")
        return None


@pytest.fixture(scope="module")
def targets(client, versions, booted, mininova) -> Targets:
    return Targets(client, versions, booted, mininova)


def _not_found(resp: requests.Response, version: str) -> None:
    """A version that does not serve an endpoint: 404 with a Nova fault body."""
    request = f"{resp.request.method} {resp.request.path_url}"
    assert resp.status_code == 404, (
        f"HTTP {resp.status_code}, expected 404 (not served at {version}): {request}\n"
        f"{resp.text[:ts.BODY_EXCERPT]}")
    body = resp.json()
    assert len(body) == 1 and next(iter(body.values())).get("code") == 404, (
        f"404 without a Nova fault body: {request}: {resp.text[:ts.BODY_EXCERPT]}")


# --------------------------------------------------------------------------- reads

@pytest.mark.parametrize("read", READS, ids=lambda r: f"{r.resource}-{r.operation}")
def test_read(read, client, versions, targets, subtests):
    """Every read, at every advertised version: schema inside its range, 404 outside."""
    if read.optional:
        targets.require(read.resource)
    for version in versions:
        with subtests.test(msg=f"{read.resource} {read.operation} at {version}",
                           version=version):
            path = read.path.format(**targets.fields(version, read.path))
            resp = client.get(path, headers=ts.version_header(version))
            if read.served_at(version):
                ts.check(read.schema.at(version), resp,
                         version if read.microversioned else None)
            else:
                _not_found(resp, version)


# --------------------------------------------------------------------------- servers

def test_server_create_and_delete(client, versions, mininova, servers, subtests):
    """POST /servers and DELETE /servers/{id}, as tempest's create and delete judge them."""
    create = ts.Fixed(servers_v21, "create_server_with_admin_pass")
    delete = ts.Fixed(servers_v21, "delete_server")
    for version in ts.representatives(create, versions, splits=[NETWORKS_REQUIRED]):
        headers = ts.version_header(version)
        body = {"name": f"conformance-{version}", "flavorRef": mininova.flavors[0][1],
                "imageRef": mininova.image_id}
        if _minor(version) >= _minor(NETWORKS_REQUIRED):
            body["networks"] = "none"
        server_id = None
        with subtests.test(msg=f"servers create at {version}", version=version):
            resp = client.post("/v2.1/servers", {"server": body}, headers=headers)
            if resp.status_code == 202:
                server_id = resp.json()["server"]["id"]
                servers.track(server_id)
            ts.check(create.at(version), resp, version)
        if server_id is None:
            continue
        with subtests.test(msg=f"servers delete at {version}", version=version):
            client.wait_for_status(server_id, "ACTIVE")
            resp = client.delete(f"/v2.1/servers/{server_id}", headers=headers)
            ts.check(delete.at(version), resp, version)
            client.wait_for_deleted(server_id)


def test_server_update(client, versions, targets, subtests):
    """PUT /servers/{id} (a rename to the same name), by each version's update schema."""
    targets.require("server update")
    update = ts.Versioned(ServersClient, "update_server")
    for version in ts.representatives(update, versions):
        with subtests.test(msg=f"servers update at {version}", version=version):
            resp = client.request("PUT", f"/v2.1/servers/{targets.server_id}",
                                  body={"server": {"name": "conformance"}},
                                  headers=ts.version_header(version))
            ts.check(update.at(version), resp, version)


# (action, request body, status to wait for afterwards, schema)
_ACTIONS = [
    ("os-stop", None, "SHUTOFF", "server_actions_common_schema"),
    ("os-start", None, "ACTIVE", "server_actions_common_schema"),
    ("reboot", {"type": "SOFT"}, "ACTIVE", "server_actions_common_schema"),
    ("os-getConsoleOutput", {"length": 10}, None, "get_console_output"),
    ("lock", None, None, "server_actions_common_schema"),
    ("unlock", None, None, "server_actions_common_schema"),
]


def test_server_actions(client, versions, targets, subtests):
    """Start, stop, reboot, console output, lock and unlock on the shared server."""
    common = ts.Fixed(servers_v21, "server_actions_common_schema")
    absent: set[str] = set()
    for version in ts.representatives(common, versions):
        for name, body, wait_for, schema_name in _ACTIONS:
            with subtests.test(msg=f"servers action {name} at {version}", version=version):
                if name in absent:
                    pytest.skip(f"mininova serves no {name} action")
                resp = client.post(f"/v2.1/servers/{targets.server_id}/action",
                                   {name: body}, headers=ts.version_header(version))
                if resp.status_code == 400 and "no such action" in resp.text.lower():
                    absent.add(name)
                    pytest.skip(f"mininova serves no {name} action: {resp.text[:200]}")
                ts.check(getattr(servers_v21, schema_name), resp, version)
                if wait_for:
                    client.wait_for_status(targets.server_id, wait_for)


def test_server_tag_writes(client, versions, targets, subtests):
    """PUT and DELETE of one tag and of the whole tag list (ends with TAG set again)."""
    targets.require("tags")
    base = f"/v2.1/servers/{targets.server_id}/tags"
    steps = [  # operation, method, path, body, tempest schema name
        ("add", "PUT", f"{base}/extra", None, "update_tag"),
        ("delete", "DELETE", f"{base}/extra", None, "delete_tag"),
        ("delete all", "DELETE", base, None, "delete_all_tags"),
        ("replace all", "PUT", base, {"tags": [TAG]}, "update_all_tags"),
    ]
    served = [v for v in versions if _minor(v) >= 26]
    for version in _union_of_representatives(
            [ts.Versioned(ServersClient, step[4]) for step in steps], served):
        for operation, method, path, body, name in steps:
            with subtests.test(msg=f"tags {operation} at {version}", version=version):
                kwargs = {"body": body} if body is not None else {}
                resp = client.request(method, path, headers=ts.version_header(version),
                                      **kwargs)
                ts.check(ts.Versioned(ServersClient, name).at(version), resp, version)


def _union_of_representatives(schemas: list, versions: list[str]) -> list[str]:
    """Versions where any of ``schemas`` starts or ends a run, in order."""
    picked = {v for schema in schemas for v in ts.representatives(schema, versions)}
    return [v for v in versions if v in picked]


# --------------------------------------------------------------------------- flavors

def test_flavor_create_and_delete(client, versions, subtests):
    """POST, PUT (from 2.55; 404 before) and DELETE of a flavor, by each version's schema."""
    create = ts.Versioned(FlavorsClient, "create_update_get_flavor_details")
    delete = ts.Fixed(flavors_v21, "delete_flavor")
    for version in ts.representatives(create, versions):
        headers = ts.version_header(version)
        flavor_id = str(uuid.uuid4())
        with subtests.test(msg=f"flavors create at {version}", version=version):
            resp = client.post("/v2.1/flavors", {"flavor": {
                "name": f"conformance-{version}", "ram": 64, "vcpus": 1, "disk": 0,
                "id": flavor_id}}, headers=headers)
            ts.check(create.at(version), resp, version)
        with subtests.test(msg=f"flavors update at {version}", version=version):
            resp = client.request("PUT", f"/v2.1/flavors/{flavor_id}", body={
                "flavor": {"description": "conformance"}}, headers=headers)
            if _minor(version) >= _minor(FLAVOR_UPDATE):
                ts.check(create.at(version), resp, version)
            else:
                _not_found(resp, version)
        with subtests.test(msg=f"flavors delete at {version}", version=version):
            resp = client.delete(f"/v2.1/flavors/{flavor_id}", headers=headers)
            ts.check(delete.at(version), resp, version)


@pytest.fixture
def scratch_flavor(client) -> Iterator[str]:
    """A flavor of this test's own, deleted afterwards."""
    flavor_id = str(uuid.uuid4())
    resp = client.post("/v2.1/flavors", {"flavor": {
        "name": f"conformance-{flavor_id[:8]}", "ram": 64, "vcpus": 1, "disk": 0,
        "id": flavor_id}})
    assert resp.status_code == 200, resp.text
    yield flavor_id
    client.delete(f"/v2.1/flavors/{flavor_id}")


def test_flavor_extra_spec_writes(client, versions, scratch_flavor, subtests):
    """Set, show, update and unset one extra spec, as tempest's flavors client does."""
    key, value = EXTRA_SPEC
    base = f"/v2.1/flavors/{scratch_flavor}/os-extra_specs"
    steps = [  # operation, method, path, body, tempest schema name
        ("set", "POST", base, {"extra_specs": {key: value}}, "set_get_flavor_extra_specs"),
        ("show", "GET", f"{base}/{key}", None, "set_get_flavor_extra_specs_key"),
        ("update", "PUT", f"{base}/{key}", {key: value}, "set_get_flavor_extra_specs_key"),
        ("unset", "DELETE", f"{base}/{key}", None, "unset_flavor_extra_specs"),
    ]
    for version in ts.representatives(ts.Fixed(flavors_extra_specs, steps[0][4]), versions):
        for operation, method, path, body, name in steps:
            with subtests.test(msg=f"os-extra_specs {operation} at {version}",
                               version=version):
                kwargs = {"body": body} if body is not None else {}
                resp = client.request(method, path, headers=ts.version_header(version),
                                      **kwargs)
                ts.check(getattr(flavors_extra_specs, name), resp, version)


def test_flavor_access_and_paged_lists(client, versions, subtests):
    """A private flavor's access list, add and remove (os-flavor-access), and the flavor
    lists with limit, marker and filters (flavors_links), as tempest's client judges them."""
    access = ts.Fixed(flavors_access, "add_remove_list_flavor_access")
    flavor_id = str(uuid.uuid4())
    resp = client.post("/v2.1/flavors", {"flavor": {
        "name": f"conformance-{flavor_id[:8]}", "ram": 64, "vcpus": 1, "disk": 0,
        "id": flavor_id, "os-flavor-access:is_public": "False"}})
    assert resp.status_code == 200, resp.text
    base = f"/v2.1/flavors/{flavor_id}"
    steps = [  # operation, method, path, body
        ("add", "POST", f"{base}/action", {"addTenantAccess": {"tenant": "conformance"}}),
        ("list", "GET", f"{base}/os-flavor-access", None),
        ("remove", "POST", f"{base}/action",
         {"removeTenantAccess": {"tenant": "conformance"}}),
    ]
    lists = [("list", "/v2.1/flavors", ts.Versioned(FlavorsClient, "list_flavors")),
             ("list detail", "/v2.1/flavors/detail",
              ts.Versioned(FlavorsClient, "list_flavors_details"))]
    try:
        for version in ts.representatives(access, versions):
            for operation, method, path, body in steps:
                with subtests.test(msg=f"os-flavor-access {operation} at {version}",
                                   version=version):
                    kwargs = {"body": body} if body is not None else {}
                    resp = client.request(method, path,
                                          headers=ts.version_header(version), **kwargs)
                    ts.check(access.at(version), resp, version)
        for operation, path, schema in lists:
            for version in ts.representatives(schema, versions):
                with subtests.test(msg=f"flavors {operation} paged at {version}",
                                   version=version):
                    resp = client.get(f"{path}?limit=1&is_public=none&minRam=1"
                                      f"&sort_key=name&sort_dir=desc",
                                      headers=ts.version_header(version))
                    ts.check(schema.at(version), resp, version)
                    assert resp.json()["flavors_links"][0]["rel"] == "next"
    finally:
        client.delete(base)


# --------------------------------------------------------------------------- services

def test_service_writes(client, mininova, versions, subtests):
    """Disable, enable, force down and up one compute service, the API of each version.

    Below 2.53 action URLs name the service by host and binary in the body; from 2.53
    PUT /os-services/{uuid}. The service is enabled and up again whatever happens.
    """
    host = mininova.compute_hosts[-1]
    named = {"host": host, "binary": "nova-compute"}
    legacy = [v for v in versions if _minor(v) < _minor(SERVICE_UUIDS)]
    steps = [  # operation, URL suffix, body, tempest schema, served from
        ("disable", "disable", named, ts.Fixed(services_v21, "enable_disable_service"), None),
        ("disable with reason", "disable-log-reason",
         {**named, "disabled_reason": "conformance"},
         ts.Fixed(services_v21, "disable_log_reason"), None),
        ("enable", "enable", named, ts.Fixed(services_v21, "enable_disable_service"), None),
        ("force down", "force-down", {**named, "forced_down": True},
         ts.Fixed(services_v211, "update_forced_down"), FORCE_DOWN),
        ("force up", "force-down", {**named, "forced_down": False},
         ts.Fixed(services_v211, "update_forced_down"), FORCE_DOWN),
    ]
    update = ts.Versioned(ServicesClient, "update_service")
    current = [  # operation, body
        ("disable", {"status": "disabled", "disabled_reason": "conformance"}),
        ("enable", {"status": "enabled"}),
        ("force down", {"forced_down": True}),
        ("force up", {"forced_down": False}),
    ]
    try:
        for version in ts.representatives(steps[0][3], legacy, splits=[FORCE_DOWN]):
            for operation, suffix, body, schema, since in steps:
                if since and _minor(version) < _minor(since):
                    continue
                with subtests.test(msg=f"os-services {operation} at {version}",
                                   version=version):
                    resp = client.request("PUT", f"/v2.1/os-services/{suffix}", body=body,
                                          headers=ts.version_header(version))
                    ts.check(schema.at(version), resp, version)
        served = [v for v in versions if _minor(v) >= _minor(SERVICE_UUIDS)]
        for version in ts.representatives(update, served):
            service_id = _compute_service_id(client, host, version)
            for operation, body in current:
                with subtests.test(msg=f"os-services {operation} at {version}",
                                   version=version):
                    resp = client.request("PUT", f"/v2.1/os-services/{service_id}",
                                          body=body, headers=ts.version_header(version))
                    ts.check(update.at(version), resp, version)
    finally:
        newest = versions[-1]
        resp = client.request("PUT", f"/v2.1/os-services/"
                              f"{_compute_service_id(client, host, newest)}",
                              body={"status": "enabled", "forced_down": False},
                              headers=ts.version_header(newest))
        assert resp.status_code == 200, f"could not restore {host}: {resp.text}"


def _compute_service_id(client: ApiClient, host: str, version: str) -> str:
    resp = client.get("/v2.1/os-services?binary=nova-compute",
                      headers=ts.version_header(version))
    assert resp.status_code == 200, resp.text
    return next(str(svc["id"]) for svc in resp.json()["services"] if svc["host"] == host)


# --------------------------------------------------------------------------- quotas

def test_quota_set_update(client, versions, subtests):
    """PUT /os-quota-sets/{project} on a project of this test's own."""
    update = ts.Versioned(QuotasClient, "update_quota_set")
    project = "conformance-" + uuid.uuid4().hex[:8]
    for version in ts.representatives(update, versions):
        with subtests.test(msg=f"os-quota-sets update at {version}", version=version):
            resp = client.request("PUT", f"/v2.1/os-quota-sets/{project}",
                                  body={"quota_set": {"instances": 7}},
                                  headers=ts.version_header(version))
            ts.check(update.at(version), resp, version)


# --------------------------------------------------------------------------- key pairs

KEYPAIR_USER_ID = "2.10"  # an admin may name the user from here
KEYPAIR_PAGING = "2.35"  # the list pages from here
KEYPAIR_IMPORT_ONLY = "2.92"  # no generated key pairs from here


def test_keypair_create_show_delete(client, versions, subtests):
    """POST (generated below 2.92, imported from it), GET and DELETE of a key pair."""
    create = ts.Versioned(KeyPairsClient, "create_keypair")
    show = ts.Versioned(KeyPairsClient, "get_keypair")
    delete = ts.Versioned(KeyPairsClient, "delete_keypair")
    splits = [KEYPAIR_USER_ID, KEYPAIR_PAGING, KEYPAIR_IMPORT_ONLY]
    public_key = None
    for version in ts.representatives(create, versions, splits=splits):
        headers = ts.version_header(version)
        name = f"conformance-{version.replace('.', '-')}"
        body = {"name": name}
        if _minor(version) >= _minor(KEYPAIR_IMPORT_ONLY):
            body["public_key"] = public_key
        with subtests.test(msg=f"os-keypairs create at {version}", version=version):
            resp = client.post("/v2.1/os-keypairs", {"keypair": body}, headers=headers)
            ts.check(create.at(version), resp, version)
            public_key = public_key or resp.json()["keypair"]["public_key"]
        with subtests.test(msg=f"os-keypairs show at {version}", version=version):
            resp = client.get(f"/v2.1/os-keypairs/{name}", headers=headers)
            ts.check(show.at(version), resp, version)
        with subtests.test(msg=f"os-keypairs delete at {version}", version=version):
            resp = client.delete(f"/v2.1/os-keypairs/{name}", headers=headers)
            ts.check(delete.at(version), resp, version)


def test_quota_set_delete(client, versions, subtests):
    """DELETE /os-quota-sets/{project} (back to the defaults) on a project of its own."""
    delete = ts.Versioned(QuotasClient, "delete_quota")
    project = "conformance-" + uuid.uuid4().hex[:8]
    for version in ts.representatives(delete, versions):
        with subtests.test(msg=f"os-quota-sets delete at {version}", version=version):
            resp = client.request("DELETE", f"/v2.1/os-quota-sets/{project}",
                                  headers=ts.version_header(version))
            ts.check(delete.at(version), resp, version)


def test_quota_class_update(client, versions, subtests):
    """PUT /os-quota-class-sets/default, setting a default to the value it has."""
    update = ts.Versioned(QuotaClassesClient, "update_quota_class_set")
    for version in ts.representatives(update, versions):
        with subtests.test(msg=f"os-quota-class-sets update at {version}",
                           version=version):
            shown = client.get("/v2.1/os-quota-class-sets/default",
                               headers=ts.version_header(version)).json()
            current = shown["quota_class_set"]["metadata_items"]
            resp = client.request("PUT", "/v2.1/os-quota-class-sets/default",
                                  body={"quota_class_set": {"metadata_items": current}},
                                  headers=ts.version_header(version))
            ts.check(update.at(version), resp, version)
