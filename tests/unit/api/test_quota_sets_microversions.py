"""os-quota-sets and /limits across microversions: every field Nova shows at 2.1, the
network quotas gone at 2.36, maxImageMeta at 2.39, the injected-file ones at 2.57."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
NETWORK = {"floating_ips", "fixed_ips", "security_groups", "security_group_rules"}
INJECTED = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}
ALWAYS = {"instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
          "server_group_members"}
LIMITS_ALWAYS = {"maxTotalInstances", "totalInstancesUsed", "maxTotalCores",
                 "totalCoresUsed", "maxTotalRAMSize", "totalRAMUsed", "maxServerMeta",
                 "maxTotalKeypairs", "maxServerGroups", "maxServerGroupMembers",
                 "totalServerGroupsUsed"}
LIMITS_NETWORK = {"maxSecurityGroups", "maxSecurityGroupRules", "maxTotalFloatingIps",
                  "totalFloatingIpsUsed", "totalSecurityGroupsUsed"}
LIMITS_PERSONALITY = {"maxPersonality", "maxPersonalitySize"}


def _at(version: str) -> dict:
    return {**ADMIN, "OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, flags):
    flags(instances=10, cores=20, ram=51200, group="quota")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


@pytest.mark.parametrize("version, expected", [
    ("2.1", ALWAYS | NETWORK | INJECTED), ("2.35", ALWAYS | NETWORK | INJECTED),
    ("2.36", ALWAYS | INJECTED), ("2.56", ALWAYS | INJECTED), ("2.57", ALWAYS),
    ("2.100", ALWAYS)])
def test_quota_set_fields_by_version(client, version, expected):
    for suffix in ("", "/defaults", "/detail"):
        body = client.simulate_get(f"/v2.1/os-quota-sets/p1{suffix}",
                                   headers=_at(version)).json["quota_set"]
        assert set(body) == expected | {"id"}, (version, suffix)
    updated = client.simulate_put("/v2.1/os-quota-sets/p1", headers=_at(version), json={
        "quota_set": {"cores": 8}}).json["quota_set"]
    assert set(updated) == expected and updated["cores"] == 8


@pytest.mark.parametrize("version, settable, refused", [
    ("2.1", ALWAYS | NETWORK | INJECTED, set()), ("2.36", ALWAYS | INJECTED, NETWORK),
    ("2.57", ALWAYS, NETWORK | INJECTED)])
def test_every_field_nova_lists_is_settable(client, version, settable, refused):
    body = {name: 42 for name in settable}
    done = client.simulate_put("/v2.1/os-quota-sets/p1", headers=_at(version),
                               json={"quota_set": {**body, "force": True}})
    assert done.status_code == 200, done.text
    assert done.json["quota_set"] == body
    for name in refused:
        assert client.simulate_put("/v2.1/os-quota-sets/p1", headers=_at(version), json={
            "quota_set": {name: 1}}).status_code == 400, name


def test_detail_of_a_quota_mininova_does_not_enforce(client):
    detail = client.simulate_get("/v2.1/os-quota-sets/p1/detail",
                                 headers=_at("2.1")).json["quota_set"]
    assert detail["key_pairs"] == {"limit": 100, "in_use": 0, "reserved": 0}


@pytest.mark.parametrize("version, expected", [
    ("2.1", LIMITS_ALWAYS | LIMITS_NETWORK | LIMITS_PERSONALITY | {"maxImageMeta"}),
    ("2.36", LIMITS_ALWAYS | LIMITS_PERSONALITY | {"maxImageMeta"}),
    ("2.39", LIMITS_ALWAYS | LIMITS_PERSONALITY),
    ("2.57", LIMITS_ALWAYS), ("2.100", LIMITS_ALWAYS)])
def test_limits_fields_by_version(client, version, expected):
    body = client.simulate_get("/v2.1/limits", headers=_at(version)).json["limits"]
    assert set(body["absolute"]) == expected
    assert body["rate"] == []
    assert all(isinstance(value, int) for value in body["absolute"].values())
