"""openstacksdk scenarios shared by the noauth2 suite (tests/functional/
test_openstacksdk.py) and the Keystone suite: each takes a ``Connection`` made the way
that mode's users make one, and the running ``Mininova``.
"""
import hashlib
import os

from tests.functional import stock_cli

WAIT = {"interval": 0.2, "wait": 60}


def image_upload_and_server_lifecycle(conn, servers, mininova) -> None:
    """Upload an image, boot it, stop, start, reboot both ways, read the console, list
    the actions, delete the server and the image."""
    data = os.urandom(4096)
    image = conn.image.create_image("sdk-image", data=data, disk_format="raw",
                                    container_format="bare")
    uploaded = conn.image.get_image(image.id)  # create_image returns the queued record
    assert (uploaded.status, uploaded.size) == ("active", len(data))
    assert uploaded.checksum == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert image.id in {img.id for img in conn.image.images()}
    assert [img.id for img in conn.image.images(name="sdk-image")] == [image.id]
    stored = mininova.base_dir / "state" / "images" / image.id
    assert stored.read_bytes() == data

    flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
    # NOTE: the SDK speaks 2.100, where (as in Nova, from 2.37) networks is required.
    server = conn.compute.create_server(name="sdk-vm", flavor_id=flavor.id,
                                        image_id=image.id, networks="none")
    servers.track(server.id)
    server = conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    assert server.compute_host in mininova.compute_hosts
    assert server.image.id == image.id

    conn.compute.stop_server(server)
    server = conn.compute.wait_for_server(server, status="SHUTOFF", **WAIT)
    assert server.power_state == 4  # shutdown
    conn.compute.start_server(server)
    server = conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    for reboot_type in ("SOFT", "HARD"):
        conn.compute.reboot_server(server, reboot_type)
        # NOTE: the API moved the task state before it answered: REBOOT, then ACTIVE.
        assert conn.compute.get_server(server).status in ("REBOOT", "HARD_REBOOT", "ACTIVE")
        server = conn.compute.wait_for_server(server, status="ACTIVE", **WAIT)
    assert server.power_state == 1  # running

    stock_cli.write_console_log(mininova, server.id, "sdk line 1\nsdk line 2\n")
    assert conn.compute.get_server_console_output(server)["output"] == (
        "sdk line 1\nsdk line 2\n")
    tail = conn.compute.get_server_console_output(server, length=1)["output"]
    assert "sdk line 2" in tail and "sdk line 1" not in tail
    actions = [a.action for a in conn.compute.server_actions(server)]
    assert actions == ["reboot", "reboot", "start", "stop", "create"]

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, **WAIT)
    assert conn.compute.find_server(server.id) is None
    conn.image.delete_image(image)
    assert image.id not in {img.id for img in conn.image.images()}
    assert not stored.exists()


def flavors_services_hypervisors_and_limits(conn, mininova) -> None:
    """The admin views through the compute proxy, and limits as the API states them."""
    flavors = {f.name: f for f in conn.compute.flavors()}
    assert {name for name, *_ in mininova.flavors} <= set(flavors)
    tiny = flavors["m1.tiny"]
    assert (tiny.id, tiny.ram, tiny.vcpus, tiny.disk) == ("1", 512, 1, 1)

    services = list(conn.compute.services())
    assert {(s.binary, s.host) for s in services} >= {
        ("nova-compute", host) for host in mininova.compute_hosts}
    assert {s.state for s in services} == {"up"}
    assert {s.status for s in services} == {"enabled"}

    hypervisors = {h.name: h for h in conn.compute.hypervisors(details=True)}
    assert set(mininova.compute_hosts) <= set(hypervisors)
    assert {hypervisors[h].state for h in mininova.compute_hosts} == {"up"}

    absolute = conn.compute.get_limits().absolute
    expected = conn.compute.get("/limits").json()["limits"]["absolute"]
    assert (absolute.instances, absolute.total_cores, absolute.total_ram) == (
        expected["maxTotalInstances"], expected["maxTotalCores"],
        expected["maxTotalRAMSize"])
    assert absolute.instances > 0


def create_server_with_an_address(conn, servers, mininova) -> None:
    """The cloud layer's create_server(..., wait=True), which refuses a server that turns
    ACTIVE without an address, returns it with its address on the named network."""
    server = conn.create_server("sdk-net", image=mininova.image_id, flavor="m1.tiny",
                                network="private", wait=True, timeout=60)
    servers.track(server.id)
    (address,) = server.addresses["private"]
    assert server.private_v4 == address["addr"], server.addresses
    assert server.status == "ACTIVE"
    ports = list(conn.network.ports(device_id=server.id))
    assert [p.fixed_ips[0]["ip_address"] for p in ports] == [address["addr"]]
    assert conn.network.find_network("private").id == ports[0].network_id
    conn.delete_server(server.id, wait=True, timeout=60)
    assert list(conn.network.ports(device_id=server.id)) == []
