"""Fixtures of the real-guest suite: mininova on libvirtd (qemu:///system) and real QEMU.

``qemu_mininova`` (session scope) makes sure libvirtd (and virtlogd) run, builds the tiny
guest with ``tools/build-guest-image.sh`` (cached under ``~/.cache/mininova`` by kernel
version), picks ``virt_type`` with ``tools/detect-virt-type.sh``, registers the guest's
kernel, ramdisk, four boot images (normal, ignoring ACPI, powering itself off, counting
on its console every second) and the whole-disk image ``tiny-disk`` (qcow2), and starts
the real console scripts: conductor, scheduler, one compute (``qemu1``) and the API.

The suite skips, naming what is missing, only where libvirtd or QEMU cannot run at all
(not root, binaries absent, libvirtd not starting, no Debian kernel); without the tools
that build the whole disk (syslinux, mtools, dosfstools, sfdisk) only its test skips.
Timings it measures are printed in the terminal summary (``Measure``), as are the service
logs on failure.
"""
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mininova.network import linux_net
from tests.functional.conftest import ApiClient
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _find_script
from tests.functional.conftest import _free_port
from tests.functional.conftest import _wait_for_api
from tests.functional.conftest import database_url  # noqa: F401 - a fixture
from tests.functional.conftest import rabbit_vhost  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parents[2]
URI = "qemu:///system"
VIRTLOGD_SOCK = "/run/libvirt/virtlogd-sock"
COMPUTE_HOST = "qemu1"
FLAVOR = ("m1.tiny", "1", 256, 1, 1)  # name, flavorid, ram MB, vcpus, disk GB
MARKER = "MININOVA-GUEST-BOOTED"
SHUTDOWN_TIMEOUT = 5  # [DEFAULT] shutdown_timeout: the destroy fallback after this
POWEROFF_AFTER = 6  # the self-powering-off guest's mininova.poweroff_after
BASE_CMDLINE = "console=ttyS0 quiet"
STARTUP_DEADLINE = 60.0
# The guests' flat network on this host: its own bridge and range, so the suite touches
# nothing else the host has (linux_net puts the gateway and 169.254.169.254 on it).
BRIDGE = "mnbrq0"
CIDR = "10.99.7.0/24"
# Command -> Debian package of what tools/build-guest-image.sh needs for the whole disk.
DISK_TOOLS = {"syslinux": "syslinux", "mcopy": "mtools", "mkfs.fat": "dosfstools",
              "sfdisk": "fdisk"}
MBR_BIN = Path("/usr/lib/syslinux/mbr/mbr.bin")  # syslinux-common
DETECT_TIMEOUT = 10  # seconds for the KVM boot test

MEASURES: list[str] = []
_SERVICES_KEY = pytest.StashKey[ServiceSet]()


