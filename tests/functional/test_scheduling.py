"""Scheduling across the two fake compute hosts: spreading, and no valid host."""

SPREAD_SERVERS = 6  # m1.tiny (512 MB) each; 3072 MB per host


def test_no_valid_host_puts_the_server_in_error(api, servers):
    # m1.huge (65536 MB) is above the default RAM quota too: lift it, so the scheduler
    # is what refuses it.
    resp = api.request("PUT", "/v2.1/os-quota-sets/admin", body={"quota_set": {"ram": -1}})
    assert resp.status_code == 200, resp.text
    sid = servers.boot("too-big", flavor_ref="99")  # fits no host
    server = api.wait_for_status(sid, "ERROR")
    assert server["OS-EXT-STS:vm_state"] == "error", server
    assert server["OS-EXT-SRV-ATTR:host"] is None, server
    fault = server.get("fault")
    assert fault and "No valid host" in fault["message"], server

    resp = api.get(f"/v2.1/servers/{sid}/os-instance-actions")
    assert [a["action"] for a in resp.json()["instanceActions"]] == ["create"], resp.text

    # A server that never reached a host is still deletable.
    resp = api.delete(f"/v2.1/servers/{sid}")
    assert resp.status_code == 204, f"DELETE: {resp.status_code} {resp.text}"
    api.wait_for_deleted(sid)


def test_servers_spread_over_both_hosts(api, servers, mininova):
    ids = [servers.boot(f"spread-{i}") for i in range(SPREAD_SERVERS)]
    booted = [api.wait_for_status(sid, "ACTIVE") for sid in ids]
    hosts = [s["OS-EXT-SRV-ATTR:host"] for s in booted]
    assert set(hosts) == set(mininova.compute_hosts), hosts
