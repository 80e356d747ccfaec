"""The OpenAPI description the running API serves, and real answers judged by it.

GET /openapi.json answers without a token with the shipped file, a valid OpenAPI 3.1
document; then real responses of the running system (a booted server, flavors, services,
images, errors) must have a status code the description lists for their operation and a
body its schema accepts, at the oldest and the newest microversion served. Every response
schema written by hand (api/openapi_responses.py) is exercised here.
"""
import json
import re
import uuid

import jsonschema
import openapi_spec_validator
import pytest
import referencing
import referencing.jsonschema
import requests

from mininova.api import openapi
from mininova.api import openapi_responses

_DOC_URI = "urn:mininova:openapi"
_FIELD = re.compile(r"{(\w+)}")


def _session() -> requests.Session:
    """Requests without a token (the ApiClient always sends one)."""
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def document(mininova) -> dict:
    resp = _session().get(mininova.api_url + openapi.PATH, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.content == openapi._committed_path().read_bytes()
    return resp.json()


class Judge:
    """Checks real responses against the operations of the served description."""

    def __init__(self, document: dict):
        self.document = document
        self.registry = referencing.Registry().with_resource(
            _DOC_URI, referencing.Resource.from_contents(
                document, default_specification=referencing.jsonschema.DRAFT202012))
        self.seen: set[tuple[str, str]] = set()

    def check(self, template: str, method: str, resp: requests.Response, **fields) -> dict:
        """Judge ``resp`` to ``method`` on ``template`` (filled in with ``fields``)."""
        where = f"{method} {template} -> {resp.status_code} {resp.text[:300]}"
        assert _FIELD.sub(lambda m: str(fields[m.group(1)]), template) in resp.url, where
        responses = self.document["paths"][template][method.lower()]["responses"]
        code = str(resp.status_code)
        if resp.status_code < 400:
            assert code in responses, f"{where}: status not described ({list(responses)})"
        pointer = ["paths", template, method.lower(), "responses",
                   code if code in responses else "default"]
        response = responses.get(code) or responses["default"]
        if "$ref" in response:
            pointer = response["$ref"].lstrip("#/").split("/")
            response = self.registry.resolver().lookup(
                f"{_DOC_URI}{response['$ref']}").contents
        if "content" not in response:
            assert not resp.content, f"{where}: a body where none is described"
            return {}
        assert "application/json" in response["content"], where
        schema_pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in
                                  [*pointer, "content", "application/json", "schema"])
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{_DOC_URI}#/{schema_pointer}"}, registry=self.registry)
        body = resp.json()
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"
        self.seen.add((template, method))
        return body


