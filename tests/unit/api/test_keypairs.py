"""os-keypairs in-process, with the requests tempest's key pair tests send (judged by
tempest's own response schemas at each microversion), and key_name at server create."""
import base64
import functools
import hashlib
import urllib.parse

import oslo_messaging as messaging
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from falcon import testing
from tempest.lib.common import jsonschema_validator
from tempest.lib.services.compute.keypairs_client import KeyPairsClient

from mininova import conf
from mininova import crypto
from mininova import objects
from mininova.api import wsgi

CONF = conf.CONF
ADMIN = {"X-Auth-Token": "admin:admin"}
ALICE = {"X-Auth-Token": "alice:p1"}
BOB = {"X-Auth-Token": "bob:p1"}
IMAGE_ID = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"
# tempest's test_keypair_create_with_pub_key key, and its MD5 as ssh-keygen -E md5 shows.
PUB_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsNe3/1ILNCqFyfYWDeTKLD6jEXC2OQHLmietMWW"
           "+/vdaZq7KZEwO0jhglaFjU1mpqq4Gz5RX156sCTNM9vRbwKAxfsdF9laBYVsex3m3Wmui3uYrKyums"
           "oJn2g9GNnG1PI1mrVjZ61i0GY3khna+wzlTpCCmy5HNlrmbj3XLqBUpipTOXmsnr4sChzC53KCd8LX"
           "uwc1i/CZPvF+3XipvAgFSE53pCtLOeB1kYMOBaiUPLQTWXR3JpckqFIQwhIH0zoHlJvZE8hh90XcPo"
           "jYN56tI0OlrGqojbediJYD0rUsJu4weZpbn8vilb3JuDY+jwssnSA8wzBx3A/8y9Pp1B nova@ubuntu")
PUB_KEY_MD5 = "61:5f:fe:c7:e0:fd:d7:4a:2b:52:6e:a6:f5:bf:da:27"


def _v(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


@pytest.fixture
def client(db, admin_ctxt, monkeypatch):
    # NOTE: smaller keys keep the generation fast; the format is the same.
    monkeypatch.setattr(crypto, "generate_key_pair",
                        functools.partial(crypto.generate_key_pair, bits=1024))
    monkeypatch.setattr(crypto, "generate_x509_cert",
                        functools.partial(crypto.generate_x509_cert, bits=1024))
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, ephemeral_gb=0, swap=0, disabled=False,
                   is_public=True).create()
    objects.Image(admin_ctxt, id=IMAGE_ID, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0, min_ram=0,
                  properties={}).create()
    transport = messaging.get_rpc_transport(CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(CONF, transport))


def _judge(name: str, version: str, resp) -> None:
    """``resp`` as tempest's keypairs client judges ``name`` at ``version``."""
    entry = KeyPairsClient.schema_versions_info[0 if version == "2.1" else 1]
    schema = getattr(entry["schema"], name)
    assert resp.status_code in schema["status_code"], resp.text
    if "response_body" in schema:
        validator = jsonschema_validator.JSONSCHEMA_VALIDATOR(
            schema["response_body"], format_checker=jsonschema_validator.FORMAT_CHECKER)
        errors = [e.message for e in validator.iter_errors(resp.json)]
        assert not errors, f"{name} at {version}: {errors}"


def _create(client, version="2.1", headers=ALICE, **keypair):
    return client.simulate_post("/v2.1/os-keypairs", headers={**headers, **_v(version)},
                                json={"keypair": keypair})


def _get(client, path, version="2.1", headers=ALICE, **params):
    return client.simulate_get(f"/v2.1/os-keypairs{path}", params=params,
                               headers={**headers, **_v(version)})


def _delete(client, name, version="2.1", headers=ALICE, **params):
    return client.simulate_delete(f"/v2.1/os-keypairs/{name}", params=params,
                                  headers={**headers, **_v(version)})


