"""GET /extensions[/{alias}]: Nova's static legacy list, as tempest reads it."""
import oslo_messaging as messaging
import pytest
from falcon import testing
from tempest.lib.api_schema.response.compute.v2_1 import extensions as schema
from tempest.lib.common import jsonschema_validator

from mininova import conf
from mininova.api import wsgi

CONF = conf.CONF
MEMBER = {"X-Auth-Token": "alice:p1"}


@pytest.fixture
def client(db):
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def test_list_has_nova_names_and_matches_tempests_schema(client):
    resp = client.simulate_get("/v2.1/extensions", headers=MEMBER)
    assert resp.status_code == 200
    validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
        schema.list_extensions["response_body"],
        format_checker=jsonschema_validator.FORMAT_CHECKER)
    assert not list(validator.iter_errors(resp.json))
    extensions = resp.json["extensions"]
    assert "Hosts" in [ext["name"] for ext in extensions]
    aliases = [ext["alias"] for ext in extensions]
    assert aliases == sorted(aliases) and len(aliases) == len(set(aliases))


def test_show_by_alias_and_404_for_an_unknown_one(client):
    resp = client.simulate_get("/v2.1/extensions/os-consoles", headers=MEMBER)
    assert resp.status_code == 200
    assert resp.json["extension"]["alias"] == "os-consoles"
    assert resp.json["extension"]["name"] == "Consoles"
    assert client.simulate_get("/v2.1/extensions/os-bogus",
                               headers=MEMBER).status_code == 404
