"""Fixtures of the systemd suite: a machine with systemd as PID 1 running stack.sh.

The machine is a container by default (``MININOVA_SYSTEMD_MACHINE=container``: the
cached root image booted by systemd-nspawn, container.py) or, with
``MININOVA_SYSTEMD_MACHINE=qemu``, the same root as a QEMU guest (TCG here, guest.py).
``cloud`` (session scope) builds or reuses the cached root image and wheelhouse
(tools/build-systemd-guest.sh), boots the machine, runs ``devstack-lite/stack.sh`` in it
with pip offline (``PIP_NO_INDEX``/``PIP_FIND_LINKS``, honoured by pip itself) on the
libvirt test driver, SQLite and the host's RabbitMQ (a vhost of its own), and hands the
tests a ``Cloud``. The broker is ``broker`` in the machine's /etc/hosts: 127.0.0.1 in the
container, which shares the host's network; QEMU's 10.0.2.2 (the host's loopback) in
the guest. To stack.sh it is a broker on another machine, so it neither installs nor
starts a RabbitMQ of its own, and a check can take it away by that name.
The measured times (image build, boot, stack.sh) are printed in the terminal summary
(``Measure``); on failure the machine's console and mininova journal are too.

The suite skips only where the machine cannot be built or booted at all: not root
(debootstrap), or the tools it needs missing.

To work on the QEMU guest without paying the boot and stack.sh every run, set
``MININOVA_SYSTEMD_KEEP=DIR``: the first run boots the guest in DIR, runs stack.sh and
leaves QEMU (and its RabbitMQ vhost) running; later runs attach to it (``-k`` one test;
the tests change the cloud, so order still matters). Stop it with ``kill $(python3 -c
'import json; print(json.load(open("DIR/guest.json"))["pid"])')``.
"""
import calendar
import dataclasses
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from mininova.cmd import common
from tests.functional.conftest import private_rabbit_vhost
from tests.functional_systemd import container as container_mod
from tests.functional_systemd import guest as guest_mod

BOOT_TIMEOUT = 300
STACK_TIMEOUT = 2400
COMPUTE_HOSTS = ("compute1", "compute2")
UNITS = ("mininova-conductor.service", "mininova-scheduler.service",
         *(f"mininova-compute@{h}.service" for h in COMPUTE_HOSTS), "mininova-api.service")
TOKEN = "X-Auth-Token: admin:admin"
MACHINE = os.environ.get("MININOVA_SYSTEMD_MACHINE", "container")
# NOTE: oslo.messaging at DEBUG logs each RPC call a handler makes, with the request id:
# the proof that a request is in flight in the compute (the drain test).
LOG_LEVELS = ",".join("oslo_messaging=DEBUG" if lvl.startswith("oslo_messaging=") else lvl
                      for lvl in common.LOG_LEVELS)
# NOTE: the host's broker, in a vhost of this run: a RabbitMQ inside the emulated guest
# takes over 3 minutes to start on every boot.
BROKER = "broker"
LOCAL_CONF = f"""\
RABBIT_HOST={BROKER}
RABBIT_VHOST={{vhost}}
API_PORT={{api_port}}
MININOVA_COMPUTE_HOSTS="{' '.join(COMPUTE_HOSTS)}"
API_WORKERS=1
MININOVA_PIP_OPTS="--no-build-isolation"
MININOVA_SERVICE_TIMEOUT=600
MININOVA_EXTRA_CONF="
[DEFAULT]
report_interval = 5
graceful_shutdown_timeout = 30
default_log_levels = {LOG_LEVELS}
"
"""
MEASURES: list[str] = []
_DIAG_KEY = pytest.StashKey[str]()


def record_measure(line: str) -> None:
    """Keep a measured figure for the terminal summary."""
    MEASURES.append(line)