@pytest.mark.parametrize("version", ["2.1", "2.2", "2.91"])
def test_generate_list_show_delete_as_tempest_does(client, version):
    created = _create(client, version, name="kp-1")
    _judge("create_keypair", version, created)
    keypair = created.json["keypair"]
    private = serialization.load_pem_private_key(keypair["private_key"].encode(), None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
    assert keypair["public_key"].startswith(public + " ")
    blob = base64.b64decode(public.split()[1])
    assert keypair["fingerprint"] == ":".join(
        f"{b:02x}" for b in hashlib.md5(blob, usedforsecurity=False).digest())
    assert keypair["user_id"] == "alice"
    assert (keypair.get("type") == "ssh") == (version != "2.1")

    listed = _get(client, "", version)
    _judge("list_keypairs", version, listed)
    del keypair["private_key"], keypair["user_id"]
    assert [kp["keypair"] for kp in listed.json["keypairs"]] == [keypair]

    shown = _get(client, "/kp-1", version)
    _judge("get_keypair", version, shown)
    assert shown.json["keypair"]["deleted"] is False

    deleted = _delete(client, "kp-1", version)
    _judge("delete_keypair", version, deleted)
    assert _get(client, "/kp-1", version).status_code == 404
    assert _delete(client, "kp-1", version).status_code == 404


def test_import_keeps_the_key_and_shows_nova_fingerprint(client):
    created = _create(client, "2.2", name="imported", public_key=PUB_KEY)
    _judge("create_keypair", "2.2", created)
    assert "private_key" not in created.json["keypair"]
    assert created.json["keypair"]["public_key"] == PUB_KEY
    assert created.json["keypair"]["fingerprint"] == PUB_KEY_MD5


def test_x509_generated_and_imported(client):
    created = _create(client, "2.2", name="cert", type="x509")
    _judge("create_keypair", "2.2", created)
    body = created.json["keypair"]
    cert = x509.load_pem_x509_certificate(body["public_key"].encode())
    assert cert.subject.rfc4514_string() == "CN=alice"
    assert body["fingerprint"] == cert.fingerprint(crypto.hashes.SHA1()).hex(":")
    assert base64.b64decode(body["private_key"])  # PKCS#12, for WinRM clients
    shown = _get(client, "/cert", "2.2").json["keypair"]
    assert (shown["type"], shown["public_key"]) == ("x509", body["public_key"])

    imported = _create(client, "2.92", name="cert.2@x", type="x509",
                       public_key=body["public_key"])
    assert imported.status_code == 201, imported.text
    assert imported.json["keypair"]["fingerprint"] == body["fingerprint"]
    assert _create(client, "2.2", name="c3", type="x509",
                   public_key=PUB_KEY).status_code == 400


def test_bad_create_is_400(client):
    """tempest's negative tests, and the schema's other refusals."""
    for keypair in ({"name": "k", "public_key": "ssh-rsa JUNK nova@ubuntu"},
                    {"name": "k", "public_key": " "},
                    {"name": "k", "public_key": "ssh-rsa " + "A" * 2048 + " openstack@ubuntu"},
                    {"name": ""}, {"name": "keypair-".ljust(260, "0")},
                    {"name": r"key_/.\@:"}, {"name": " lead"}, {"name": "k", "type": "x509"},
                    {"name": "k", "user_id": "bob"}, {"name": "k", "extra": 1}):
        resp = _create(client, "2.1", **keypair)
        assert resp.status_code == 400, (keypair, resp.text)
        assert resp.json["badRequest"]["code"] == 400
    assert _create(client, "2.10", ADMIN, name="k", user_id="u" * 256).status_code == 400
    assert _get(client, "").json == {"keypairs": []}


def test_names_and_generation_at_2_92(client):
    assert _create(client, "2.91", name="a.b").status_code == 400
    refused = _create(client, "2.92", name="a.b")  # no public_key: nothing generated
    assert refused.status_code == 400
    created = _create(client, "2.92", name="me@host.example", public_key=PUB_KEY)
    _judge("create_keypair", "2.92", created)
    assert _get(client, "/me@host.example", "2.92").status_code == 200


def test_duplicate_name_is_409_per_user(client):
    assert _create(client, name="same", public_key=PUB_KEY).status_code == 200
    dup = _create(client, "2.2", name="same")
    assert dup.status_code == 409
    assert dup.json["conflictingRequest"]["message"] == "Key pair 'same' already exists."
    # Another user may use the name.
    assert _create(client, headers=BOB, name="same", public_key=PUB_KEY).status_code == 200


def test_another_users_key_pair_is_invisible(client):
    _create(client, name="alices", public_key=PUB_KEY)
    assert _get(client, "/alices", headers=BOB).status_code == 404
    assert _delete(client, "alices", headers=BOB).status_code == 404
    assert _get(client, "", headers=BOB).json == {"keypairs": []}
    # From 2.10 asking for another user's is a policy question: 403 for non-admins.
    for resp in (_get(client, "", "2.10", BOB, user_id="alice"),
                 _get(client, "/alices", "2.10", BOB, user_id="alice"),
                 _delete(client, "alices", "2.10", BOB, user_id="alice"),
                 _create(client, "2.10", BOB, name="x", user_id="alice")):
        assert resp.status_code == 403, resp.text
    # Below 2.10 user_id is no parameter at all: the caller's own key pairs.
    assert _get(client, "", "2.9", BOB, user_id="alice").json == {"keypairs": []}
    assert _get(client, "/alices", "2.1", ALICE).status_code == 200


def test_admin_manages_another_users_key_pairs_from_2_10(client):
    """tempest's test_admin_manage_keypairs_for_other_users."""
    created = _create(client, "2.10", ADMIN, name="for-alice", type="ssh",
                      user_id="alice")
    _judge("create_keypair", "2.10", created)
    assert created.json["keypair"]["user_id"] == "alice"
    _create(client, "2.10", ADMIN, name="admins-own", public_key=PUB_KEY)
    listed = _get(client, "", "2.10", ADMIN, user_id="alice").json["keypairs"]
    assert [kp["keypair"]["name"] for kp in listed] == ["for-alice"]
    shown = _get(client, "/for-alice", "2.10", ADMIN, user_id="alice")
    assert shown.json["keypair"]["user_id"] == "alice"
    assert _get(client, "/for-alice", "2.10", ALICE).status_code == 200
    assert _delete(client, "for-alice", "2.10", ADMIN, user_id="alice").status_code == 204
    assert _get(client, "", "2.10", ALICE).json == {"keypairs": []}


def test_paging_from_2_35(client):
    for name in ("c", "a", "b"):
        _create(client, name=name, public_key=PUB_KEY)
    page = _get(client, "", "2.35", limit="2")
    assert [kp["keypair"]["name"] for kp in page.json["keypairs"]] == ["a", "b"]
    (link,) = page.json["keypairs_links"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["href"]).query)
    assert (link["rel"], query) == ("next", {"limit": ["2"], "marker": ["b"]})
    rest = _get(client, "", "2.35", limit="2", marker="b").json
    assert ([kp["keypair"]["name"] for kp in rest["keypairs"]], "keypairs_links" in rest) == (
        ["c"], False)
    assert _get(client, "", "2.35", limit="0").json == {"keypairs": []}
    assert _get(client, "", "2.35", marker="nope").status_code == 400
    assert _get(client, "", "2.35", limit="-1").status_code == 400
    assert _get(client, "", "2.35", limit="x").status_code == 400
    assert _get(client, "", "2.35", limit="\u00b2").status_code == 400
    # Below 2.35 there is no paging: everything, whatever the query says.
    assert len(_get(client, "", "2.34", limit="1").json["keypairs"]) == 3


