"""The OpenAPI 3.1 description of the API: generated from the falcon app, served as a file.

Nothing in the description is written by hand except the response schemas
(api/openapi_responses.py, checked against real responses by the functional tests):

- paths and methods: every route of the app's router and every on_* responder on it;
- request bodies: the JSON Schemas the responders really validate with: their
  api/validation.py hooks (a schema, a schema per microversion, or whatever the hook's
  selector returns; a schema builder ``f(at_least)`` is asked at every microversion) and
  a resource's ``actions`` table of action schemas;
- query parameters, success codes, response headers: read from the responders' code
  (api/openapi_source.py); path parameters: from the route templates;
- security: ``X-Auth-Token`` everywhere but api/auth.py's public paths;
- the microversion headers, with the range of api/api_version.py, on the Compute API.

The generated document is committed as mininova/api/openapi.json and served by
``OpenAPIDocument`` at ``GET /openapi.json`` without a token. tests/unit/api/test_openapi.py
fails when the committed file and the code disagree; ``REGENERATE`` is the fix.
"""
import functools
import http
import importlib.resources
import inspect
import json
import pathlib
import re
import sys
from collections.abc import Callable
from collections.abc import Iterator

import falcon
import microversion_parse
import oslo_messaging as messaging
from oslo_config import cfg

from mininova import conf as mn_conf
from mininova.api import api_version
from mininova.api import auth
from mininova.api import openapi_responses
from mininova.api import openapi_source

PATH = "/openapi.json"
FILE_NAME = "openapi.json"
REGENERATE = "tox -e genopenapi  (or: python -m mininova.api.openapi)"
OPENAPI_VERSION = "3.1.0"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
_COMPUTE_ROOT = "/v2.1"
_FIELD = re.compile(r"{(\w+)(?::[^}]*)?}")
_JSON = "application/json"


class Operation:
    """One implemented responder: a method on a route template."""

    def __init__(self, path: str, method: str, resource: object, responder: Callable):
        self.path = _FIELD.sub(r"{\1}", path)
        self.method = method
        self.resource = resource
        self.responder = responder


def operations(app: falcon.App) -> list[Operation]:
    """Every route of ``app`` and every responder its resource implements, in order."""
    found = []

    def walk(nodes) -> None:
        # NOTE: the compiled router's tree, walked as falcon.inspect.inspect_routes does;
        # falcon's own responders (405, OPTIONS) are not bound to the resource.
        for node in nodes:
            if node.resource is not None:
                for method, responder in (node.method_map or {}).items():
                    if getattr(responder, "__self__", None) is node.resource:
                        found.append(Operation(node.uri_template, method, node.resource,
                                               responder))
            walk(node.children)

    walk(app._router._roots)
    return sorted(found, key=lambda op: (op.path, _METHODS.index(op.method)))


def generate(app: falcon.App) -> dict:
    """The OpenAPI document describing ``app`` (a falcon app from wsgi.create_app)."""
    paths: dict[str, dict] = {}
    for op in operations(app):
        item = paths.setdefault(op.path, _path_item(op.path))
        item[op.method.lower()] = _operation(op)
    return {
        "openapi": OPENAPI_VERSION,
        "info": _info(),
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": _components(),
    }


