"""Request body validation: one falcon hook applies a JSON Schema from api/schemas/."""
import json

import jsonschema
from jsonschema import validators

from mininova import exception


def check(schema: dict, body, field: str = "body") -> None:
    """Raise ValidationError (400) naming the first offending field."""
    validator = validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return
    path = "/".join(str(p) for p in error.absolute_path)
    field = f"{field}/{path}" if path else field
    raise exception.ValidationError(field=field, value=error.instance, reason=error.message)


def _json_body(req):
    """The body as JSON whatever the Content-Type says (curl users often omit it)."""
    raw = req.bounded_stream.read()
    if not raw:
        raise exception.Invalid(message="The request body is empty; a JSON body is needed.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise exception.Invalid(message=f"Malformed request body: {exc}") from exc


def schema(body_schema: dict):
    """A falcon ``before`` hook: parse the JSON body, validate it, keep it on the request."""

    def hook(req, resp, resource, params):
        body = _json_body(req)
        check(body_schema, body)
        req.context.body = body

    return hook
