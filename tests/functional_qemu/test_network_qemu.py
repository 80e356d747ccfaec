"""Real guests on the flat network: two guests booted with a key pair and user_data,
one reading the config drive and one the metadata service; from the host, SSH into the
first (its hostname is the server's name) and ping the second from inside it; delete
frees both addresses."""
import base64
import subprocess
import time
import xml.etree.ElementTree as ET

import requests
import sqlalchemy

from tests.functional_qemu.conftest import FLAVOR
from tests.functional_qemu.conftest import MARKER
from tests.functional_qemu.conftest import bare_virsh_boot
from tests.functional_qemu.conftest import record_measure
from tests.functional_qemu.conftest import virsh

SSH_READY = "MININOVA-GUEST-SSH-READY"
USER_DATA = "#!/bin/sh\necho MININOVA-USER-DATA-RAN-$(hostname)\n"
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=5", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]


def _boot(api, guests, name: str, key_name: str, **extra) -> str:
    body = {"name": name, "flavorRef": FLAVOR[1], "imageRef": guests.system.images["tiny"],
            "key_name": key_name,
            "user_data": base64.b64encode(USER_DATA.encode()).decode(), **extra}
    resp = api.post("/v2.1/servers", {"server": body})
    assert resp.status_code == 202, f"POST /servers: {resp.status_code} {resp.text}"
    server_id = resp.json()["server"]["id"]
    guests.ids.append(server_id)
    return server_id


def _address(server: dict) -> str:
    (vifs,) = server["addresses"].values()
    return vifs[0]["addr"]


def _ssh(key, address: str, command: str, deadline: float = 60) -> subprocess.CompletedProcess:
    """Run ``command`` on the guest as root with ``key``, retrying while sshd starts."""
    end = time.monotonic() + deadline
    while True:
        result = subprocess.run(["ssh", "-i", str(key), *SSH_OPTS, f"root@{address}",
                                 command], capture_output=True, text=True, timeout=60)
        if result.returncode != 255 or time.monotonic() > end:
            return result
        time.sleep(0.5)


def test_guests_get_addresses_metadata_and_ssh(api, guests, qemu_mininova, tmp_path,
                                               database_url):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                   check=True)
    resp = api.post("/v2.1/os-keypairs", {"keypair": {
        "name": "qemu-key", "public_key": key.with_suffix(".pub").read_text()}})
    assert resp.status_code in (200, 201), resp.text

    t0 = time.monotonic()
    first = _boot(api, guests, "netguest1", "qemu-key", config_drive=True)
    second = _boot(api, guests, "netguest2", "qemu-key")
    servers = {sid: api.wait_for_status(sid, "ACTIVE", deadline=180)
               for sid in (first, second)}
    marker_at = guests.wait_console(first, MARKER, deadline=180)
    ready_at = guests.wait_console(first, SSH_READY, deadline=240)
    guests.wait_console(second, SSH_READY, deadline=240)
    addr1, addr2 = _address(servers[first]), _address(servers[second])
    assert addr1 != addr2

    # The first guest read its config drive, the second the metadata service.
    assert servers[first]["config_drive"] == "True"
    assert servers[second]["config_drive"] == ""
    console1, console2 = guests.console(first), guests.console(second)
    assert f"MININOVA-GUEST-NETWORK eth0 {addr1}" in console1
    assert "MININOVA-GUEST-METADATA source=config-drive hostname=netguest1 keys=1" in console1
    assert f"MININOVA-GUEST-NETWORK eth0 {addr2}" in console2
    assert ("MININOVA-GUEST-METADATA source=metadata-service hostname=netguest2 keys=1"
            in console2)
    assert "MININOVA-USER-DATA-RAN-netguest1" in console1
    assert "MININOVA-USER-DATA-RAN-netguest2" in console2
    root = ET.fromstring(virsh("dumpxml", servers[first]["OS-EXT-SRV-ATTR:instance_name"]))
    cdroms = [d for d in root.findall("devices/disk") if d.get("device") == "cdrom"]
    assert [d.find("source").get("file") for d in cdroms] == [
        str(qemu_mininova.state_path / "instances" / first / "disk.config")]

    result = _ssh(key, addr1, "hostname")
    ssh_at = time.monotonic()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "netguest1"
    result = _ssh(key, addr1, f"ping -c 1 -W 5 {addr2}")
    assert result.returncode == 0, f"ping {addr2} from {addr1}: {result.stdout}{result.stderr}"
    # The same kind of guest copied and started bare with virsh.
    bare = bare_virsh_boot(servers[second]["OS-EXT-SRV-ATTR:instance_name"],
                                   qemu_mininova.state_path.parent / "bare-net")
    record_measure(f"networked guest: POST /servers -> boot marker: {marker_at - t0:.2f}s, "
                   f"-> first-boot done (SSH ready): {ready_at - t0:.2f}s, -> SSH login "
                   f"answered: {ssh_at - t0:.2f}s (two guests booting at once); bare "
                   f"`virsh start` -> boot marker: {bare.marker:.2f}s")

    # The metadata service answers nobody it does not know (the host itself here).
    resp = requests.get("http://169.254.169.254/openstack/latest/meta_data.json", timeout=10)
    assert resp.status_code == 404

    hosts_file = qemu_mininova.state_path / "networks" / "dnsmasq.hosts"
    assert {addr1, addr2} <= set(hosts_file.read_text().replace("\n", ",").split(","))
    for sid in (first, second):
        guests.delete(sid)
    # NOTE: read from the database: the allocation table itself must have let go.
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        held = conn.execute(sqlalchemy.text(
            "SELECT address FROM fixed_ips WHERE address IN (:a1, :a2)"),
            {"a1": addr1, "a2": addr2}).all()
    engine.dispose()
    assert held == []
    assert addr1 not in hosts_file.read_text() and addr2 not in hosts_file.read_text()