def _version(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def test_served_document_is_valid_openapi(document):
    openapi_spec_validator.validate(document)
    assert (openapi.PATH, "GET") in {
        (p, m.upper()) for p, item in document["paths"].items() for m in item}


def test_real_answers_match_the_description(api, servers, mininova, document):
    judge = Judge(document)
    created = api.create_server("openapi", "1", mininova.image_id)
    judge.check("/v2.1/servers", "POST", created)
    server_id = created.json()["server"]["id"]
    servers.track(server_id)
    api.wait_for_status(server_id, "ACTIVE")
    image_id = mininova.image_id
    gets = [
        ("/", {}), ("/v2", {}), ("/v2.1", {}), ("/v2.1/servers", {}), ("/v2.1/servers/detail", {}),
        ("/v2.1/servers/{server_id}", {"server_id": server_id}),
        ("/v2.1/servers/{server_id}/os-instance-actions", {"server_id": server_id}),
        ("/v2.1/flavors", {}), ("/v2.1/flavors/detail", {}),
        ("/v2.1/flavors/{flavor_id}", {"flavor_id": "1"}),
        ("/v2.1/os-services", {}), ("/v2.1/os-hypervisors", {}), ("/v2.1/limits", {}),
        ("/image/v2/images", {}), ("/image/v2/images/{image_id}", {"image_id": image_id}),
        ("/v2.1/os-quota-class-sets/{class_name}", {"class_name": "default"}),
        ("/v2.1/os-simple-tenant-usage", {}),
        ("/v2.1/os-simple-tenant-usage/{tenant_id}", {"tenant_id": "admin"}),
        ("/v2.1/os-instance_usage_audit_log", {}),
        ("/v2.1/os-instance_usage_audit_log/{before_timestamp}",
         {"before_timestamp": "2026-01-15%2010:00:00"}),
        (openapi.PATH, {}),
    ]
    for version in ("2.1", "latest"):
        for template, fields in gets:
            path = _FIELD.sub(lambda m, f=fields: f[m.group(1)], template)
            resp = api.get(path, headers=_version(version))
            assert resp.status_code == 200, f"GET {path} at {version}: {resp.text[:300]}"
            judge.check(template, "GET", resp, **fields)
    meta = "/v2.1/servers/{server_id}/metadata"
    item = f"{meta}/{{key}}"
    url = f"/v2.1/servers/{server_id}/metadata"
    judge.check(meta, "POST", api.post(url, {"metadata": {"a": "1"}}), server_id=server_id)
    judge.check(meta, "PUT", api.request("PUT", url, body={"metadata": {"b": "2"}}),
                server_id=server_id)
    judge.check(meta, "GET", api.get(url), server_id=server_id)
    judge.check(item, "PUT", api.request("PUT", f"{url}/c", body={"meta": {"c": "3"}}),
                server_id=server_id, key="c")
    judge.check(item, "GET", api.get(f"{url}/c"), server_id=server_id, key="c")
    reserved = api.post("/v2.1/servers", {"server": {
        "name": "openapi-r", "flavorRef": "1", "imageRef": image_id,
        "return_reservation_id": True}})
    judge.check("/v2.1/servers", "POST", reserved)
    reservation = reserved.json()["reservation_id"]
    for server in api.get(f"/v2.1/servers?reservation_id={reservation}").json()["servers"]:
        servers.track(server["id"])
    listed = judge.check("/v2.1/servers/detail", "GET", api.get("/v2.1/servers/detail"))
    assert server_id in [s["id"] for s in listed["servers"]]
    # A private flavor shared with a project (os-flavor-access).
    private = api.post("/v2.1/flavors", {"flavor": {
        "name": "openapi-private", "ram": 64, "vcpus": 1, "disk": 0,
        "os-flavor-access:is_public": False}})
    assert private.status_code == 200, private.text
    flavor_id = private.json()["flavor"]["id"]
    try:
        shared = api.post(f"/v2.1/flavors/{flavor_id}/action",
                          {"addTenantAccess": {"tenant": "openapi"}})
        judge.check("/v2.1/flavors/{flavor_id}/action", "POST", shared, flavor_id=flavor_id)
        access = api.get(f"/v2.1/flavors/{flavor_id}/os-flavor-access")
        judge.check("/v2.1/flavors/{flavor_id}/os-flavor-access", "GET", access,
                    flavor_id=flavor_id)
    finally:
        api.delete(f"/v2.1/flavors/{flavor_id}")
    _check_keypairs(api, judge)
    _check_image_metadata(api, judge)
    # Every response schema written by hand met a real response.
    assert set(openapi_responses.RESPONSES) <= judge.seen, (
        set(openapi_responses.RESPONSES) - judge.seen)


def _check_keypairs(api, judge: Judge) -> None:
    """A generated key pair (2.1: 200) and an imported one (latest: 201), listed and
    shown at both versions."""
    name = f"openapi-{uuid.uuid4().hex[:8]}"
    generated = judge.check("/v2.1/os-keypairs", "POST", api.post(
        "/v2.1/os-keypairs", {"keypair": {"name": name}}, headers=_version("2.1")))
    try:
        imported = api.post("/v2.1/os-keypairs", {"keypair": {
            "name": f"{name}.imported", "public_key": generated["keypair"]["public_key"]}},
            headers=_version("latest"))
        judge.check("/v2.1/os-keypairs", "POST", imported)
        for version in ("2.1", "latest"):
            judge.check("/v2.1/os-keypairs", "GET",
                        api.get("/v2.1/os-keypairs", headers=_version(version)))
            judge.check("/v2.1/os-keypairs/{keypair_name}", "GET",
                        api.get(f"/v2.1/os-keypairs/{name}", headers=_version(version)),
                        keypair_name=name)
    finally:
        for key in (name, f"{name}.imported"):
            api.delete(f"/v2.1/os-keypairs/{key}", headers=_version("latest"))


def _check_image_metadata(api, judge: Judge) -> None:
    """The image proxy's metadata routes (below 2.39), on an image of this test's own."""
    image = api.post("/image/v2/images", {"name": f"openapi-{uuid.uuid4().hex[:8]}",
                                           "disk_format": "qcow2",
                                           "container_format": "bare"})
    assert image.status_code == 201, image.text
    image_id = image.json()["id"]
    path = "/v2.1/images/{image_id}/metadata"
    url = f"/v2.1/images/{image_id}/metadata"
    try:
        judge.check(path, "POST", api.post(url, {"metadata": {"a": "1"}}), image_id=image_id)
        judge.check(path, "PUT", api.request("PUT", url, body={"metadata": {"b": "2"}}),
                    image_id=image_id)
        judge.check(path, "GET", api.get(url), image_id=image_id)
        judge.check(path + "/{key}", "PUT",
                    api.request("PUT", f"{url}/c", body={"meta": {"c": "3"}}),
                    image_id=image_id, key="c")
        judge.check(path + "/{key}", "GET", api.get(f"{url}/c"), image_id=image_id, key="c")
    finally:
        api.delete(f"/image/v2/images/{image_id}")


def test_errors_are_the_described_nova_faults(api, mininova, document):
    judge = Judge(document)
    missing = str(uuid.uuid4())
    cases = [
        ("/v2.1/servers/{server_id}", "GET", api.get(f"/v2.1/servers/{missing}"),
         {"server_id": missing}, 404),
        ("/v2.1/servers", "GET", _session().get(mininova.api_url + "/v2.1/servers",
                                                 timeout=30), {}, 401),
        ("/v2.1/servers", "POST", api.post("/v2.1/servers", {"server": {"name": "x"}}),
         {}, 400),
        ("/v2.1/servers", "GET", api.get("/v2.1/servers", headers=_version("2.999")),
         {}, 406),
        ("/v2.1/flavors/{flavor_id}", "GET", api.get("/v2.1/flavors/no-such-flavor"),
         {"flavor_id": "no-such-flavor"}, 404),
        ("/image/v2/images/{image_id}", "GET", api.get(f"/image/v2/images/{missing}"),
         {"image_id": missing}, 404),
    ]
    for template, method, resp, fields, code in cases:
        assert resp.status_code == code, f"{method} {template}: {resp.status_code} {resp.text}"
        body = judge.check(template, method, resp, **fields)
        ((name, fault),) = body.items()
        assert fault["code"] == code, body
    # A method no responder implements: 405, described by no operation, still a fault.
    resp = api.delete("/v2.1/servers")
    assert resp.status_code == 405
    assert "delete" not in document["paths"]["/v2.1/servers"]
    fault_schema = document["components"]["schemas"]["Fault"]
    jsonschema.Draft202012Validator(fault_schema).validate(json.loads(resp.text))