def record_measure(line: str) -> None:
    """Keep a measured figure for the terminal summary (and print it for ``-s`` runs)."""
    MEASURES.append(line)
    print(f"\nMEASURE {line}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if MEASURES:
        terminalreporter.section("Measure (real QEMU guests)")
        for line in MEASURES:
            terminalreporter.write_line(line)
    services = config.stash.get(_SERVICES_KEY, None)
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if services is not None and (failed or services.problems):
        terminalreporter.section("mininova service logs")
        for problem in services.problems:
            terminalreporter.write_line(f"PROBLEM: {problem}")
        terminalreporter.write_line(services.log_tails())


# --------------------------------------------------------------------------- libvirt

def virsh(*args: str, check: bool = True, timeout: float = 60) -> str:
    result = subprocess.run(["virsh", "-c", URI, *args], capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"virsh {' '.join(args)}: rc={result.returncode} {result.stderr}")
    return result.stdout


def instance_domains() -> list[str]:
    """Names of every instance-* domain libvirtd knows, running or not."""
    names = virsh("list", "--all", "--name").split()
    return [name for name in names if name.startswith("instance-")]


def _libvirtd_answers() -> bool:
    result = subprocess.run(["virsh", "-c", URI, "version"], capture_output=True, text=True,
                            timeout=30)
    return result.returncode == 0


def _virtlogd_answers() -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(VIRTLOGD_SOCK)
        except OSError:
            return False
    return True


def _pid1_is_systemd() -> bool:
    try:
        return Path("/proc/1/comm").read_text().strip() == "systemd"
    except OSError:
        return False


@pytest.fixture(scope="session")
def libvirtd():
    """A running libvirtd with the QEMU driver; started here when it is not."""
    if os.geteuid() != 0:
        pytest.skip("real guests need root (qemu:///system, libvirtd)")
    missing = [name for name in ("libvirtd", "virtlogd", "virsh", "qemu-system-x86_64",
                                 "qemu-img") if shutil.which(name) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}: apt-get install libvirt-daemon-system "
                    "qemu-system-x86 qemu-utils")
    # NOTE: libvirtd does not spawn virtlogd, which QEMU guests need for their logs, and a
    # killed virtlogd leaves its socket file behind: only a connection proves it runs.
    if not _virtlogd_answers():
        if _pid1_is_systemd():
            subprocess.run(["systemctl", "start", "virtlogd"], check=False)
        else:
            subprocess.run(["virtlogd", "-d"], check=False)
        end = time.monotonic() + 30
        while not _virtlogd_answers():
            if time.monotonic() > end:
                pytest.fail(f"virtlogd did not start: nothing answers on {VIRTLOGD_SOCK}")
            time.sleep(0.2)
    if not _libvirtd_answers():
        if _pid1_is_systemd():
            subprocess.run(["systemctl", "start", "libvirtd"], check=False)
        else:
            subprocess.run(["libvirtd", "-d"], check=False)
        end = time.monotonic() + 30
        while not _libvirtd_answers():
            if time.monotonic() > end:
                pytest.skip("libvirtd did not start (virsh -c qemu:///system version fails)")
            time.sleep(0.5)
    if "<domain type='qemu'" not in virsh("capabilities"):
        pytest.skip("libvirtd has no QEMU driver: apt-get install libvirt-daemon-driver-qemu")
    return URI


# --------------------------------------------------------------------------- guest image

def _debian_kernel_version() -> str | None:
    """The newest /boot/vmlinuz-* whose modules are installed (what the build script uses)."""
    versions = [path.name.removeprefix("vmlinuz-") for path in Path("/boot").glob("vmlinuz-*")]
    versions = [v for v in versions if Path(f"/lib/modules/{v}/kernel").is_dir()]
    if not versions:
        return None

    def key(version: str) -> list:
        return [int(p) if p.isdigit() else p for p in version.replace("-", ".").split(".")]

    return sorted(versions, key=key)[-1]


def missing_disk_packages() -> list[str]:
    """Debian packages the whole-disk image needs and this machine lacks."""
    path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"
    missing = [pkg for cmd, pkg in DISK_TOOLS.items() if shutil.which(cmd, path=path) is None]
    if not MBR_BIN.exists():
        missing.append("syslinux-common")
    return missing


def _build_args() -> list[str]:
    """``--no-disk`` where the whole disk cannot be built (its test then skips)."""
    return ["--no-disk"] if missing_disk_packages() else []


@pytest.fixture(scope="session")
def guest_image(libvirtd) -> Path:
    """Directory with the tiny guest's vmlinuz and initrd.img, cached by kernel version."""
    kver = _debian_kernel_version()
    if kver is None:
        pytest.skip("no Debian kernel with modules in /boot: apt-get install linux-image-amd64")
    if not Path("/bin/busybox").exists() or shutil.which("cpio") is None:
        pytest.skip("busybox-static and cpio are needed to build the guest initramfs")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    out = cache / "mininova" / "guest-image" / kver
    result = subprocess.run([str(REPO / "tools/build-guest-image.sh"), str(out),
                             "--kernel-version", kver, *_build_args()],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"build-guest-image.sh failed: {result.stdout}{result.stderr}")
    return out


@pytest.fixture(scope="session")
def virt_type(guest_image) -> str:
    """kvm or qemu, chosen by a real boot test (tools/detect-virt-type.sh)."""
    result = subprocess.run([str(REPO / "tools/detect-virt-type.sh"), str(guest_image),
                             str(DETECT_TIMEOUT)], capture_output=True, text=True,
                            timeout=DETECT_TIMEOUT + 30)
    chosen = result.stdout.strip()
    if result.returncode != 0 or chosen not in ("kvm", "qemu"):
        pytest.fail(f"detect-virt-type.sh: rc={result.returncode} {result.stdout!r} "
                    f"{result.stderr}")
    record_measure(f"virt_type={chosen}: {result.stderr.strip()}")
    return chosen


# --------------------------------------------------------------------------- system

