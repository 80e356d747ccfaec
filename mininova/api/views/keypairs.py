"""Key pair views: which fields os-keypairs answers, as Nova's view builder decides.

A list entry has name, public_key and fingerprint; create adds user_id (and the
private key of a generated pair, once); show adds the record's id, times and Nova's
soft-delete fields (always ``false``/``null``: key pairs are hard-deleted). ``type``
appears everywhere from 2.2; the list pages from 2.35 (``keypairs_links``).
"""
import urllib.parse

import falcon

from mininova import conf
from mininova.api import api_version
from mininova.api.views import usage_time

CONF = conf.CONF


def _basic(req: falcon.Request, keypair) -> dict:
    body = {"name": keypair.name, "public_key": keypair.public_key,
            "fingerprint": keypair.fingerprint}
    if api_version.at_least(req, "2.2"):
        body["type"] = keypair.type
    return body


def create(req: falcon.Request, keypair, private_key: str | None = None) -> dict:
    body = {**_basic(req, keypair), "user_id": keypair.user_id}
    if private_key is not None:
        body["private_key"] = private_key
    return {"keypair": body}


def show(req: falcon.Request, keypair) -> dict:
    return {"keypair": {**_basic(req, keypair), "user_id": keypair.user_id,
                        "id": keypair.id, "created_at": usage_time(keypair.created_at),
                        "updated_at": usage_time(keypair.updated_at),
                        "deleted": False, "deleted_at": None}}


def index(req: falcon.Request, keypairs, limit: int | None = None) -> dict:
    """The list; with a ``limit`` (2.35) that the page filled, a link to the next page
    (the request's own query with the last name as the marker)."""
    body = {"keypairs": [{"keypair": _basic(req, kp)} for kp in keypairs]}
    if limit and len(keypairs) == limit:
        query = urllib.parse.urlencode({**req.params, "marker": keypairs[-1].name},
                                       doseq=True)
        body["keypairs_links"] = [{"rel": "next",
                                   "href": f"{req.prefix}/v2.1/os-keypairs?{query}"}]
    return body
