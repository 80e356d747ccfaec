"""os-quota-sets and /limits in-process, with the requests the openstack CLI sends
(``quota show|set``, ``quota show --default|--usage``, ``limits show --absolute``)."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import quota
from mininova.api import wsgi
from mininova.db import instances as db_instances

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}


@pytest.fixture
def client(db, flags):
    flags(instances=10, cores=20, ram=51200, group="quota")
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _instance(uuid: str, project_id: str = "p1") -> None:
    db_instances.instance_create({
        "uuid": uuid, "display_name": "vm", "project_id": project_id, "user_id": "alice",
        "image_ref": "i", "flavor_id": "1", "flavor_name": "m1.tiny", "memory_mb": 512,
        "vcpus": 1, "root_gb": 1, "vm_state": "active"})


def _enforced(quota_set: dict) -> dict:
    """The quotas mininova enforces (the others are shown with Nova's defaults)."""
    return {key: quota_set[key] for key in ("instances", "cores", "ram")}


def test_cli_quota_set_then_show_default_and_usage(client):
    # `openstack quota set --instances 1 --cores 4 --ram 2048 p1` sends exactly this.
    done = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"instances": 1, "cores": 4, "ram": 2048}})
    assert done.status_code == 200, done.text
    assert _enforced(done.json["quota_set"]) == {"instances": 1, "cores": 4, "ram": 2048}
    assert "id" not in done.json["quota_set"]

    shown = client.simulate_get("/v2.1/os-quota-sets/p1", headers=ALICE).json["quota_set"]
    assert (shown["id"], _enforced(shown)) == (
        "p1", {"instances": 1, "cores": 4, "ram": 2048})
    defaults = client.simulate_get("/v2.1/os-quota-sets/p1/defaults",
                                   headers=ALICE).json["quota_set"]
    assert (defaults["id"], _enforced(defaults)) == (
        "p1", {"instances": 10, "cores": 20, "ram": 51200})

    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")
    detail = client.simulate_get("/v2.1/os-quota-sets/p1/detail", headers=ADMIN).json
    assert detail["quota_set"]["instances"] == {"limit": 1, "in_use": 1, "reserved": 0}
    assert detail["quota_set"]["ram"] == {"limit": 2048, "in_use": 512, "reserved": 0}


def test_quota_set_refuses_bad_values_and_non_admins(client):
    for body in ({"instances": -2}, {"instances": "many"}):
        resp = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN,
                                   json={"quota_set": body})
        assert resp.status_code == 400, body
    assert client.simulate_put("/v2.1/os-quota-sets/p1", headers=ALICE, json={
        "quota_set": {"instances": 50}}).status_code == 403


def test_limits_are_the_callers_own_and_another_projects_for_an_admin(client):
    client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN,
                        json={"quota_set": {"instances": 1}})
    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")

    # `openstack limits show --absolute` sends ?reserved=False.
    own = client.simulate_get("/v2.1/limits", params={"reserved": "False"}, headers=ALICE)
    absolute = own.json["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"]) == (1, 1)
    assert (absolute["maxTotalRAMSize"], absolute["totalRAMUsed"]) == (51200, 512)
    assert own.json["limits"]["rate"] == []

    admin_own = client.simulate_get("/v2.1/limits", headers=ADMIN).json["limits"]["absolute"]
    assert (admin_own["maxTotalInstances"], admin_own["totalInstancesUsed"]) == (10, 0)
    # `limits show --absolute --project p1` adds tenant_id: an admin's view of p1.
    other = client.simulate_get("/v2.1/limits", params={"tenant_id": "p1"}, headers=ADMIN)
    assert other.json["limits"]["absolute"] == absolute
    assert client.simulate_get("/v2.1/limits", params={"tenant_id": "p1"},
                               headers=ALICE).status_code == 200
    denied = client.simulate_get("/v2.1/limits", params={"tenant_id": "p2"}, headers=ALICE)
    assert denied.status_code == 403 and "forbidden" in denied.json


@pytest.mark.parametrize("value", [2**31, "2147483648", "99999999999999999999"])
def test_limits_past_the_database_integer_are_400(client, value):
    resp = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN,
                               json={"quota_set": {"instances": value}})
    assert resp.status_code == 400, resp.text
    assert "2147483647" in resp.json["badRequest"]["message"]
    assert client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"instances": "2147483647"}}).status_code == 200


