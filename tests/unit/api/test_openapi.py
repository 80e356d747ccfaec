"""The OpenAPI description: the committed file is what the code generates, it describes
every route of the app and nothing else, and it is served without a token."""
import json
import re

import falcon
import falcon.inspect
import jsonschema
import openapi_spec_validator
import pytest
from falcon import testing

from mininova import conf
from mininova.api import api_version
from mininova.api import auth
from mininova.api import openapi
from mininova.api import openapi_responses
from mininova.api import openapi_source
from mininova.api import validation
from mininova.api.schemas import quota_sets as quota_schemas
from mininova.api.schemas import servers as server_schemas

CONF = conf.CONF
_FIELD = re.compile(r"{(\w+)(?::[^}]*)?}")


@pytest.fixture(scope="module")
def app():
    return openapi.build_app(CONF)


@pytest.fixture(scope="module")
def committed() -> str:
    return openapi._committed_path().read_text()


@pytest.fixture(scope="module")
def document(committed) -> dict:
    return json.loads(committed)


def _operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items()
            for method in item if method != "parameters"}


def test_committed_file_is_what_the_code_generates(app, committed, document):
    generated = openapi.generate(app)
    if openapi.dumps(generated) == committed:
        return
    differing = sorted(
        {key for key in generated["paths"].keys() | document["paths"].keys()
         if generated["paths"].get(key) != document["paths"].get(key)}
        | {key for key in generated if key != "paths" and generated[key] != document.get(key)})
    pytest.fail(f"mininova/api/openapi.json does not describe the code any more (differs at: "
                f"{', '.join(differing) or 'formatting'}). Regenerate it: {openapi.REGENERATE}")


def test_every_route_and_responder_is_described_and_nothing_else(app, document):
    # NOTE: falcon's own public inspection, not the generator's walk of the router.
    served = {(_FIELD.sub(r"{\1}", route.path), method.method)
              for route in falcon.inspect.inspect_routes(app)
              for method in route.methods if not method.internal}
    described = _operations(document)
    assert served - described == set(), f"routes missing; run {openapi.REGENERATE}"
    assert described - served == set(), f"routes no longer served; run {openapi.REGENERATE}"
    assert (openapi.PATH, "GET") in described


def test_document_is_valid_openapi_3_1(document):
    openapi_spec_validator.validate(document)
    assert document["openapi"].startswith("3.1")


def test_request_bodies_are_the_schemas_the_api_validates_with(document):
    def body(path, method):
        return document["paths"][path][method]["requestBody"]["content"][
            "application/json"]["schema"]

    by_version = body("/v2.1/os-quota-sets/{project_id}", "put")["anyOf"]
    assert [{k: v for k, v in s.items() if k != "title"} for s in by_version] == [
        quota_schemas.update, quota_schemas.update_v236, quota_schemas.update_v257]
    create = jsonschema.Draft202012Validator(body("/v2.1/servers", "post"))
    minimal = {"server": {"name": "vm", "imageRef": "cirros", "flavorRef": "1"}}
    assert create.is_valid(minimal)
    assert not create.is_valid({"server": {**minimal["server"], "no-such-field": 1}})
    assert not create.is_valid({"server": {"name": "vm"}})
    hook, actions = body("/v2.1/servers/{server_id}/action", "post")["allOf"]
    assert hook == server_schemas.action
    by_name = {a["title"]: a["properties"][a["title"]] for a in actions["oneOf"]}
    assert by_name["reboot"] == server_schemas.reboot
    assert by_name["os-stop"] == server_schemas.stop


def test_path_query_and_status_come_from_the_code(document):
    show = document["paths"]["/v2.1/servers/{server_id}"]
    assert {"name": "server_id", "in": "path", "required": True,
            "schema": {"type": "string"}} in show["parameters"]
    assert list(show["delete"]["responses"]) == ["204", "default"]
    query = {p["name"]: p["schema"] for p in
             document["paths"]["/v2.1/servers/detail"]["get"]["parameters"]}
    assert query["limit"] == {"type": "integer"}
    assert query["all_tenants"] == {"type": "boolean"}
    # Bound through loops in the handler's helper: for key in ("host", "project_id").
    assert {"status", "name", "changes-since", "marker", "host", "project_id"} <= set(query)
    assert "202" in document["paths"]["/v2.1/servers"]["post"]["responses"]