@dataclasses.dataclass
class QemuMininova:
    """What tests may know about the running system."""
    api_url: str
    images: dict  # "tiny", "tiny-noacpi", "tiny-selfoff", "tiny-tick", ["tiny-disk"] -> id
    state_path: Path
    log_dir: Path
    services: ServiceSet
    compute_argv: list
    guest_image: Path
    virt_type: str

    def kill_compute(self) -> None:
        """SIGKILL mininova-compute (no clean shutdown of any kind) and reap it."""
        for proc in list(self.services.processes):
            if proc.name.startswith("mininova-compute") and proc.popen.poll() is None:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()
                self.services.processes.remove(proc)

    def start_compute(self, name: str = "mininova-compute") -> None:
        self.services.start(name, self.compute_argv)


def _write_config(path: Path, *, transport_url: str, state_path: Path, db_url: str,
                  api_port: int, virt_type: str) -> None:
    path.write_text(f"""\
[DEFAULT]
host = {COMPUTE_HOST}
transport_url = {transport_url}
state_path = {state_path}
debug = true
report_interval = 1
service_down_time = 10
rpc_response_timeout = 30
shutdown_timeout = {SHUTDOWN_TIMEOUT}
shutdown_retry_interval = 1
graceful_shutdown_timeout = 5
update_resources_interval = 60
# NOTE: so large that only a lifecycle event can notice a guest that stopped by itself.
sync_power_state_interval = 600

[database]
connection = {db_url}

[api]
bind_host = 127.0.0.1
bind_port = {api_port}
workers = 2

[libvirt]
connection_uri = {URI}
virt_type = {virt_type}

[network]
bridge = {BRIDGE}
cidr = {CIDR}

[metadata]
listen = 169.254.169.254
listen_port = 80
""")


def _register_images(services: ServiceSet, manage: list, conf: Path, guest: Path) -> dict:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    result = subprocess.run([str(REPO / "tools/build-guest-image.sh"), str(guest),
                             "--register", str(conf), *_build_args()],
                            capture_output=True, text=True, timeout=300, env=env)
    if result.returncode != 0:
        pytest.fail(f"build-guest-image.sh --register: {result.stdout}{result.stderr}")
    ids = dict(line.split("=", 1) for line in result.stdout.split() if "=" in line)
    images = {"tiny": ids["image_id"]}
    if "disk_image_id" in ids:
        images["tiny-disk"] = ids["disk_image_id"]
    variants = {"tiny-noacpi": "mininova.noacpi=1",
                "tiny-selfoff": f"mininova.poweroff_after={POWEROFF_AFTER}",
                "tiny-tick": "mininova.tick=1"}
    for name, extra in variants.items():
        out = services.run(manage + [
            "image", "create", name, "--disk-format", "raw", "--container-format", "bare",
            "--size", "0", "--property", f"kernel_id={ids['kernel_id']}",
            "--property", f"ramdisk_id={ids['ramdisk_id']}",
            "--property", f"os_command_line={BASE_CMDLINE} {extra}"]).stdout
        images[name] = out.split()[-1]
    return images


def _wait_for_compute(services: ServiceSet, api: ApiClient, end: float) -> None:
    last = None
    while time.monotonic() < end:
        services.check_alive()
        resp = api.get("/v2.1/os-services")
        last = resp.text
        if resp.status_code == 200:
            up = {(s["binary"], s["host"]) for s in resp.json()["services"]
                  if s.get("state") == "up"}
            binaries = {binary for binary, _host in up}
            if {"nova-conductor", "nova-scheduler"} <= binaries and (
                    ("nova-compute", COMPUTE_HOST) in up):
                return
        time.sleep(0.2)
    pytest.fail(f"services not up within {STARTUP_DEADLINE}s: {last}\n{services.log_tails()}")


def _remove_host_network(state_path: Path) -> None:
    """Stop the suite's dnsmasq and remove its bridge (computes leave both running)."""
    linux_net.Dnsmasq(str(state_path / "networks"), BRIDGE, CIDR, "").stop()
    subprocess.run(["ip", "link", "del", "dev", BRIDGE], capture_output=True, check=False)


def _remove_leftover_domains() -> None:
    """Destroy and undefine instance-* domains a failed test left on libvirtd."""
    for name in instance_domains():
        virsh("destroy", name, check=False)
        virsh("undefine", name, check=False)