def test_a_limit_below_usage_needs_force(client):
    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")
    _instance("1d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")
    refused = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"cores": 4, "instances": 1}})
    assert refused.status_code == 400
    assert refused.json["badRequest"]["message"] == (
        "Quota limit 1 for instances must be greater than or equal to already used and "
        "reserved 2.")
    shown = client.simulate_get("/v2.1/os-quota-sets/p1", headers=ADMIN).json["quota_set"]
    assert (shown["instances"], shown["cores"]) == (10, 20)  # nothing was set
    for force in (True, "True", "yes", "1"):
        forced = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
            "quota_set": {"instances": 0, "force": force}})
        assert forced.status_code == 200 and forced.json["quota_set"]["instances"] == 0
    assert client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"instances": -1}}).status_code == 200
    assert client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"instances": 0, "force": "maybe"}}).status_code == 400


def test_delete_reverts_to_the_defaults(client):
    client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"ram": "5120", "fixed_ips": 3, "injected_files": 1}})
    assert client.simulate_delete("/v2.1/os-quota-sets/p1", headers=ALICE).status_code == 403
    deleted = client.simulate_delete("/v2.1/os-quota-sets/p1", headers=ADMIN)
    assert deleted.status_code == 202 and deleted.text == ""
    shown = client.simulate_get("/v2.1/os-quota-sets/p1", headers=ADMIN).json["quota_set"]
    assert (shown["ram"], shown["fixed_ips"], shown["injected_files"]) == (51200, -1, 5)


def test_quotas_mininova_does_not_enforce_are_stored_and_shown(client):
    done = client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN, json={
        "quota_set": {"security_groups": 20, "injected_file_path_bytes": 512}})
    assert done.status_code == 200, done.text
    shown = client.simulate_get("/v2.1/os-quota-sets/p1", headers=ALICE).json["quota_set"]
    assert (shown["security_groups"], shown["injected_file_path_bytes"]) == (20, 512)
    absolute = client.simulate_get("/v2.1/limits", headers=ALICE).json["limits"]["absolute"]
    assert absolute["maxSecurityGroups"] == 20


def test_a_user_without_limits_of_its_own_has_the_projects(client):
    client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN,
                        json={"quota_set": {"ram": 4096}})
    shown = client.simulate_get("/v2.1/os-quota-sets/p1", params={"user_id": "alice"},
                                headers=ALICE)
    assert shown.json["quota_set"]["ram"] == 4096


def test_user_quotas_are_set_shown_in_detail_and_deleted(client):
    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")
    user = {"user_id": "alice"}
    done = client.simulate_put("/v2.1/os-quota-sets/p1", params=user, headers=ADMIN,
                               json={"quota_set": {"instances": 3, "ram": 1024}})
    assert done.status_code == 200, done.text
    assert (done.json["quota_set"]["instances"], done.json["quota_set"]["ram"]) == (3, 1024)
    project = client.simulate_get("/v2.1/os-quota-sets/p1", headers=ADMIN).json
    assert project["quota_set"]["instances"] == 10
    detail = client.simulate_get("/v2.1/os-quota-sets/p1/detail", params=user,
                                 headers=ADMIN).json["quota_set"]
    assert detail["instances"] == {"limit": 3, "in_use": 1, "reserved": 0}
    assert detail["cores"] == {"limit": 20, "in_use": 1, "reserved": 0}
    bob = client.simulate_get("/v2.1/os-quota-sets/p1/detail", params={"user_id": "bob"},
                              headers=ADMIN).json["quota_set"]
    assert bob["instances"] == {"limit": 10, "in_use": 0, "reserved": 0}

    assert client.simulate_delete("/v2.1/os-quota-sets/p1", params=user,
                                  headers=ADMIN).status_code == 202
    shown = client.simulate_get("/v2.1/os-quota-sets/p1", params=user, headers=ADMIN).json
    assert shown["quota_set"]["instances"] == 10


@pytest.mark.parametrize("value", [11, -1])
def test_a_users_limit_above_the_projects_is_400_unless_forced(client, value):
    user = {"user_id": "alice"}
    refused = client.simulate_put("/v2.1/os-quota-sets/p1", params=user, headers=ADMIN,
                                  json={"quota_set": {"instances": value}})
    assert refused.status_code == 400
    assert "must be less than or equal to 10" in refused.json["badRequest"]["message"]
    forced = client.simulate_put("/v2.1/os-quota-sets/p1", params=user, headers=ADMIN,
                                 json={"quota_set": {"instances": value, "force": True}})
    assert forced.json["quota_set"]["instances"] == value


def test_a_users_limit_is_enforced_besides_the_projects(client):
    _instance("0d9a1c1e-3b3f-4a0c-9f65-5b4a8e9e2f10")
    client.simulate_put("/v2.1/os-quota-sets/p1", params={"user_id": "alice"},
                        headers=ADMIN, json={"quota_set": {"instances": 1}})
    with pytest.raises(quota.QuotaExceeded):
        quota.check("p1", {"instances": 1}, user_id="alice")
    quota.check("p1", {"instances": 1}, user_id="bob")
    assert quota.count_within("p1", {"instances": 1}, 1, 5, user_id="bob") == 5
