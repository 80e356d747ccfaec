"""Two libvirt "hosts" on one machine, for moves of real guests between them.

Each host is a libvirtd in its own network namespace (a veth to a bridge in the root
namespace, its own address) and its own mount namespace, where tmpfs mounts over
/run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt and a private
/etc/libvirt (libvirtd.conf with its own ``host_uuid``, as libvirt refuses to migrate to
a host with the source's UUID; TCP without auth) keep it apart from the machine's
libvirtd and from the other host; a private /etc/hosts names both hosts. Both see the
same mininova ``state_path`` (its ``instances`` directory is the shared storage of a
shared-storage live migration), each with its own ``networks`` directory (its dnsmasq)
bound over it. A host's
mininova-compute runs inside both namespaces (``nsenter``) and drives its libvirtd at
qemu:///system; the libvirtds reach each other at ``qemu+tcp://ADDR/system``.

The guests' QEMU runs as root, with no cgroups, security driver, virtlogd or private
/dev: the parts of a libvirtd that would reach outside its namespaces.
"""
import dataclasses
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

LIBVIRTD_DEADLINE = 60.0

_PRIVATE_DIRS = ("/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt",
                 "/var/log/libvirt")

_QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
"""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


@dataclasses.dataclass
class LibvirtHost:
    """One libvirt host: its compute's ``name``, namespaces, address and libvirtd."""
    name: str
    netns: str
    address: str
    base: Path
    log_path: Path
    libvirtd: subprocess.Popen | None = None

    @property
    def enter(self) -> list[str]:
        """argv prefix that runs a command inside this host's namespaces."""
        return ["nsenter", f"--target={self.libvirtd.pid}", "--mount", "--net", "--uts"]

    def virsh(self, *args: str, check: bool = True, timeout: float = 60) -> str:
        result = subprocess.run([*self.enter, "virsh", "-c", "qemu:///system", *args],
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"virsh {' '.join(args)} on {self.name}: "
                               f"rc={result.returncode} {result.stderr.strip()}")
        return result.stdout

    def domains(self) -> list[str]:
        """Names of the instance-* domains this host's libvirtd has, running or not."""
        names = self.virsh("list", "--all", "--name").split()
        return [name for name in names if name.startswith("instance-")]

    def log_tail(self, lines: int = 40) -> str:
        path = self.log_path
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"----- libvirtd of {self.name} -----\n" + "\n".join(
            text.splitlines()[-lines:])