def test_unknown_query_parameters_are_400_from_2_75(client):
    _create(client, name="k", public_key=PUB_KEY)
    assert _get(client, "", "2.74", foo="1").status_code == 200
    assert _get(client, "", "2.75", foo="1").status_code == 400
    assert _get(client, "/k", "2.75", limit="1").status_code == 400
    assert _delete(client, "k", "2.75", foo="1").status_code == 400
    assert _get(client, "", "2.75", limit="1", marker="k", user_id="alice").status_code == 200


def test_key_pairs_quota_is_per_user(client, flags):
    flags(key_pairs=1, group="quota")
    assert _create(client, name="one", public_key=PUB_KEY).status_code == 200
    over = _create(client, "2.2", name="two")
    assert over.status_code == 403
    assert over.json["forbidden"]["message"] == "Quota exceeded, too many key pairs."
    assert _create(client, headers=BOB, name="one", public_key=PUB_KEY).status_code == 200
    # The project's own limit (os-quota-sets) counts, and -1 is no limit.
    client.simulate_put("/v2.1/os-quota-sets/p1", headers=ADMIN,
                        json={"quota_set": {"key_pairs": -1}})
    assert _create(client, name="two", public_key=PUB_KEY).status_code == 200


def _boot(client, headers=ALICE, version="2.1", **server):
    return client.simulate_post("/v2.1/servers", headers={**headers, **_v(version)}, json={
        "server": {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "1", **server}})


def test_server_create_with_key_name_stores_and_shows_it(client, ctxt):
    _create(client, name="mykey", public_key=PUB_KEY)
    booted = _boot(client, key_name="mykey")
    assert booted.status_code == 202, booted.text
    server_id = booted.json["server"]["id"]
    shown = client.simulate_get(f"/v2.1/servers/{server_id}", headers=ALICE).json
    assert shown["server"]["key_name"] == "mykey"
    assert objects.Instance.get_by_uuid(ctxt, server_id).key_data == PUB_KEY
    # Deleting the key pair later leaves the server's copy alone.
    _delete(client, "mykey")
    shown = client.simulate_get(f"/v2.1/servers/{server_id}", headers=ALICE).json
    assert shown["server"]["key_name"] == "mykey"
    plain = _boot(client).json["server"]["id"]
    detail = client.simulate_get("/v2.1/servers/detail", headers=ALICE).json["servers"]
    assert {s["id"]: s["key_name"] for s in detail} == {server_id: "mykey", plain: None}
    only = client.simulate_get("/v2.1/servers", params={"key_name": "mykey"},
                               headers={**ALICE, **_v("2.83")}).json["servers"]
    assert [s["id"] for s in only] == [server_id]


def test_server_create_with_a_key_name_not_the_callers_is_400(client):
    _create(client, headers=BOB, name="bobs", public_key=PUB_KEY)
    for key_name in ("missing", "bobs", "", None):
        resp = _boot(client, key_name=key_name)
        assert resp.status_code == 400, resp.text
        if key_name:
            assert resp.json["badRequest"]["message"] == "Invalid key_name provided."
    assert client.simulate_get("/v2.1/servers", headers=ALICE).json["servers"] == []