def test_security_and_microversions(document):
    assert document["components"]["securitySchemes"]["token"]["name"] == "X-Auth-Token"
    assert document["security"] == [{"token": []}]
    for path, method in _operations(document):
        operation = document["paths"][path][method.lower()]
        assert (operation.get("security") == []) == (path in auth.PUBLIC_PATHS), path
    header = document["components"]["parameters"]["ComputeMicroversion"]
    assert header["name"] == "OpenStack-API-Version"
    assert api_version.MIN_VERSION in header["description"]
    assert api_version.MAX_VERSION in header["description"]
    assert document["info"]["x-compute-microversions"] == {
        "min_version": api_version.MIN_VERSION, "max_version": api_version.MAX_VERSION}
    compute_refs = document["paths"]["/v2.1/servers"]["parameters"]
    assert {"$ref": "#/components/parameters/ComputeMicroversion"} in compute_refs
    assert "parameters" not in document["paths"]["/image/v2/images"]


def test_response_table_names_real_operations_and_codes(app, document):
    produced = {(op.path, op.method): openapi_source.read_responder(
        op.resource, op.responder).success_codes() for op in openapi.operations(app)}
    for (path, method), codes in openapi_responses.RESPONSES.items():
        assert (path, method) in _operations(document), (path, method)
        responses = document["paths"][path][method.lower()]["responses"]
        for code, name in codes.items():
            assert code in produced[path, method], (path, method, code)
            assert name in openapi_responses.SCHEMAS, name
            assert responses[str(code)]["content"]["application/json"]["schema"] == {
                "$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize("token", [None, "alice:p1"])
def test_served_without_token_as_committed(db, app, committed, token):
    client = testing.TestClient(app)
    headers = {"X-Auth-Token": token} if token else {}
    resp = client.simulate_get(openapi.PATH, headers=headers)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.text == committed


def test_keystone_mode_lets_the_document_through():
    req = testing.create_req(path=openapi.PATH)
    ctxt = auth.build_context(auth.KEYSTONE, req, "req-1")
    assert ctxt.user_id is None
    with pytest.raises(falcon.HTTPUnauthorized):
        auth.build_context(auth.KEYSTONE, testing.create_req(path="/v2.1/servers"), "req-2")


# ----------------------------------------------------------------- the source reader

_NAMES = ("owner", "tag")


def _helper(req) -> dict:
    return {key: req.get_param(key) for key in _NAMES if req.get_param(key)}


class _Resource:
    @falcon.before(validation.schema({"type": "object"}))
    def on_put(self, req, resp, item_id):
        """Replace it."""
        _helper(req)
        for key in ("sort_key", "sort_dir"):
            req.get_param(key)
        if req.get_param_as_bool("dry_run"):
            resp.status = falcon.HTTP_202
            return
        self._write(req, resp)

    def _write(self, req, resp):
        req.get_param_as_int("limit", required=True)
        data = req.bounded_stream.read()
        resp.set_header("Location", "/x")
        resp.media = {"size": len(data)}


def test_source_reader_follows_helpers_loops_and_branches():
    resource = _Resource()
    source = openapi_source.read_responder(resource, resource.on_put)
    assert source.query == {
        "owner": {"type": "string"}, "tag": {"type": "string"},
        "sort_key": {"type": "string"}, "sort_dir": {"type": "string"},
        "dry_run": {"type": "boolean"}, "limit": {"type": "integer"}}
    assert source.required_query == {"limit"}
    # 202 on one branch, the implicit 200 on the other.
    assert source.success_codes() == [200, 202]
    assert source.reads_stream and source.sets_media
    assert source.headers == {"Location"}


_CHOICES = {"a": {"type": "object"}, "b": {"type": "array"}}


def _select_schema(req, params):
    if not params:
        return server_schemas.stop
    return _CHOICES[params["name"]]


def test_source_reader_resolves_what_a_schema_selector_returns():
    assert openapi_source.returned_schemas(_select_schema) == [
        server_schemas.stop, {"type": "object"}, {"type": "array"}]
