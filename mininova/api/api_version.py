"""Compute API microversions: the range served, and the version a request asked for.

The middleware (api/middleware.py) parses the request's ``OpenStack-API-Version:
compute X.Y`` (or the legacy ``X-OpenStack-Nova-API-Version``) once with
microversion-parse and stores the result as ``req.context.api_version``; views and
handlers ask ``at_least(req, "2.47")`` where a version changes what they answer.
"""
import functools

import falcon
import microversion_parse

MIN_VERSION = "2.1"
MAX_VERSION = "2.100"
SERVICE_TYPE = "compute"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"

_MIN = microversion_parse.parse_version_string(MIN_VERSION)
_MAX = microversion_parse.parse_version_string(MAX_VERSION)


def parse(headers: dict) -> microversion_parse.Version:
    """The version the headers ask for: the minimum without one, the maximum for latest.

    Raises 400 for a malformed version and 406 for one outside the served range, as
    Nova does.
    """
    requested = microversion_parse.get_version(headers, SERVICE_TYPE,
                                               legacy_headers=[LEGACY_HEADER])
    if requested is None:
        return _MIN
    if requested.strip().lower() == "latest":
        return _MAX
    try:
        version = microversion_parse.parse_version_string(requested)
    except TypeError as exc:
        raise falcon.HTTPBadRequest(
            description=f"API Version String {requested} is of invalid format. Must be of "
                        f"format MajorNum.MinorNum.") from exc
    if not _MIN <= version <= _MAX:
        raise falcon.HTTPNotAcceptable(
            description=f"Version {version} is not supported by the API. Minimum is "
                        f"{MIN_VERSION} and maximum is {MAX_VERSION}.")
    return version


def requested(req: falcon.Request) -> microversion_parse.Version:
    """The request's version (the minimum outside the compute API, e.g. under /image)."""
    return getattr(req.context, "api_version", _MIN)


# NOTE: the versions the code compares with are a few dozen literals, asked for many
# times a request (a detail listing asks per server and field).
_literal = functools.lru_cache(maxsize=256)(microversion_parse.parse_version_string)


def at_least(req: falcon.Request, version: str) -> bool:
    """True when the request asked for ``version`` or a later one."""
    return requested(req) >= _literal(version)


def below(req: falcon.Request, version: str) -> bool:
    """True when the request asked for a version older than ``version``."""
    return not at_least(req, version)


class Versioned:
    """What changes with the microversion, as one table: ``(min_version, value)`` pairs
    in ascending order; a request gets the last value whose min_version it reaches.
    Schemas chosen per microversion are written this way, so that the choice and its
    description in the OpenAPI document (api/openapi.py) come from the same pairs."""

    def __init__(self, *choices: tuple[str, object]):
        self.choices = choices

    def __call__(self, req: falcon.Request) -> object:
        return self.pick(lambda version: at_least(req, version))

    def pick(self, reaches) -> object:
        """The value for a version that ``reaches(min_version)`` tells about."""
        chosen = self.choices[0][1]
        for min_version, value in self.choices:
            if reaches(min_version):
                chosen = value
        return chosen
