"""Version documents: GET /, GET /v2 and GET /v2.1/, answered without a token.

Nova lists the legacy v2.0 API first (SUPPORTED, no microversions) and v2.1 after it;
clients and tempest rely on that order. mininova serves only v2.1's resources: /v2 answers
its version document so that the listed link can be followed, nothing below it.
"""
import falcon

from mininova.api import api_version

_MEDIA_TYPES = {
    "v2.0": "application/vnd.openstack.compute+json;version=2",
    "v2.1": "application/vnd.openstack.compute+json;version=2.1",
}


def _v20(base_url: str) -> dict:
    return {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base_url}/v2/"}]}


def _v21(base_url: str) -> dict:
    return {"id": "v2.1", "status": "CURRENT", "version": api_version.MAX_VERSION,
            "min_version": api_version.MIN_VERSION, "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base_url}/v2.1/"}]}


def _one(doc: dict) -> dict:
    doc["media-types"] = [{"base": "application/json", "type": _MEDIA_TYPES[doc["id"]]}]
    return {"version": doc}


class Versions:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"versions": [_v20(req.prefix), _v21(req.prefix)]}


class VersionV20:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = _one(_v20(req.prefix))


class VersionV21:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = _one(_v21(req.prefix))