@pytest.fixture(scope="session")
def qemu_mininova(request, libvirtd, guest_image, virt_type, rabbit_vhost,  # noqa: F811
                  database_url):  # noqa: F811
    """The whole system on qemu:///system, once per session."""
    leftovers = instance_domains()
    if leftovers:
        pytest.fail(f"instance-* domains exist before the suite: {leftovers}; this suite "
                    "would delete them: remove them by hand first")
    scripts = {name: _find_script(name) for name in (
        "mininova-manage", "mininova-api", "mininova-conductor", "mininova-scheduler",
        "mininova-compute", "mininova-metadata")}
    # NOTE: not under pytest's tmp dir (mode 0700): QEMU runs as libvirt-qemu and must reach
    # the files libvirt hands it (kernel, ramdisk, disk) through every parent directory.
    base = Path(tempfile.mkdtemp(prefix="mininova-qemu-", dir="/var/tmp"))
    base.chmod(0o755)
    state_path, log_dir = base / "state", base / "logs"
    state_path.mkdir()
    log_dir.mkdir()
    port = _free_port()
    conf = base / "mininova.conf"
    _write_config(conf, transport_url=f"rabbit://guest:guest@127.0.0.1:5672/{rabbit_vhost}",
                  state_path=state_path, db_url=database_url, api_port=port,
                  virt_type=virt_type)
    services = ServiceSet(log_dir)
    request.config.stash[_SERVICES_KEY] = services
    try:
        manage = [scripts["mininova-manage"], "--config-file", str(conf)]
        services.run(manage + ["db", "sync"])
        name, flavorid, ram, vcpus, disk = FLAVOR
        services.run(manage + ["flavor", "create", name, "--ram", str(ram), "--vcpus",
                               str(vcpus), "--disk", str(disk), "--id", flavorid])
        images = _register_images(services, manage, conf, guest_image)
        for binary in ("mininova-conductor", "mininova-scheduler"):
            services.start(binary, [scripts[binary], "--config-file", str(conf)])
        compute_argv = [scripts["mininova-compute"], "--config-file", str(conf)]
        services.start("mininova-compute", compute_argv)
        services.start("mininova-api", [scripts["mininova-api"], "--config-file", str(conf)])
        api_url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + STARTUP_DEADLINE
        _wait_for_api(services, api_url, end)
        _wait_for_compute(services, ApiClient(api_url), end)
        # NOTE: after the compute, which made the bridge the metadata address goes on.
        services.start("mininova-metadata", [scripts["mininova-metadata"],
                                             "--config-file", str(conf)])
        yield QemuMininova(api_url=api_url, images=images, state_path=state_path,
                           log_dir=log_dir, services=services, compute_argv=compute_argv,
                           guest_image=guest_image, virt_type=virt_type)
    finally:
        services.stop()
        _remove_leftover_domains()
        _remove_host_network(state_path)
        # NOTE: the logs stay for a failed run (the summary names their directory).
        if not request.session.testsfailed and not services.problems:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def api(qemu_mininova) -> ApiClient:
    return ApiClient(qemu_mininova.api_url)


# --------------------------------------------------------------------------- guests

class Guests:
    """Boots real guests through the API for one test and deletes them afterwards."""

    def __init__(self, api: ApiClient, system: QemuMininova):
        self.api = api
        self.system = system
        self.ids: list[str] = []

    def boot(self, name: str, image: str = "tiny", deadline: float = 120) -> dict:
        resp = self.api.create_server(name, FLAVOR[1], self.system.images[image])
        assert resp.status_code == 202, f"POST /servers: {resp.status_code} {resp.text}"
        server_id = resp.json()["server"]["id"]
        self.ids.append(server_id)
        return self.api.wait_for_status(server_id, "ACTIVE", deadline=deadline)

    def console(self, server_id: str, allow_conflict: bool = False) -> str:
        """os-getConsoleOutput; with ``allow_conflict`` a 409 (not ACTIVE yet) gives ''."""
        resp = self.api.action(server_id, {"os-getConsoleOutput": {"length": None}})
        if allow_conflict and resp.status_code == 409:
            return ""
        assert resp.status_code == 200, f"os-getConsoleOutput: {resp.status_code} {resp.text}"
        return resp.json()["output"]

    def wait_console(self, server_id: str, text: str, count: int = 1,
                     deadline: float = 120) -> float:
        """Poll the console through the API until ``text`` shows ``count`` times; returns
        the monotonic time it was first seen so."""
        end = time.monotonic() + deadline
        output = ""
        while time.monotonic() < end:
            output = self.console(server_id, allow_conflict=True)
            if output.count(text) >= count:
                return time.monotonic()
            time.sleep(0.1)
        pytest.fail(f"{text!r} not seen {count} time(s) on the console of {server_id} "
                    f"within {deadline}s; console:\n{output}")

    def delete(self, server_id: str, deadline: float = 60) -> None:
        resp = self.api.delete(f"/v2.1/servers/{server_id}")
        assert resp.status_code == 204, f"DELETE: {resp.status_code} {resp.text}"
        self.api.wait_for_deleted(server_id, deadline=deadline)
        self.ids.remove(server_id)

    def cleanup(self) -> None:
        for server_id in list(self.ids):
            resp = self.api.delete(f"/v2.1/servers/{server_id}")
            if resp.status_code in (204, 404):
                self.api.wait_for_deleted(server_id, deadline=60)


