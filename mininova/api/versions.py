"""Version documents: GET / and GET /v2.1/, answered without a token."""
import falcon

from mininova.api import api_version


def _version(base_url: str) -> dict:
    return {"id": "v2.1", "status": "CURRENT", "version": api_version.MAX_VERSION,
            "min_version": api_version.MIN_VERSION, "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base_url}/v2.1/"}]}


class Versions:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"versions": [_version(req.prefix)]}


class VersionV21:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        doc = _version(req.prefix)
        doc["media-types"] = [{"base": "application/json",
                               "type": "application/vnd.openstack.compute+json;version=2.1"}]
        resp.media = {"version": doc}
