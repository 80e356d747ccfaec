"""A Debian 12 QEMU guest with systemd as PID 1, driven from the host over SSH.

The root image (tools/build-systemd-guest.sh, cached) is never written: each guest boots a
qcow2 overlay of it. The repository (``git ls-files``) and the wheelhouse go in on a
second ext4 disk (label MININOVA, mounted on /srv by the image's fstab). SSH reaches the
guest through QEMU's user-mode networking, forwarded to a loopback port only.
"""
import dataclasses
import json
import os
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]
BUILDER = REPO / "tools" / "build-systemd-guest.sh"
T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T], timeout: float, interval: float = 1.0) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = check()
        except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {last!r}")
        time.sleep(interval)


def build(kind: str) -> Path:
    """The cached image or wheelhouse directory (built first if missing)."""
    out = subprocess.run([str(BUILDER), kind], check=True, capture_output=True, text=True,
                         timeout=3600)
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def repo_files() -> list[str]:
    """The repository's files as git knows them (tracked and new, not ignored)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO, check=True, capture_output=True)
    return [name for name in out.stdout.decode().split("\0")
            if name and (REPO / name).is_file()]


def make_data_dir(workdir: Path, wheels: Path) -> Path:
    """``mininova/`` (this checkout) and ``wheels/`` in a directory, for /srv."""
    tree = workdir / "data"
    for name in repo_files():
        target = tree / "mininova" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    shutil.copytree(wheels, tree / "wheels")
    return tree


def make_data_disk(workdir: Path, wheels: Path) -> Path:
    """An ext4 image holding what make_data_dir gathers."""
    tree = make_data_dir(workdir, wheels)
    # NOTE: byte-compiled here by Debian's python3, the guest's own (3.11): an emulated
    # Python compiling mininova on every service's first start costs minutes. The .pyc
    # files stay valid there (mkfs.ext4 -d keeps the sources' mtimes).
    subprocess.run(["/usr/bin/python3", "-m", "compileall", "-q", "-j", "0",
                    str(tree / "mininova" / "mininova")], check=True)
    image = workdir / "data.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "MININOVA", "-d", str(tree), str(image),
                    "1G"], check=True)
    shutil.rmtree(tree)
    return image


class Machine:
    """What the checks drive: a shell in a machine whose PID 1 is systemd (this QEMU
    guest, or container.Container). Subclasses run the commands (``_exec``)."""

    kind = "machine"
    boot_poll = 2.0
    console_log: Path

    def alive(self) -> bool:
        raise NotImplementedError

    def _exec(self, command: str, timeout: float, mux: bool) -> subprocess.CompletedProcess:
        raise NotImplementedError

    def run(self, command: str, timeout: float = 120, check: bool = True, mux: bool = True
            ) -> subprocess.CompletedProcess:
        """Run a shell command in the machine; stdout and stderr come back as text."""
        if not self.alive():
            raise AssertionError(f"the {self.kind} is not running; console: "
                                 f"{self.console_tail()}")
        result = self._exec(command, timeout, mux)
        if check and result.returncode != 0:
            raise AssertionError(f"{self.kind} command failed ({result.returncode}): "
                                 f"{command}\nstdout: {result.stdout[-3000:]}\nstderr: "
                                 f"{result.stderr[-3000:]}")
        return result

    def out(self, command: str, timeout: float = 120) -> str:
        """Stdout of a command that must succeed, stripped."""
        return self.run(command, timeout=timeout).stdout.strip()

    def ok(self, command: str, timeout: float = 60) -> bool:
        """True when a command exits 0."""
        return self.run(command, timeout=timeout, check=False).returncode == 0

    def wait_booted(self, timeout: float) -> None:
        """Wait until the machine answers and systemd finished booting (running or
        degraded)."""
        def booted() -> bool:
            state = self.run("systemctl is-system-running", timeout=30, check=False)
            return state.stdout.strip() in ("running", "degraded")
        wait_for(f"the {self.kind} to boot (systemctl is-system-running)", booted, timeout,
                 interval=self.boot_poll)


@dataclasses.dataclass
class Guest(Machine):
    """One running guest: its QEMU process, SSH port and serial console log."""

    kind = "guest"

    image_dir: Path
    workdir: Path
    data_disk: Path
    memory_mb: int = 2048
    cpus: int = 2
    ssh_port: int = 0
    process: subprocess.Popen | None = None
    pid: int = 0  # QEMU's, for a guest attached to (``attach``) rather than started here

    @property
    def console_log(self) -> Path:
        return self.workdir / "console.log"

    def alive(self) -> bool:
        """Whether QEMU still runs."""
        if self.process is not None:
            return self.process.poll() is None
        return self.pid > 0 and Path(f"/proc/{self.pid}").exists()

    def save(self, path: Path) -> None:
        """Write what ``attach`` needs to drive this guest from another process."""
        path.write_text(json.dumps({
            "image_dir": str(self.image_dir), "workdir": str(self.workdir),
            "data_disk": str(self.data_disk), "ssh_port": self.ssh_port,
            "pid": self.process.pid if self.process is not None else self.pid}))

    @classmethod
    def attach(cls, path: Path) -> "Guest":
        """The guest ``save`` described (it may have stopped since: see ``alive``)."""
        state = json.loads(path.read_text())
        return cls(image_dir=Path(state["image_dir"]), workdir=Path(state["workdir"]),
                   data_disk=Path(state["data_disk"]), ssh_port=state["ssh_port"],
                   pid=state["pid"])

    def start(self, detach: bool = False) -> None:
        """Boot QEMU on a fresh overlay of the root image: TCG unless
        MININOVA_SYSTEMD_GUEST_ACCEL says otherwise (a writable /dev/kvm proves nothing on
        nested hosts: here KVM aborts on an MSR). ``detach``: QEMU outlives this process
        (its own session), for ``attach`` to use later."""
        overlay = self.workdir / "root.qcow2"
        if not overlay.exists():
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                            str(self.image_dir / "root.img"), str(overlay)], check=True)
        self.ssh_port = free_port()
        accel = os.environ.get("MININOVA_SYSTEMD_GUEST_ACCEL", "tcg")
        cmd = [
            "qemu-system-x86_64", "-machine", f"q35,accel={accel}", "-cpu", "max",
            "-smp", str(self.cpus), "-m", str(self.memory_mb), "-display", "none",
            "-kernel", str(self.image_dir / "vmlinuz"),
            "-initrd", str(self.image_dir / "initrd.img"),
            "-append", "root=/dev/vda rw console=ttyS0 quiet mitigations=off",
            "-drive", f"file={overlay},if=virtio,format=qcow2",
            "-drive", f"file={self.data_disk},if=virtio,format=raw",
            "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
            "-device", "virtio-net-pci,netdev=n0",
            "-serial", f"file:{self.console_log}", "-monitor", "none",
        ]
        with open(self.workdir / "qemu.log", "ab") as log:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=detach)

    def _ssh_cmd(self, command: str, mux: bool = True) -> list[str]:
        # NOTE: one multiplexed connection (ControlMaster) for the many short commands of
        # the checks: a new SSH handshake costs the emulated guest 1-2 s each. The master
        # exits once idle or once the guest is gone; a reboot or poweroff ends it first.
        opts = ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.workdir}/ssh-%C",
                "-o", "ControlPersist=30"] if mux else ["-o", "ControlPath=none"]
        return ["ssh", "-i", str(self.image_dir / "id_ed25519"), "-p", str(self.ssh_port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
                "-o", "ServerAliveInterval=10", *opts, "root@127.0.0.1", command]

    def _end_master(self) -> None:
        """End the multiplexed connection (one to a guest going down would hang)."""
        cmd = self._ssh_cmd("")
        subprocess.run([*cmd[:-2], "-O", "exit", cmd[-2]], capture_output=True, timeout=15,
                       check=False)

    def _exec(self, command: str, timeout: float, mux: bool) -> subprocess.CompletedProcess:
        return subprocess.run(self._ssh_cmd(command, mux), capture_output=True, text=True,
                              timeout=timeout)

    def reboot(self, timeout: float) -> None:
        """``systemctl reboot`` and wait for the new boot (another boot id)."""
        old = self.out("cat /proc/sys/kernel/random/boot_id")
        self.run("systemctl reboot", check=False, timeout=30)
        self._end_master()

        def new_boot() -> bool:
            r = self.run("cat /proc/sys/kernel/random/boot_id; systemctl is-system-running",
                         timeout=30, check=False, mux=False)
            lines = r.stdout.split()
            return len(lines) == 2 and lines[0] != old and lines[1] in ("running", "degraded")
        wait_for("the guest to come back from its reboot", new_boot, timeout, interval=2)

    def stop(self) -> None:
        """Power the guest off (SIGTERM to QEMU after a short grace, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.run("systemctl poweroff", check=False, timeout=15)
            self._end_master()
        except subprocess.TimeoutExpired:
            pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def quote(*args: str) -> str:
    """A shell command line from words."""
    return " ".join(shlex.quote(a) for a in args)
