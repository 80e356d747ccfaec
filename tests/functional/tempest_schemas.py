"""Tempest's Compute API response schemas, chosen per microversion as tempest's clients do.

The conformance test (test_conformance.py) judges mininova's answers by a description of
Nova's API that mininova did not write: the schemas tempest publishes under
tempest/lib/api_schema/response/compute/v2_*. Which module applies at a microversion comes
from the service clients' own ``schema_versions_info`` tables through tempest's own
``BaseComputeClient.get_schema``; a response is then judged by tempest's
``RestClient.validate_response`` (status code list, Draft 4 JSON Schema with tempest's
format checker) plus the check tempest's compute client makes on the version header.

Two gaps of tempest 47 are bridged, each where its own client would fail against Nova:
the tag schemas missing from its 2.99/2.100 servers modules come from the newest earlier
module, and Nova's 2.88 hypervisor change (absent from its table) is applied.
"""
import copy
import dataclasses
import warnings
from collections.abc import Sequence
from types import ModuleType

import requests
from tempest.lib import exceptions as lib_exc
from tempest.lib.common import api_version_request
from tempest.lib.common import api_version_utils
from tempest.lib.common import jsonschema_validator
from tempest.lib.common import rest_client
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.compute import hypervisor_client

with warnings.catch_warnings():
    # NOTE: the fixture module imports tempest's deprecated volume v2 clients.
    warnings.simplefilter("ignore", DeprecationWarning)
    from tempest.lib.common import api_microversion_fixture

BODY_EXCERPT = 600  # characters of the response body quoted in a failure


def microversions(min_version: str, max_version: str) -> list[str]:
    """Every microversion from ``min_version`` to ``max_version``, both included."""
    low = api_version_request.APIVersionRequest(min_version)
    high = api_version_request.APIVersionRequest(max_version)
    assert low.ver_major == high.ver_major and low <= high, (min_version, max_version)
    return [f"{low.ver_major}.{minor}" for minor in range(low.ver_minor, high.ver_minor + 1)]


def version_header(version: str) -> dict:
    """The request header asking for compute ``version``."""
    return {"OpenStack-API-Version": f"compute {version}"}


def _selected(client_cls: type, version: str) -> ModuleType:
    """The schema module ``client_cls`` picks at ``version``, by tempest's own get_schema."""
    # NOTE: a client that never sends anything: tempest opens no connection before the
    # first request, and get_schema reads only the class table and the microversion.
    client = client_cls(None, "compute", "")
    with api_microversion_fixture.APIMicroversionFixture(compute_microversion=version):
        return client.get_schema(client.schema_versions_info)


# Nova 2.88 took these out of GET /os-hypervisors/detail and /os-hypervisors/{id}.
_HYPERVISOR_FIELDS_GONE_2_88 = (
    "cpu_info", "current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb",
    "local_gb", "local_gb_used", "memory_mb", "memory_mb_used", "running_vms", "vcpus",
    "vcpus_used")


def _nova_2_88_hypervisors(name: str, schema: dict) -> dict:
    """Nova 2.88 applied to tempest's 2.53 hypervisor schemas (tempest has no 2.88 entry).

    The resource fields leave detail and show; show gains ``uptime``.
    """
    if name not in ("list_hypervisors_detail", "get_hypervisor"):
        return schema
    schema = copy.deepcopy(schema)
    body = schema["response_body"]["properties"]
    detail = (body["hypervisors"]["items"] if name == "list_hypervisors_detail"
              else body["hypervisor"])
    for field in _HYPERVISOR_FIELDS_GONE_2_88:
        detail["properties"].pop(field, None)
    detail["required"] = [f for f in detail["required"]
                          if f not in _HYPERVISOR_FIELDS_GONE_2_88]
    if name == "get_hypervisor":
        detail["properties"]["uptime"] = {"type": ["string", "null"]}
    return schema


# NOTE: where tempest 47's version tables stop short of a Nova microversion, tempest's own
# client would judge real Nova wrong (its hypervisor tests never run above 2.53), so Nova's
# documented change is applied to the schema tempest picks: (client, from version, change).
_NOVA_CHANGES_TEMPEST_LACKS = [
    (hypervisor_client.HypervisorClient, "2.88", _nova_2_88_hypervisors),
]


