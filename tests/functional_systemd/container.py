"""The same Debian 12 root with systemd as PID 1 in a container (systemd-nspawn), driven
from the host with nsenter: the suite's default machine, at native speed.

nspawn boots here once it neither registers with machined nor asks the host's systemd
for a scope (``--register=no --keep-unit``): this host's PID 1 is not systemd and has no
system bus. The root image of tools/build-systemd-guest.sh is mounted read-only from a
loop device under an overlay whose upper layer belongs to the run, so a reboot keeps what
the cloud wrote and the cached image is never written. The checkout and the wheelhouse
are bound on /srv. The container shares the host's network (the API on a port of its
own) and has its own PID, mount, UTS and IPC namespaces.
"""
import dataclasses
import os
import subprocess
import time
from pathlib import Path

from tests.functional_systemd import guest as guest_mod

# NOTE: what only belongs to the QEMU guest (sshd, its static address on QEMU's
# user-mode network) is masked in the overlay, and so is the fstab that mounts /dev/vd*.
MASKED = ("ssh.service", "qemu-user-net.service")
ENV = ["env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "HOME=/root", "LANG=C.UTF-8", "TERM=dumb"]
REBOOT_STATUS = 133  # nspawn's exit status when the container asked for a reboot


@dataclasses.dataclass
class Container(guest_mod.Machine):
    """One container booted from the guest's root image: its nspawn process and console."""

    kind = "container"
    boot_poll = 0.5

    image_dir: Path
    workdir: Path
    data_dir: Path
    name: str = "mininova-systemd"
    process: subprocess.Popen | None = None
    leader: int = 0

    @property
    def console_log(self) -> Path:
        return self.workdir / "console.log"

    @property
    def root(self) -> Path:
        return self.workdir / "root"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _mount(self) -> None:
        lower, upper, work = (self.workdir / d for d in ("lower", "upper", "work"))
        for path in (lower, upper, work, self.root):
            path.mkdir(exist_ok=True)
        if not os.path.ismount(lower):
            subprocess.run(["mount", "-o", "loop,ro", str(self.image_dir / "root.img"),
                            str(lower)], check=True, capture_output=True, text=True)
        if not os.path.ismount(self.root):
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={lower},upperdir={upper},workdir={work}",
                            str(self.root)], check=True, capture_output=True, text=True)
        (self.root / "etc" / "fstab").write_text("")
        for unit in MASKED:
            link = self.root / "etc" / "systemd" / "system" / unit
            link.unlink(missing_ok=True)
            link.symlink_to("/dev/null")

    def _unmount(self) -> None:
        for path in (self.root, self.workdir / "lower"):
            if os.path.ismount(path):
                subprocess.run(["umount", str(path)], capture_output=True, check=False)

    def start(self, detach: bool = False) -> None:
        """Boot the container (a new boot of the same overlay when it ran before)."""
        self._mount()
        cmd = ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
               "--machine", self.name, "--directory", str(self.root),
               f"--bind={self.data_dir}:/srv", "--console=pipe", "--boot"]
        log = open(self.console_log, "ab")  # noqa: SIM115 - the child keeps it
        with log:
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            start_new_session=detach)
        self.leader = guest_mod.wait_for("the container's PID 1", self._find_leader, 30,
                                         interval=0.1)

    def _find_leader(self) -> int:
        """The host PID of the container's systemd: nspawn's descendant named systemd."""
        if not self.alive():
            raise AssertionError(f"nspawn exited: {self.console_tail()}")
        parents: dict[int, int] = {}
        names: dict[int, str] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
            names[int(entry)] = name
        for pid in sorted(names):
            if names[pid] != "systemd":
                continue
            ancestor = parents.get(pid, 0)
            while ancestor > 1:
                if ancestor == self.process.pid:
                    return pid
                ancestor = parents.get(ancestor, 0)
        return 0

    def _exec(self, command: str, timeout: float, mux: bool) -> subprocess.CompletedProcess:
        # NOTE: mux (the QEMU guest's SSH multiplexing) means nothing here.
        return subprocess.run(
            ["nsenter", "--target", str(self.leader), "--all", "--root", "--wd",
             *ENV, "/bin/bash", "-c", command],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def reboot(self, timeout: float) -> None:
        """``systemctl reboot``: its systemd ends, nspawn exits asking for a reboot, and
        the container boots again on the same root (as systemd-nspawn@.service does)."""
        self.run("systemctl reboot", check=False, timeout=30)
        status = self.process.wait(timeout=timeout)
        assert status == REBOOT_STATUS, (status, self.console_tail())
        started = time.monotonic()
        self.start()
        self.wait_booted(max(1.0, timeout - (time.monotonic() - started)))

    def stop(self) -> None:
        """Power the container off (then SIGTERM, SIGKILL), and unmount its root."""
        if self.alive():
            self.run("systemctl poweroff", check=False, timeout=15)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._unmount()
