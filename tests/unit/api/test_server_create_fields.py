"""What POST /servers and PUT /servers/{id} take beyond the basics: accessIPv4/v6 and
adminPass (Nova's validation, storage and answers)."""
import pytest

from mininova import conf

CONF = conf.CONF
IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
OWNER = {"X-Auth-Token": "bob:p2"}
ADMIN = {"X-Auth-Token": "admin:admin"}


@pytest.fixture
def client(boot_client):
    return boot_client


def _create(client, headers=OWNER, **fields):
    server = {"name": "vm", "imageRef": IMAGE, "flavorRef": "1", **fields}
    return client.simulate_post("/v2.1/servers", headers=headers, json={"server": server})


def _show(client, uuid, headers=OWNER):
    return client.simulate_get(f"/v2.1/servers/{uuid}", headers=headers).json["server"]


def test_access_ips_are_stored_shown_and_updatable(client):
    resp = _create(client, accessIPv4="1.1.1.1", accessIPv6="::babe:202:202")
    assert resp.status_code == 202
    uuid = resp.json["server"]["id"]
    shown = _show(client, uuid)
    assert (shown["accessIPv4"], shown["accessIPv6"]) == ("1.1.1.1", "::babe:202:202")
    updated = client.simulate_put(f"/v2.1/servers/{uuid}", headers=OWNER, json={
        "server": {"accessIPv4": "10.0.0.7", "accessIPv6": "2001:2001::3"}})
    assert updated.status_code == 200
    assert updated.json["server"]["accessIPv4"] == "10.0.0.7"
    assert _show(client, uuid)["accessIPv6"] == "2001:2001::3"
    listed = client.simulate_get("/v2.1/servers/detail", headers=OWNER).json["servers"]
    assert listed[0]["accessIPv4"] == "10.0.0.7"
    found = client.simulate_get("/v2.1/servers", headers=ADMIN,
                                params={"access_ip_v4": "^10\\.0", "all_tenants": "1"})
    assert [s["id"] for s in found.json["servers"]] == [uuid]


def test_access_ips_are_shown_in_canonical_form(client):
    resp = _create(client, accessIPv6="0000:0000:0000:0000:0000:babe:220.12.22.2")
    assert _show(client, resp.json["server"]["id"])["accessIPv6"] == "::babe:dc0c:1602"


def test_servers_without_access_ips_show_empty_strings(client):
    uuid = _create(client).json["server"]["id"]
    shown = _show(client, uuid)
    assert (shown["accessIPv4"], shown["accessIPv6"]) == ("", "")


@pytest.mark.parametrize("fields", [
    {"accessIPv4": "1.1.1"}, {"accessIPv4": "::1"}, {"accessIPv4": ""},
    {"accessIPv4": 5}, {"accessIPv6": "notvalid"}, {"accessIPv6": "1.1.1.1"},
    {"accessIPv6": ""},
])
def test_bad_access_ips_are_400(client, fields):
    resp = _create(client, **fields)
    assert resp.status_code == 400
    assert "accessIPv" in resp.json["badRequest"]["message"]
    uuid = _create(client).json["server"]["id"]
    assert client.simulate_put(f"/v2.1/servers/{uuid}", headers=OWNER,
                               json={"server": fields}).status_code == 400


def test_admin_pass_given_generated_or_left_out(client, flags):
    given = _create(client, adminPass="s3cret").json["server"]
    assert given["adminPass"] == "s3cret"
    generated = _create(client).json["server"]["adminPass"]
    assert len(generated) == 12 and generated.isalnum()
    assert "adminPass" not in _show(client, given["id"])
    flags(enable_instance_password=False, group="api")
    assert "adminPass" not in _create(client, adminPass="s3cret").json["server"]
    assert _create(client, adminPass=7).status_code == 400


def test_disk_config_is_taken_stored_and_shown(client):
    """tempest's ServersTestJSON creates with OS-DCF:diskConfig AUTO; Nova shows it back."""
    resp = _create(client, **{"OS-DCF:diskConfig": "AUTO"})
    assert resp.status_code == 202, resp.text
    assert resp.json["server"]["OS-DCF:diskConfig"] == "AUTO"
    assert _show(client, resp.json["server"]["id"])["OS-DCF:diskConfig"] == "AUTO"
    plain = _create(client)
    assert _show(client, plain.json["server"]["id"])["OS-DCF:diskConfig"] == "MANUAL"
    bad = _create(client, **{"OS-DCF:diskConfig": "SOMETIMES"})
    assert bad.status_code == 400


def test_disk_config_is_updatable(client):
    uuid = _create(client).json["server"]["id"]
    resp = client.simulate_put(f"/v2.1/servers/{uuid}", headers=OWNER,
                               json={"server": {"OS-DCF:diskConfig": "AUTO"}})
    assert resp.status_code == 200, resp.text
    assert resp.json["server"]["OS-DCF:diskConfig"] == "AUTO"
    assert _show(client, uuid)["OS-DCF:diskConfig"] == "AUTO"


@pytest.mark.parametrize("value,shown", [(True, "True"), ("true", "True"), ("1", "True"),
                                         (False, ""), ("no", "")])
def test_config_drive_is_stored_and_shown_as_nova_does(client, value, shown):
    resp = _create(client, config_drive=value)
    assert resp.status_code == 202, resp.text
    assert _show(client, resp.json["server"]["id"])["config_drive"] == shown


@pytest.mark.parametrize("value", ["maybe", 2, None])
def test_config_drive_not_a_boolean_is_400(client, value):
    resp = _create(client, config_drive=value)
    assert resp.status_code == 400
    assert "config_drive" in resp.json["badRequest"]["message"]