@dataclasses.dataclass(frozen=True)
class Versioned:
    """The schema a tempest client picks by microversion (``client.get_schema``)."""

    client: type
    name: str

    def at(self, version: str) -> dict:
        schema = self._picked(version)
        requested = api_version_request.APIVersionRequest(version)
        for client, since, change in _NOVA_CHANGES_TEMPEST_LACKS:
            if (self.client is client
                    and requested >= api_version_request.APIVersionRequest(since)):
                schema = change(self.name, schema)
        return schema

    def _picked(self, version: str) -> dict:
        module = _selected(self.client, version)
        if hasattr(module, self.name):
            return getattr(module, self.name)
        # NOTE: tempest 47's servers modules for 2.99 and 2.100 leave out the tag schemas
        # (unchanged since 2.26; its own client fails with AttributeError there), so the
        # newest earlier module of the same table that has the schema answers.
        table = [entry["schema"] for entry in self.client.schema_versions_info]
        for earlier in reversed(table[:table.index(module)]):
            if hasattr(earlier, self.name):
                return getattr(earlier, self.name)
        raise LookupError(f"tempest has no {self.client.__name__} schema {self.name} "
                          f"at or below {version}")


@dataclasses.dataclass(frozen=True)
class Fixed:
    """A schema a tempest client uses at every microversion (e.g. v2_1's delete_server)."""

    module: ModuleType
    name: str

    def at(self, version: str) -> dict:
        return getattr(self.module, self.name)


def representatives(schema: Versioned | Fixed, versions: Sequence[str],
                    splits: Sequence[str] = ()) -> list[str]:
    """The first and last version of each run of ``versions`` sharing one schema.

    ``splits`` start a new run even where the schema stays the same (a version from which
    the request itself must change).
    """
    picked: list[str] = []
    run_start = 0
    for i in range(1, len(versions) + 1):
        if (i == len(versions) or versions[i] in splits
                or schema.at(versions[i]) != schema.at(versions[run_start])):
            picked += [versions[run_start]] if run_start == i - 1 else [
                versions[run_start], versions[i - 1]]
            run_start = i
    return picked


def _tempest_response(resp: requests.Response) -> dict:
    """``resp`` in the shape tempest's http layer hands to validate_response."""

    class Response(dict):
        status: int

    out = Response({key.lower(): value for key, value in resp.headers.items()})
    out.status = resp.status_code
    out["status"] = str(resp.status_code)
    return out


def _body(resp: requests.Response):
    # NOTE: as tempest's clients: JSON when there is a body, the (empty) text otherwise.
    return resp.json() if resp.content else resp.text


def _schema_errors(schema: dict, body) -> list[str]:
    """Every violation tempest's validator finds, one line each (tempest stops at one)."""
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda err: list(map(str, err.path)))
    return [f"{err.message} (at /{'/'.join(map(str, err.path))})" for err in errors]


def check(schema: dict, resp: requests.Response, version: str | None) -> None:
    """Judge ``resp`` as tempest's compute client does at ``version``.

    ``version`` None: an answer outside the microversioned API (version documents).
    Raises AssertionError whose first line names the problem.
    """
    request = f"{resp.request.method} {resp.request.path_url}"
    codes = schema["status_code"]
    # NOTE: validate_response looks only at 2xx/3xx answers (tempest's error checker
    # raises on the others before it), so an error status is refused here first.
    assert resp.status_code in codes, (
        f"HTTP {resp.status_code}, expected {codes}: {request}\n"
        f"{resp.text[:BODY_EXCERPT]}")
    tempest_resp = _tempest_response(resp)
    body = _body(resp)
    try:
        if version is not None:
            api_version_utils.assert_version_header_matches_request(
                base_compute_client.BaseComputeClient.api_microversion_header_name,
                version, tempest_resp)
        rest_client.RestClient.validate_response(schema, tempest_resp, body)
    except lib_exc.InvalidHTTPResponseBody as exc:
        errors = _schema_errors(schema, body) if schema.get("response_body") else []
        first = errors[0] if errors else str(exc.resp_body).splitlines()[0]
        raise AssertionError("\n".join([f"response body is invalid: {first}", *errors[1:],
                                        f"{request}: {resp.text[:BODY_EXCERPT]}"])) from None
    except lib_exc.RestClientException as exc:
        raise AssertionError(f"{str(exc.resp_body).splitlines()[0]}\n{request}") from None
