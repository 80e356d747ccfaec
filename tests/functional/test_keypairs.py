"""Key pairs against the running system: a generated key pair, and a server booted
with its key_name that keeps the name (and its copy of the public key) once built."""
import uuid

V2_91 = {"OpenStack-API-Version": "compute 2.91"}


def test_server_built_with_a_key_pair_keeps_its_key_name(api, servers, mininova):
    name = f"func-{uuid.uuid4().hex[:8]}"
    created = api.post("/v2.1/os-keypairs", {"keypair": {"name": name}}, headers=V2_91)
    assert created.status_code == 201, created.text
    assert created.json()["keypair"]["private_key"].startswith("-----BEGIN")
    try:
        booted = api.post("/v2.1/servers", {"server": {
            "name": "with-key", "flavorRef": "1", "imageRef": mininova.image_id,
            "key_name": name}})
        assert booted.status_code == 202, booted.text
        server_id = booted.json()["server"]["id"]
        servers.track(server_id)
        assert api.wait_for_status(server_id, "ACTIVE")["key_name"] == name

        refused = api.post("/v2.1/servers", {"server": {
            "name": "no-key", "flavorRef": "1", "imageRef": mininova.image_id,
            "key_name": f"{name}-missing"}})
        assert refused.status_code == 400, refused.text
        assert refused.json()["badRequest"]["message"] == "Invalid key_name provided."
    finally:
        deleted = api.delete(f"/v2.1/os-keypairs/{name}", headers=V2_91)
        assert deleted.status_code == 204, deleted.text
    assert api.show_server(server_id)["key_name"] == name