def dumps(document: dict) -> str:
    """The document as the committed file holds it (stable, diff-friendly)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _info() -> dict:
    return {
        "title": "mininova API",
        "version": api_version.MAX_VERSION,
        "description": (
            f"The Compute API v2.1 with microversions {api_version.MIN_VERSION} to "
            f"{api_version.MAX_VERSION} (OpenStack-API-Version: compute X.Y), and the "
            "Image API v2 and Identity v3 subsets the stock clients use. Errors carry "
            "Nova's fault body. The /identity subset is served only with [api] "
            "auth_strategy = noauth2. Generated from the code; do not edit by hand."),
        "x-compute-microversions": {"min_version": api_version.MIN_VERSION,
                                    "max_version": api_version.MAX_VERSION},
    }


def _is_compute(path: str) -> bool:
    return path == _COMPUTE_ROOT or path.startswith(_COMPUTE_ROOT + "/")


def _path_item(path: str) -> dict:
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "string"}} for name in _FIELD.findall(path)]
    if _is_compute(path):
        parameters += [{"$ref": "#/components/parameters/ComputeMicroversion"},
                       {"$ref": "#/components/parameters/LegacyMicroversion"}]
    return {"parameters": parameters} if parameters else {}


def _operation(op: Operation) -> dict:
    source = openapi_source.read_responder(op.resource, op.responder)
    operation = {"operationId": _operation_id(op), "tags": [_tag(op.path)]}
    description = _description(op)
    if description:
        operation["description"] = description
    if source.query:
        operation["parameters"] = [
            {"name": name, "in": "query", "required": name in source.required_query,
             "schema": schema} for name, schema in sorted(source.query.items())]
    body = _request_body(op, source)
    if body:
        operation["requestBody"] = body
    operation["responses"] = _responses(op, source)
    if op.path in auth.PUBLIC_PATHS:
        operation["security"] = []
    return operation


def _operation_id(op: Operation) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", op.path).strip("_") or "root"
    return f"{op.method.lower()}_{slug}"


def _tag(path: str) -> str:
    """The resource a path belongs to: servers, flavors, image, identity, ..."""
    segments = [s for s in path.split("/") if s]
    if segments[:1] == [_COMPUTE_ROOT.strip("/")]:
        segments = segments[1:]
    return segments[0].removesuffix(".json") if segments else "versions"


def _description(op: Operation) -> str | None:
    """The first paragraph of the responder's docstring, else of its resource's."""
    doc = inspect.getdoc(op.responder) or inspect.getdoc(type(op.resource))
    if not doc:
        return None
    return " ".join(doc.split("\n\n")[0].split())


def _hook_schemas(responder: Callable) -> Iterator[dict]:
    """The schemas of the api/validation.py hooks falcon.before wrapped around it."""
    func = getattr(responder, "__func__", responder)
    while func is not None:
        for cell in func.__closure__ or ():
            try:
                schema = _hook_schema(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
            if schema is not None:
                yield schema
        func = getattr(func, "__wrapped__", None)


def _hook_schema(hook: object) -> dict | None:
    """What a validation hook accepts: its schema, one per microversion, or whatever
    its ``select`` function may return."""
    if getattr(hook, "body_schema", None) is not None:
        return _schema(hook.body_schema)
    if getattr(hook, "versioned_body_schemas", None):
        return _versioned(hook.versioned_body_schemas)
    if getattr(hook, "select_body_schema", None) is not None:
        return _selected(hook.select_body_schema)
    return None


def _versioned(versioned: api_version.Versioned) -> dict:
    """A schema chosen by microversion: one alternative per range of versions."""
    return _schema(lambda at_least: _schema(versioned.pick(at_least)))


def _selected(select: Callable) -> dict:
    """Any of the schemas a function choosing one per request may return."""
    schemas = [_schema(s) for s in openapi_source.returned_schemas(select)]
    return {"anyOf": schemas} if len(schemas) > 1 else (schemas or [{}])[0]


def _schema(schema: dict | Callable[[Callable[[str], bool]], dict]) -> dict:
    """A schema, or what a builder ``schema(at_least)`` makes of each microversion: one
    alternative per range of versions that share a schema."""
    if not callable(schema):
        return schema
    if len(inspect.signature(schema).parameters) != 1:
        return {"description": "Chosen per request by the code; not described."}
    ranges: list[list] = []  # [first version, last version, schema]
    for version in _microversions():
        built = schema(functools.partial(_at_least, version))
        if ranges and ranges[-1][2] == built:
            ranges[-1][1] = version
        else:
            ranges.append([version, version, built])
    if len(ranges) == 1:
        return ranges[0][2]
    return {"anyOf": [{"title": f"microversions {first} to {last}", **built}
                      for first, last, built in ranges]}


def _microversions() -> list[str]:
    low, high = (microversion_parse.parse_version_string(v)
                 for v in (api_version.MIN_VERSION, api_version.MAX_VERSION))
    return [f"{low.major}.{minor}" for minor in range(low.minor, high.minor + 1)]


def _at_least(requested: str, version: str) -> bool:
    """``api_version.at_least`` for a request at ``requested``."""
    return (microversion_parse.parse_version_string(requested)
            >= microversion_parse.parse_version_string(version))


def _action_schemas(resource: object) -> list[dict]:
    """One schema per action of a resource's ``actions`` table {name: (schema, ...)}."""
    actions = getattr(resource, "actions", None)
    if not isinstance(actions, dict):
        return []
    schemas = []
    for name, entry in actions.items():
        schema = entry[0] if isinstance(entry, tuple | list) and entry else entry
        if isinstance(schema, api_version.Versioned):
            schema = _versioned(schema)
        elif callable(schema):
            # NOTE: a function of the request choosing the schema (by microversion).
            schema = _selected(schema)
        schemas.append({"title": name, "type": "object", "properties": {name: schema},
                        "required": [name], "additionalProperties": False})
    return schemas


