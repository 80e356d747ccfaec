"""The host side of the flat network: the Linux bridge and the DHCP server of a host.

The libvirt driver calls this on real hypervisors (qemu/kvm) only: ``ensure_bridge`` and
``Dnsmasq.ensure`` at ``init_host``, ``Dnsmasq.add_host`` before a guest starts and
``Dnsmasq.remove_host`` when it is destroyed. The metadata service adds the metadata
address (169.254.169.254/32) to the bridge of the host it runs on. Addresses are never
chosen here: the conductor allocated them (``Instance.network_info``); dnsmasq only
serves each guest's MAC its address (static host entries, no dynamic pool), as
nova-network's flat DHCP did.

Everything goes through ``ip`` (iproute2) and the network namespace the process runs in,
never through /sys, so it works the same for root in a container's own namespace.
Needs root (CAP_NET_ADMIN): anything else is a clear ``HostNetworkError``.
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import threading
import time

from oslo_concurrency import processutils
from oslo_log import log as logging

from mininova import exception

LOG = logging.getLogger(__name__)

METADATA_ADDRESS = "169.254.169.254"
# Seconds dnsmasq may take to write its pid file, or to exit on SIGTERM.
_DNSMASQ_WAIT = 10.0
# Lease time handed to guests: they renew well within a compute restart.
_LEASE_TIME = "86400s"


def _require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise exception.HostNetworkError(
            reason=f"{what} needs root (CAP_NET_ADMIN); run mininova-compute (and "
                   "mininova-metadata) as root on a qemu/kvm host")


def _ip(*args: str, check_exit_code: bool | list = True) -> str:
    try:
        out, _err = processutils.execute("ip", *args, check_exit_code=check_exit_code)
    except (processutils.ProcessExecutionError, OSError) as exc:
        raise exception.HostNetworkError(reason=f"ip {' '.join(args)}: {exc}") from exc
    return out


def _link_exists(name: str) -> bool:
    try:
        processutils.execute("ip", "link", "show", "dev", name)
    except processutils.ProcessExecutionError:
        return False
    except OSError as exc:
        raise exception.HostNetworkError(reason=f"cannot run ip (iproute2): {exc}") from exc
    return True


def ensure_bridge(bridge: str, cidr: str, gateway: str, mtu: int | None = None) -> None:
    """Create ``bridge`` if missing, give it ``gateway`` (with the prefix of ``cidr``)
    and bring it up; idempotent, and what is already right is left alone."""
    _require_root(f"the bridge {bridge}")
    prefix = ipaddress.IPv4Network(cidr, strict=False).prefixlen
    if not _link_exists(bridge):
        LOG.info("Creating bridge %s", bridge)
        # NOTE: two computes (or a compute and the metadata service) may race here.
        _ip("link", "add", "name", bridge, "type", "bridge", check_exit_code=[0, 2])
    if mtu:
        _ip("link", "set", "dev", bridge, "mtu", str(mtu))
    # NOTE: replace, not add: a second call (a restart) is no error.
    _ip("addr", "replace", f"{gateway}/{prefix}", "dev", bridge)
    _ip("link", "set", "dev", bridge, "up")


def ensure_metadata_address(bridge: str) -> None:
    """Put 169.254.169.254/32 on ``bridge`` so that guests reach the metadata service
    of this host through their gateway (the host answers for it locally)."""
    _require_root(f"the metadata address on {bridge}")
    _ip("addr", "replace", f"{METADATA_ADDRESS}/32", "dev", bridge)


def delete_bridge(bridge: str) -> None:
    """Remove ``bridge`` (tests and unstack); one already gone is no error."""
    _require_root(f"the bridge {bridge}")
    if _link_exists(bridge):
        _ip("link", "del", "dev", bridge)


class Dnsmasq:
    """The DHCP server of one host on its bridge, with static host entries only.

    Its files live in ``state_dir`` (the compute's ``$state_path/networks``):
    ``dnsmasq.pid``, ``dnsmasq.hosts`` (``mac,address,hostname`` per guest),
    ``dnsmasq.leases`` and ``dnsmasq.log``. A new entry reaches the running dnsmasq by
    SIGHUP; a removed one restarts it without that guest's lease, so that the address
    can go to another MAC at once. dnsmasq outlives mininova-compute (the guests keep
    their leases across a compute restart); ``ensure`` adopts the running one.
    """

    def __init__(self, state_dir: str, bridge: str, cidr: str, gateway: str,
                 dns_servers: list[str] | None = None, mtu: int | None = None) -> None:
        self.state_dir = state_dir
        self.bridge = bridge
        self.network = ipaddress.IPv4Network(cidr, strict=False)
        self.gateway = gateway
        self.dns_servers = list(dns_servers or [])
        self.mtu = mtu
        self._lock = threading.Lock()

    def _path(self, name: str) -> str:
        return os.path.join(self.state_dir, f"dnsmasq.{name}")

    @property
    def pid_file(self) -> str:
        return self._path("pid")

    @property
    def hosts_file(self) -> str:
        return self._path("hosts")

    @property
    def leases_file(self) -> str:
        return self._path("leases")

    def command(self) -> list[str]:
        """dnsmasq's command line: DHCP on the bridge only, no DNS (``--port=0``)."""
        cmd = [
            "dnsmasq", "--conf-file=", "--no-hosts", "--no-resolv", "--port=0",
            "--strict-order", "--bind-interfaces", f"--interface={self.bridge}",
            "--except-interface=lo", f"--listen-address={self.gateway}",
            f"--pid-file={self.pid_file}", f"--dhcp-hostsfile={self.hosts_file}",
            f"--dhcp-leasefile={self.leases_file}", f"--log-facility={self._path('log')}",
            f"--dhcp-range=set:mininova,{self.network.network_address},static,"
            f"{self.network.netmask},{_LEASE_TIME}",
            "--dhcp-authoritative", "--dhcp-no-override", "--log-dhcp",
            f"--dhcp-option=tag:mininova,option:router,{self.gateway}",
        ]
        if self.dns_servers:
            cmd.append("--dhcp-option=tag:mininova,option:dns-server,"
                       + ",".join(self.dns_servers))
        if self.mtu:
            cmd.append(f"--dhcp-option-force=tag:mininova,option:mtu,{self.mtu}")
        return cmd

    def pid(self) -> int | None:
        """The pid of this host's running dnsmasq (its pid file names a live dnsmasq
        started with that pid file), else None."""
        try:
            with open(self.pid_file) as pid_file:
                pid = int(pid_file.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace").split("\0")
        except (OSError, ValueError):
            return None
        if f"--pid-file={self.pid_file}" not in args:
            return None
        return pid

    def ensure(self) -> None:
        """Start dnsmasq unless it runs; a running one re-reads its hosts file."""
        _require_root("dnsmasq")
        if shutil.which("dnsmasq", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin") \
                is None:
            raise exception.HostNetworkError(
                reason="dnsmasq not found: apt-get install dnsmasq-base")
        with self._lock:
            os.makedirs(self.state_dir, exist_ok=True)
            if not os.path.exists(self.hosts_file):
                self._write_hosts({})
            if self.pid() is None:
                self._start()
            else:
                self._reload()

    def hosts(self) -> dict[str, tuple[str, str]]:
        """The host entries: mac -> (address, hostname)."""
        entries = {}
        with contextlib.suppress(FileNotFoundError), open(self.hosts_file) as hosts:
            for line in hosts:
                fields = line.strip().split(",")
                if len(fields) in (2, 3):
                    entries[fields[0]] = (fields[1], fields[2] if len(fields) == 3 else "")
        return entries

    def add_host(self, mac: str, address: str, hostname: str) -> None:
        """Serve ``address`` (and ``hostname``) to ``mac`` from now on."""
        with self._lock:
            entries = {m: e for m, e in self.hosts().items() if e[0] != address}
            entries[mac.lower()] = (address, _dhcp_hostname(hostname))
            self._write_hosts(entries)
            if self.pid() is None:
                self._start()
            else:
                self._reload()
        LOG.info("DHCP host entry %s -> %s (%s)", mac, address, hostname)

    def remove_host(self, mac: str, address: str) -> None:
        """Stop serving ``mac`` and forget its lease, so ``address`` is free at once."""
        with self._lock:
            entries = self.hosts()
            kept = {m: e for m, e in entries.items()
                    if m != mac.lower() and e[0] != address}
            if kept == entries and not self._has_lease(mac, address):
                return
            self._write_hosts(kept)
            self._stop()
            self._drop_leases(mac, address)
            self._start()
        LOG.info("DHCP host entry %s (%s) removed", mac, address)

    def stop(self) -> None:
        """Stop this host's dnsmasq (tests and unstack; computes leave it running)."""
        with self._lock:
            self._stop()

    # -- private -----------------------------------------------------------------------

    def _write_hosts(self, entries: dict[str, tuple[str, str]]) -> None:
        tmp = self.hosts_file + ".tmp"
        with open(tmp, "w") as hosts:
            for mac, (address, hostname) in sorted(entries.items()):
                hosts.write(f"{mac},{address},{hostname}\n" if hostname
                            else f"{mac},{address}\n")
        os.replace(tmp, self.hosts_file)

    def _start(self) -> None:
        LOG.info("Starting dnsmasq on %s", self.bridge)
        try:
            processutils.execute(*self.command())
        except (processutils.ProcessExecutionError, OSError) as exc:
            raise exception.HostNetworkError(reason=f"dnsmasq did not start: {exc}") from exc
        # NOTE: dnsmasq forks; its pid file appears once it serves.
        end = time.monotonic() + _DNSMASQ_WAIT
        while self.pid() is None:
            if time.monotonic() > end:
                raise exception.HostNetworkError(
                    reason=f"dnsmasq wrote no pid file {self.pid_file}")
            time.sleep(0.05)

    def _reload(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGHUP)

    def _stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + _DNSMASQ_WAIT
        while _alive(pid) and time.monotonic() < end:
            time.sleep(0.05)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.pid_file)

    def _has_lease(self, mac: str, address: str) -> bool:
        with contextlib.suppress(FileNotFoundError), open(self.leases_file) as leases:
            return any(_lease_matches(line, mac, address) for line in leases)
        return False

    def _drop_leases(self, mac: str, address: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            with open(self.leases_file) as leases:
                lines = [line for line in leases if not _lease_matches(line, mac, address)]
            with open(self.leases_file, "w") as leases:
                leases.writelines(lines)


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs; a zombie (exited, its parent not yet reaped it) does
    not: a daemonized dnsmasq's parent is PID 1, which may reap late in a container."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _lease_matches(line: str, mac: str, address: str) -> bool:
    """A dnsmasq lease line (``expiry mac address hostname client-id``) of this guest."""
    fields = line.split()
    return len(fields) >= 3 and (fields[1].lower() == mac.lower() or fields[2] == address)


def _dhcp_hostname(hostname: str) -> str:
    """A name dnsmasq accepts in a host entry: one DNS label ('' when none is left)."""
    label = "".join(c if c.isalnum() or c == "-" else "-"
                    for c in hostname.split(".")[0]).strip("-")
    return label[:63]