class TwoHosts:
    """Make and remove the two hosts; ``hosts`` once ``start`` returned."""

    def __init__(self, base: Path, state_path: Path, names: tuple[str, str],
                 log_dir: Path) -> None:
        self.base = base
        self.log_dir = log_dir
        self.state_path = state_path
        tag = uuid.uuid4().hex[:6]
        used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True,
                              text=True).stdout
        subnet = next(n for n in range(int(tag, 16) % 200, 256)
                      if f"10.252.{n}." not in used)
        self.bridge = f"mnmig{tag}"
        self.gateway = f"10.252.{subnet}.1"
        self.hosts = [LibvirtHost(name, f"mininova-{name}-{tag}", f"10.252.{subnet}.{11 + i}",
                                  base / name, log_dir / f"libvirtd-{name}.log")
                      for i, name in enumerate(names)]

    def start(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for host in self.hosts:
            self._plug(host)
            self._start_libvirtd(host)
        for host in self.hosts:
            self._wait_for_libvirtd(host)

    def _plug(self, host: LibvirtHost) -> None:
        outer, inner = f"{self.bridge}{host.address.rsplit('.', 1)[1]}", "eth0"
        _ip("netns", "add", host.netns)
        _ip("link", "add", outer, "type", "veth", "peer", "name", f"{outer}n")
        _ip("link", "set", f"{outer}n", "netns", host.netns)
        _ip("-n", host.netns, "link", "set", f"{outer}n", "name", inner)
        _ip("link", "set", outer, "master", self.bridge)
        _ip("link", "set", outer, "up")
        _ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", inner)
        _ip("-n", host.netns, "link", "set", inner, "up")
        _ip("-n", host.netns, "link", "set", "lo", "up")
        _ip("-n", host.netns, "route", "add", "default", "via", self.gateway)

    def _start_libvirtd(self, host: LibvirtHost) -> None:
        etc = host.base / "etc"
        (etc / "qemu").mkdir(parents=True)
        (host.base / "networks").mkdir()
        (etc / "libvirtd.conf").write_text(f"""\
listen_tls = 0
listen_tcp = 1
listen_addr = "{host.address}"
auth_tcp = "none"
auth_unix_rw = "none"
host_uuid = "{uuid.uuid4()}"
log_outputs = "3:file:{host.log_path}"
""")
        (etc / "qemu.conf").write_text(_QEMU_CONF)
        # NOTE: libvirtd resolves its host name at each migration; without an entry it
        # waits for the resolver's timeout (10 s here, no DNS).
        hosts = host.base / "hosts"
        hosts.write_text(Path("/etc/hosts").read_text() + "".join(
            f"{other.address} {other.name}\n" for other in self.hosts))
        networks = self.state_path / "networks"
        networks.mkdir(exist_ok=True)
        mounts = "; ".join(f"mkdir -p {path}; mount -t tmpfs -o mode=0755 tmpfs {path}"
                           for path in _PRIVATE_DIRS)
        script = (f"set -e; hostname {host.name}; {mounts}; "
                  f"mount --bind {etc} /etc/libvirt; mount --bind {hosts} /etc/hosts; "
                  f"mount --bind {host.base / 'networks'} {networks}; "
                  "exec libvirtd --listen -p /run/libvirt/libvirtd.pid")
        with open(host.log_path, "ab") as out:
            host.libvirtd = subprocess.Popen(
                ["nsenter", f"--net=/run/netns/{host.netns}", "unshare", "--mount", "--uts",
                 "--propagation", "private", "sh", "-c", script],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def _wait_for_libvirtd(self, host: LibvirtHost) -> None:
        end = time.monotonic() + LIBVIRTD_DEADLINE
        error = ""
        while time.monotonic() < end:
            if host.libvirtd.poll() is not None:
                raise RuntimeError(f"libvirtd of {host.name} exited "
                                   f"(rc={host.libvirtd.returncode}): "
                                   f"{host.log_tail()}")
            try:
                # NOTE: through TCP, as the other host's libvirtd will reach it.
                result = subprocess.run(
                    [*host.enter, "virsh", "-c", f"qemu+tcp://{host.address}/system",
                     "version"], capture_output=True, text=True, timeout=30)
                if result.returncode == 0:
                    return
                error = result.stderr
            except subprocess.TimeoutExpired as exc:
                error = str(exc)
            time.sleep(0.3)
        raise RuntimeError(f"libvirtd of {host.name} not answering within "
                           f"{LIBVIRTD_DEADLINE}s: {error}\n{host.log_tail()}")

    def stop(self) -> None:
        """Destroy every guest, stop the libvirtds and their dnsmasqs, remove the
        namespaces and the bridge; what is already gone is no error."""
        for host in self.hosts:
            if host.libvirtd is None:
                continue
            if host.libvirtd.poll() is None:
                self._destroy_guests(host)
                host.libvirtd.send_signal(signal.SIGTERM)
                try:
                    host.libvirtd.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(host.libvirtd.pid, signal.SIGKILL)
                    host.libvirtd.wait()
            _kill_pid_file(host.base / "networks" / "dnsmasq.pid")
        for host in self.hosts:
            subprocess.run(["ip", "netns", "del", host.netns], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)
        shutil.rmtree(self.base, ignore_errors=True)

    def _destroy_guests(self, host: LibvirtHost) -> None:
        try:
            for name in host.domains():
                host.virsh("destroy", name, check=False)
                host.virsh("undefine", name, check=False)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        # NOTE: a QEMU libvirtd could not stop is killed through its pid file.
        run_dir = Path(f"/proc/{host.libvirtd.pid}/root/run/libvirt/qemu")
        for pid_file in run_dir.glob("*.pid") if run_dir.exists() else []:
            _kill_pid_file(pid_file)


def _kill_pid_file(path: Path) -> None:
    try:
        os.kill(int(path.read_text().strip()), signal.SIGKILL)
    except (OSError, ValueError):
        pass