@dataclasses.dataclass
class Cloud:
    """The guest running mininova under systemd, and what stack.sh printed."""

    guest: guest_mod.Machine
    stack_output: str
    api_port: int = 8774
    servers: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> id

    @property
    def api_url(self) -> str:
        """The Compute API's URL inside the machine."""
        return f"http://127.0.0.1:{self.api_port}/v2.1"

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """One Compute API call with curl inside the guest: (HTTP status, JSON body)."""
        words = ["curl", "-s", "-m", "30", "-w", "\\n%{http_code}", "-X", method,
                 "-H", TOKEN, f"{self.api_url}{path}"]
        if body is not None:
            words += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        # NOTE: curl's own failures (a restarting API refuses connections) come back as
        # status 0, for the callers' polling to retry.
        out = self.guest.run(guest_mod.quote(*words), timeout=60, check=False).stdout
        text, _, code = out.rpartition("\n")
        if not code.strip().isdigit() or code.strip() == "000":
            return 0, {}
        return int(code), (json.loads(text) if text.strip() else {})

    def action(self, sid: str, action: dict) -> str:
        """POST a server action that must be accepted (202); its request id."""
        words = ["curl", "-s", "-m", "30", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}",
                 "-H", TOKEN, "-H", "Content-Type: application/json", "-d",
                 json.dumps(action), f"{self.api_url}/servers/{sid}/action"]
        out = self.guest.out(guest_mod.quote(*words), timeout=60)
        assert out.endswith("202"), out
        return re.search(r"(?im)^x-openstack-request-id: *(req-[0-9a-f-]+)", out).group(1)

    def server(self, sid: str) -> dict:
        code, body = self.api("GET", f"/servers/{sid}")
        if code == 0:
            raise ValueError("the API does not answer (restarting?)")  # wait_for retries
        assert code == 200, (code, body)
        return body["server"]

    def wait_for_status(self, sid: str, status: str, timeout: float = 180) -> dict:
        """The server once it has ``status`` and no task_state."""
        def settled() -> dict | None:
            server = self.server(sid)
            if server["status"] == "ERROR":
                raise AssertionError(f"server {sid} went to ERROR: {server}")
            done = server["status"] == status and server["OS-EXT-STS:task_state"] is None
            return server if done else None
        return guest_mod.wait_for(f"server {sid} to be {status}", settled, timeout)

    def main_pid(self, unit: str) -> int:
        return int(self.guest.out(f"systemctl show -p MainPID --value {unit}"))

    def services_up_since(self, since: int, timeout: float = 300) -> None:
        """Wait until every service reports up with a heartbeat at or after ``since``
        (guest epoch seconds): a restarted service's old row stays up for a while."""
        wanted = {("nova-conductor", None), ("nova-scheduler", None),
                  *(("nova-compute", h) for h in COMPUTE_HOSTS)}

        def fresh(svc: dict) -> bool:
            when = svc.get("updated_at") or "1970-01-01T00:00:00"
            stamp = calendar.timegm(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S"))
            return svc.get("state") == "up" and stamp >= since

        def all_up() -> bool:
            code, body = self.api("GET", "/os-services")
            if code != 200:
                return False
            up = {(s["binary"], s["host"]) for s in body["services"] if fresh(s)}
            return all(any(b == binary and (host is None or h == host) for b, h in up)
                       for binary, host in wanted)
        guest_mod.wait_for("every service to report up again", all_up, timeout, interval=2)

    def guest_time(self) -> int:
        return int(self.guest.out("date +%s"))

    def booted_at(self) -> int:
        """When the machine's systemd started (epoch seconds): its last boot."""
        return int(self.guest.out(
            'date -d "$(systemctl show -p UserspaceTimestamp --value)" +%s'))


def _missing_prerequisite() -> str | None:
    if os.geteuid() != 0:
        return "not root: debootstrap and the machine's image need root"
    tools = {"qemu": ("qemu-system-x86_64", "qemu-img", "ssh"),
             "container": ("systemd-nspawn", "nsenter", "mount")}[MACHINE]
    for tool in ("debootstrap", "mkfs.ext4", *tools):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            return f"{tool} is not installed (see .ci/run's package list)"
    return None


@pytest.fixture(scope="session")
def cloud(request, tmp_path_factory):
    reason = _missing_prerequisite()
    if reason:
        pytest.skip(reason)
    os.environ["PATH"] += ":/usr/sbin:/sbin"
    keep = os.environ.get("MININOVA_SYSTEMD_KEEP")
    if keep and MACHINE == "qemu":
        yield from _kept_cloud(request, Path(keep))
        return
    with private_rabbit_vhost() as vhost:
        workdir = tmp_path_factory.mktemp("systemd-guest")
        vm = _boot(workdir, detach=False)
        try:
            cloud = _stack(vm, vhost)
        except BaseException:
            _keep_diagnostics(request, vm)
            vm.stop()
            raise
        try:
            yield cloud
        finally:
            if request.session.testsfailed:
                _keep_diagnostics(request, vm)
            vm.stop()


def _kept_cloud(request, keep: Path):
    """MININOVA_SYSTEMD_KEEP: attach to the guest a previous run left in ``keep``, or
    boot and stack one there and leave it running."""
    state = keep / "guest.json"
    if state.exists() and guest_mod.Guest.attach(state).alive():
        vm = guest_mod.Guest.attach(state)
        cloud = Cloud(guest=vm, stack_output=(keep / "stack.out").read_text())
        code, body = cloud.api("GET", "/servers/detail")
        cloud.servers.update({s["name"]: s["id"] for s in body.get("servers", [])})
    else:
        keep.mkdir(parents=True, exist_ok=True)
        vhost = f"mininova-systemd-{uuid.uuid4()}"
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*",
                        ".*"], check=True, capture_output=True)
        vm = _boot(keep, detach=True)
        vm.save(state)
        try:
            cloud = _stack(vm, vhost)
        except BaseException:
            _keep_diagnostics(request, vm)
            raise
        (keep / "stack.out").write_text(cloud.stack_output)
    yield cloud
    if request.session.testsfailed:
        _keep_diagnostics(request, vm)