@pytest.fixture
def guests(api, qemu_mininova):
    tracker = Guests(api, qemu_mininova)
    yield tracker
    tracker.cleanup()


@dataclasses.dataclass
class BareBoot:
    """A bare ``virsh start``: seconds until the command returned (QEMU started) and
    until the boot marker showed on the console; then from ``virsh shutdown`` (ACPI) to
    the domain shut off, when asked for."""
    started: float
    marker: float
    shutdown: float | None = None


def bare_virsh_boot(template_domain: str, work_dir: Path, deadline: float = 120,
                    shutdown: bool = False) -> BareBoot:
    """Boot a copy of ``template_domain`` with a bare ``virsh start``: the same kernel,
    initramfs, command line, sizing and devices (a NIC on the same bridge with a MAC of
    its own, a copy of the config drive, a fresh overlay over the same image), its own
    files, nothing of mininova's on the way. With ``shutdown``, the booted copy is then
    shut down through ACPI, as a clean stop does."""
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir.chmod(0o755)
    root = ET.fromstring(virsh("dumpxml", "--inactive", template_domain))
    name = f"mininova-measure-{os.getpid()}"
    root.find("name").text = name
    root.remove(root.find("uuid"))
    for tag, file_name in (("os/kernel", "kernel"), ("os/initrd", "ramdisk")):
        elem = root.find(tag)
        if elem is not None:
            shutil.copyfile(elem.text, work_dir / file_name)
            elem.text = str(work_dir / file_name)
    for number, disk in enumerate(root.findall("devices/disk")):
        source = disk.find("source")
        path = work_dir / f"disk{number}"
        backing = disk.find("backingStore/source")
        if disk.get("device") == "cdrom":
            shutil.copyfile(source.get("file"), path)
        elif backing is not None:
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F",
                            disk.find("backingStore/format").get("type"), "-b",
                            backing.get("file"), str(path)], check=True)
        else:
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "1G"],
                           check=True)
        source.set("file", str(path))
    for iface in root.findall("devices/interface"):
        iface.find("mac").set("address", "52:54:00:" + os.urandom(3).hex(":"))
        for elem in iface.findall("target"):
            iface.remove(elem)
    console = work_dir / "console.log"
    for serial in root.findall("devices/serial"):
        serial.find("source").set("path", str(console))
    xml_path = work_dir / "domain.xml"
    xml_path.write_text(ET.tostring(root, encoding="unicode"))
    virsh("define", str(xml_path))
    try:
        start = time.monotonic()
        virsh("start", name)
        started = time.monotonic() - start
        end = start + deadline
        while not (console.exists() and MARKER in console.read_text(errors="replace")):
            if time.monotonic() > end:
                pytest.fail(f"bare virsh start of {name}: no boot marker within {deadline}s")
            time.sleep(0.05)
        boot = BareBoot(started, time.monotonic() - start)
        if shutdown:
            # NOTE: asked again every second, as the suite's clean stop does ([DEFAULT]
            # shutdown_retry_interval = 1): a guest still starting may miss a press.
            start = asked = time.monotonic()
            virsh("shutdown", name)
            while virsh("domstate", name).strip() != "shut off":
                now = time.monotonic()
                if now > start + 60:
                    pytest.fail(f"bare virsh shutdown of {name}: still running after 60s")
                if now > asked + 1:
                    virsh("shutdown", name, check=False)
                    asked = now
                time.sleep(0.05)
            boot.shutdown = time.monotonic() - start
        return boot
    finally:
        virsh("destroy", name, check=False)
        virsh("undefine", name, check=False)
        shutil.rmtree(work_dir, ignore_errors=True)