def _request_body(op: Operation, source: openapi_source.ResponderSource) -> dict | None:
    schemas = [schema for func in (op.responder, *source.methods)
               for schema in _hook_schemas(func)]
    actions = _action_schemas(op.resource) if op.method == "POST" else []
    if actions:
        schemas.append({"oneOf": actions})
    if schemas:
        schema = schemas[0] if len(schemas) == 1 else {"allOf": schemas}
        return {"required": True, "content": {_JSON: {"schema": schema}}}
    if source.reads_stream:
        return {"required": True, "content": {"application/octet-stream": {
            "schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}}
    return None


def _responses(op: Operation, source: openapi_source.ResponderSource) -> dict:
    described = openapi_responses.RESPONSES.get((op.path, op.method), {})
    headers = {"X-Openstack-Request-Id": {"$ref": "#/components/headers/RequestId"}}
    if _is_compute(op.path):
        headers["OpenStack-API-Version"] = {"$ref": "#/components/headers/ComputeVersion"}
    responses = {}
    for code in sorted(set(source.success_codes()) | set(described)):
        response = {"description": http.HTTPStatus(code).phrase, "headers": {
            **headers, **{name: {"schema": {"type": "string"}}
                          for name in sorted(source.headers)}}}
        content = _content(code, described.get(code), source)
        if content:
            response["content"] = content
        responses[str(code)] = response
    responses["default"] = {"$ref": "#/components/responses/Fault"}
    return responses


def _content(code: int, schema_name: str | None,
             source: openapi_source.ResponderSource) -> dict:
    if schema_name:
        return {_JSON: {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}
    # NOTE: without a described schema, say only what the code shows: 204 and a bare
    # 202 carry no body, a media assignment is a JSON object, a content type is bytes.
    if code in (202, 204):
        return {}
    content = {}
    if source.sets_media:
        content[_JSON] = {"schema": {"type": "object"}}
    for content_type in sorted(source.content_types):
        content[content_type] = {"schema": {"type": "string",
                                            "contentMediaType": content_type}}
    return content


def _components() -> dict:
    version_range = (f"{api_version.MIN_VERSION} to {api_version.MAX_VERSION}, or "
                     f"'latest' ({api_version.MAX_VERSION}); without it the API answers at "
                     f"{api_version.MIN_VERSION}")
    return {
        "securitySchemes": {"token": {
            "type": "apiKey", "in": "header", "name": "X-Auth-Token",
            "description": "noauth2: 'user:project' (user 'admin' is an administrator); "
                           "keystone: a Keystone token."}},
        "parameters": {
            "ComputeMicroversion": {
                "name": "OpenStack-API-Version", "in": "header", "required": False,
                "description": f"'{api_version.SERVICE_TYPE} X.Y': {version_range}.",
                "schema": {"type": "string", "examples": [
                    f"{api_version.SERVICE_TYPE} {api_version.MAX_VERSION}"]}},
            "LegacyMicroversion": {
                "name": api_version.LEGACY_HEADER, "in": "header", "required": False,
                "deprecated": True,
                "description": f"'X.Y': {version_range}; OpenStack-API-Version wins.",
                "schema": {"type": "string"}},
        },
        "headers": {
            "RequestId": {"description": "The request id, req-<uuid>, as in the logs.",
                          "schema": {"type": "string", "pattern": "^req-[0-9a-f-]{36}$"}},
            "ComputeVersion": {"description": "The microversion the request was answered "
                                              "at: 'compute X.Y'.",
                               "schema": {"type": "string"}},
        },
        "responses": {"Fault": {
            "description": "An error, in Nova's fault body.",
            "headers": {"X-Openstack-Request-Id": {
                "$ref": "#/components/headers/RequestId"}},
            "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Fault"}}}}},
        "schemas": openapi_responses.SCHEMAS,
    }


def _committed_path() -> pathlib.Path:
    return pathlib.Path(__file__).with_name(FILE_NAME)


class OpenAPIDocument:
    """GET /openapi.json: the committed description, answered without a token."""

    def __init__(self, document: bytes | None = None):
        self.document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self.document is None:
            # NOTE: read on first use, not when the app is built: the generator builds
            # the app before the file exists.
            self.document = importlib.resources.files(__package__).joinpath(
                FILE_NAME).read_bytes()
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.document


def build_app(conf: cfg.ConfigOpts) -> falcon.App:
    """The app to describe: noauth2 (every route mounted), a fake RPC transport."""
    # NOTE: imported here: wsgi imports this module for OpenAPIDocument.
    from mininova.api import wsgi

    conf.set_override("auth_strategy", auth.NOAUTH2, group="api")
    try:
        return wsgi.create_app(conf, messaging.get_rpc_transport(conf, url="fake://"))
    finally:
        conf.clear_override("auth_strategy", group="api")


def main() -> None:
    """Write the generated description over the committed file (``REGENERATE``)."""
    mn_conf.CONF([], project="mininova", default_config_files=[])
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else _committed_path()
    target.write_text(dumps(generate(build_app(mn_conf.CONF))))
    print(f"Wrote {target}")


if __name__ == "__main__":
    main()