def _boot(workdir: Path, detach: bool) -> guest_mod.Machine:
    """The machine booted (image and wheelhouse built first when not cached)."""
    start = time.monotonic()
    image_dir = guest_mod.build("image")
    wheels = guest_mod.build("wheels")
    record_measure(f"image + wheelhouse ready (cached or built): "
                   f"{time.monotonic() - start:.0f}s ({image_dir.name}, {wheels.name})")
    if MACHINE == "qemu":
        vm = guest_mod.Guest(image_dir=image_dir, workdir=workdir,
                             data_disk=guest_mod.make_data_disk(workdir, wheels))
        what = "QEMU guest (TCG unless KVM works)"
    else:
        vm = container_mod.Container(image_dir=image_dir, workdir=workdir,
                                     data_dir=guest_mod.make_data_dir(workdir, wheels))
        what = "container (systemd-nspawn)"
    start = time.monotonic()
    vm.start(detach=detach)
    try:
        vm.wait_booted(BOOT_TIMEOUT)
    except BaseException:
        vm.stop()
        raise
    record_measure(f"{what} boot to `systemctl is-system-running`: "
                   f"{time.monotonic() - start:.0f}s")
    return vm


def _stack(vm: guest_mod.Machine, vhost: str) -> Cloud:
    """stack.sh run in the machine (pip offline, the host's broker in ``vhost``)."""
    # NOTE: the container shares the host's network: its API takes a free port.
    api_port = 8774 if MACHINE == "qemu" else guest_mod.free_port()
    local_conf = LOCAL_CONF.replace("{vhost}", vhost).replace("{api_port}", str(api_port))
    broker_ip = "10.0.2.2" if MACHINE == "qemu" else "127.0.0.1"
    vm.run(f"grep -q ' {BROKER}$' /etc/hosts || echo '{broker_ip} {BROKER}' >>/etc/hosts")
    vm.run(f"cat > /srv/mininova/devstack-lite/local.conf <<'EOF'\n{local_conf}EOF")
    start = time.monotonic()
    result = vm.run("cd /srv/mininova && PIP_NO_INDEX=1 PIP_FIND_LINKS=/srv/wheels "
                    "devstack-lite/stack.sh", timeout=STACK_TIMEOUT, check=False)
    record_measure(f"stack.sh under systemd (offline pip, test driver, 2 computes): "
                   f"{time.monotonic() - start:.0f}s")
    steps = _step_times(result.stdout)
    if steps:
        record_measure(f"  its steps: {steps}")
    assert result.returncode == 0, f"stack.sh failed:\n{result.stdout[-4000:]}"
    return Cloud(guest=vm, stack_output=result.stdout, api_port=api_port)


def _step_times(output: str) -> str:
    """stack.sh's steps and their seconds ("[  3s] 4/10 Title" then "ok (12s)")."""
    titles = re.findall(r"^\[ *\d+s\] \d+/\d+ (.+)$", output, re.M)
    times = re.findall(r"^ +ok \((\d+)s\)$", output, re.M)
    return ", ".join(f"{t.split(' into ')[0].split(' on ')[0]} {s}s"
                     for t, s in zip(titles, times, strict=False))


def _keep_diagnostics(request, vm: guest_mod.Guest) -> None:
    """The guest's console and journal, for the terminal summary of a failed run."""
    request.config.stash[_DIAG_KEY] = _diagnostics(vm)


def _diagnostics(vm: guest_mod.Guest) -> str:
    """The guest's console tail, its mininova units and their journal."""
    text = f"console:\n{vm.console_tail()}\n"
    if vm.alive():
        out = vm.run("systemctl --no-pager list-units 'mininova*' 'rabbit*'; "
                     "journalctl --no-pager -n 200 -u 'mininova*'; "
                     "tail -n 40 /var/log/mininova/stack.log", check=False, timeout=60)
        text += out.stdout
    return text


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if MEASURES:
        terminalreporter.section("Measure (systemd guest)")
        for line in MEASURES:
            terminalreporter.write_line(line)
    diag = config.stash.get(_DIAG_KEY, None)
    if diag:
        terminalreporter.section("systemd guest: console and mininova journal")
        terminalreporter.write_line(diag)
