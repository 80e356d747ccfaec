"""Request body validation: one falcon hook applies a JSON Schema from api/schemas/."""
import ipaddress
import json

import jsonschema
from jsonschema import validators
from oslo_utils import timeutils

from mininova import exception
from mininova.api import api_version

_EXTENDED: dict = {}

# NOTE: only the address formats are checked (accessIPv4/accessIPv6, as Nova's
# FormatChecker does); the other "format" keywords in the schemas stay descriptive.
_FORMATS = jsonschema.FormatChecker(formats=("ipv4", "ipv6"))


def _bound_numeric_strings(base_check):
    """``minimum``/``maximum`` for the numeric strings that ``["integer", "string"]``
    fields accept too (Nova's habit): "99999999999" is as out of range as 99999999999."""

    def bound(validator, limit, instance, schema):
        if isinstance(instance, str):
            try:
                instance = int(instance)
            except ValueError:
                return  # NOTE: not a number: the field's pattern reports it.
        yield from base_check(validator, limit, instance, schema)

    return bound


def _validator_class(schema: dict):
    base = validators.validator_for(schema)
    if base not in _EXTENDED:
        _EXTENDED[base] = validators.extend(base, {
            key: _bound_numeric_strings(base.VALIDATORS[key]) for key in ("minimum", "maximum")})
    return _EXTENDED[base]


def check(schema: dict, body, field: str = "body") -> None:
    """Raise ValidationError (400) naming the first offending field."""
    validator = _validator_class(schema)(schema, format_checker=_FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return
    path = "/".join(str(p) for p in error.absolute_path)
    field = f"{field}/{path}" if path else field
    raise exception.ValidationError(field=field, value=error.instance, reason=error.message)


def check_storable(value, where: str = "body") -> None:
    """400 for a string (a key too) that no database here can store: one holding a NUL
    character (PostgreSQL refuses it) or an unpaired surrogate (not encodable as UTF-8)."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_storable(key, where)
            check_storable(item, where)
    elif isinstance(value, list):
        for item in value:
            check_storable(item, where)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise exception.Invalid(message=f"Invalid string in the {where}: it holds an "
                                            f"unpaired surrogate.") from exc
        if "\x00" in value:
            raise exception.Invalid(message=f"Invalid string in the {where}: it holds a "
                                            f"NUL character.")


def _json_body(req):
    """The body as JSON whatever the Content-Type says (curl users often omit it)."""
    raw = req.bounded_stream.read()
    if not raw:
        raise exception.Invalid(message="The request body is empty; a JSON body is needed.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise exception.Invalid(message=f"Malformed request body: {exc}") from exc
    check_storable(body)
    return body


def schema(body_schema: dict):
    """A falcon ``before`` hook: parse the JSON body, validate it, keep it on the request."""

    def hook(req, resp, resource, params):
        body = _json_body(req)
        check(body_schema, body)
        req.context.body = body

    # NOTE: api/openapi.py finds the schema here to describe the request body.
    hook.body_schema = body_schema
    return hook


def schema_for(select):
    """Like ``schema``, when the schema depends on the request: ``select(req, params)``
    returns it (it may raise, e.g. NotFound for an action URL that does not exist)."""

    def hook(req, resp, resource, params):
        body_schema = select(req, params)
        body = _json_body(req)
        check(body_schema, body)
        req.context.body = body

    # NOTE: api/openapi.py describes the request body from what ``select`` returns.
    hook.select_body_schema = select
    return hook


def versioned_schema(*choices: tuple[str, dict]):
    """``choices`` are ``(min_version, schema)`` pairs in ascending order; the last one
    whose min_version the request's microversion reaches applies."""
    select = api_version.Versioned(*choices)
    hook = schema_for(lambda req, params: select(req))
    # NOTE: api/openapi.py describes the request body from these.
    hook.versioned_body_schemas = select
    return hook


# The access IPs' API names -> the instance fields that keep them.
_ACCESS_IPS = {"accessIPv4": "access_ip_v4", "accessIPv6": "access_ip_v6"}


def access_ips(body: dict) -> dict[str, str]:
    """The access IPs ``body`` sets, as instance fields, in the canonical form Nova
    stores and shows (``0:0:0:0:0:babe:220.12.22.2`` is ``::babe:dc0c:1602``); the
    schema has checked they are addresses."""
    return {field: str(ipaddress.ip_address(body[key]))
            for key, field in _ACCESS_IPS.items() if key in body}


def time_param(req, name: str):
    """The query parameter ``name`` as a datetime (changes-since, changes-before), None
    when absent; a 400 naming it when it is no ISO 8601 date-time."""
    value = req.get_param(name)
    if value is None:
        return None
    try:
        return timeutils.parse_isotime(value)
    except ValueError as exc:
        raise exception.ValidationError(field=name, value=value,
                                        reason="not an ISO 8601 date-time") from exc
