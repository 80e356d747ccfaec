"""The libvirt connection of a compute service, its lookups and its lifecycle events.

``virt/libvirt/driver.py`` owns one ``Host``; the ``Host`` owns one libvirt connection,
opened on first use and reopened when it is found dead. libvirt-python connections are
thread-safe, so RPC worker threads share it. Lifecycle events arrive on libvirt's event
loop thread and are handed to a dispatcher thread, so a slow listener (one that does RPC)
never stalls the event loop that also carries the connection's keepalives.
"""
from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from collections.abc import Iterator

import libvirt
from oslo_log import log as logging

from mininova import exception
from mininova import tracing
from mininova.compute import power_state

LOG = logging.getLogger(__name__)

_POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    # NOTE: "blocked" is a running guest waiting on I/O; Nova counts it as running too.
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}

# Lifecycle events that change the power state; DEFINED, UNDEFINED and SHUTDOWN (a guest
# shutdown in progress) do not, and are not reported.
_EVENT_POWER_STATES = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: power_state.SUSPENDED,
}

EventListener = Callable[[str, int], None]

# NOTE: libvirt's event loop implementation is process-wide: it is registered once, before
# the first connection is opened, and served by one daemon thread for every connection.
_event_loop_lock = threading.Lock()
_event_loop_started = False


def to_power_state(libvirt_state: int) -> int:
    """Map a ``VIR_DOMAIN_*`` state to a compute.power_state value."""
    return _POWER_STATES.get(libvirt_state, power_state.NOSTATE)


def event_to_power_state(event: int) -> int | None:
    """Map a ``VIR_DOMAIN_EVENT_*`` lifecycle event to a power state, or None to ignore it."""
    return _EVENT_POWER_STATES.get(event)


def start_event_loop() -> None:
    """Register libvirt's default event loop and serve it from a daemon thread (once)."""
    global _event_loop_started
    with _event_loop_lock:
        if _event_loop_started:
            return
        # NOTE: libvirt prints every error to stderr by default; errors reach us as
        # exceptions and are logged where they are handled.
        libvirt.registerErrorHandler(_ignore_libvirt_error, None)
        libvirt.virEventRegisterDefaultImpl()
        thread = threading.Thread(target=_run_event_loop, name="libvirt-event-loop",
                                  daemon=True)
        thread.start()
        _event_loop_started = True


def _ignore_libvirt_error(_ctx: object, _err: object) -> None:
    pass


def _run_event_loop() -> None:
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except Exception:
            LOG.exception("libvirt event loop iteration failed")


@contextlib.contextmanager
def translate_errors(instance_uuid: str | None = None) -> Iterator[None]:
    """Turn libvirtError into InstanceNotFound (no such domain) or HypervisorError."""
    try:
        yield
    except libvirt.libvirtError as exc:
        if instance_uuid and exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            raise exception.InstanceNotFound(instance_id=instance_uuid) from exc
        raise exception.HypervisorError(reason=str(exc)) from exc


class Host:
    """One libvirt connection and the domains on it whose names start with ``name_prefix``."""

    def __init__(self, uri: str, name_prefix: str = "") -> None:
        self._uri = uri
        self._name_prefix = name_prefix
        self._lock = threading.Lock()
        self._conn: libvirt.virConnect | None = None
        self._callback_id = -1
        self._listener: EventListener | None = None
        self._events: queue.Queue = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._stop_watches: dict[str, threading.Event] = {}

    # -- connection --------------------------------------------------------------------

    def get_connection(self) -> libvirt.virConnect:
        """Return the connection, opening it (and the event loop) on first use."""
        with self._lock:
            if self._conn is not None and not self._is_alive(self._conn):
                # NOTE: libvirtd restarted or the keepalive failed; its callbacks died with
                # the old connection and are registered again on the new one.
                LOG.warning("Connection to libvirt at %s lost; reconnecting", self._uri)
                self._conn = None
            if self._conn is None:
                self._conn = self._connect()
            return tracing.wrap_libvirt(self._conn)

    def _connect(self) -> libvirt.virConnect:
        start_event_loop()
        LOG.info("Connecting to libvirt at %s", self._uri)
        with translate_errors():
            conn = libvirt.open(self._uri)
            self._callback_id = conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle_event, None)
        return conn

    def _is_alive(self, conn: libvirt.virConnect) -> bool:
        try:
            return conn.isAlive() == 1
        except libvirt.libvirtError:
            return False

    def close(self) -> None:
        """Close the connection and stop dispatching events."""
        with self._lock:
            conn, self._conn = self._conn, None
        if self._dispatcher is not None:
            self._events.put(None)
            self._dispatcher = None
        if conn is not None:
            with contextlib.suppress(libvirt.libvirtError):
                conn.domainEventDeregisterAny(self._callback_id)
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()

    def is_test_driver(self) -> bool:
        """True on libvirt's in-process test hypervisor (test:///...)."""
        with translate_errors():
            return self.get_connection().getType() == "TEST"

    # -- domains -----------------------------------------------------------------------

    def get_domain(self, instance_uuid: str) -> libvirt.virDomain:
        """Return the domain; raises InstanceNotFound when there is none."""
        with translate_errors(instance_uuid):
            return self.get_connection().lookupByUUIDString(instance_uuid)

    def list_domains(self) -> list[libvirt.virDomain]:
        """Return every domain (running or not) whose name carries our prefix."""
        with translate_errors():
            domains = self.get_connection().listAllDomains(0)
            return [dom for dom in domains if dom.name().startswith(self._name_prefix)]

    # -- lifecycle events --------------------------------------------------------------

    def set_event_listener(self, listener: EventListener | None) -> None:
        """Have ``listener(uuid, power_state)`` called on lifecycle events (None: stop)."""
        self._listener = listener
        if listener is not None and self._dispatcher is None:
            self._dispatcher = threading.Thread(target=self._dispatch_events,
                                                name="libvirt-event-dispatch", daemon=True)
            self._dispatcher.start()
        # NOTE: events only flow once the connection (and with it the callback) exists.
        self.get_connection()

    @contextlib.contextmanager
    def watch_stop(self, instance_uuid: str) -> Iterator[threading.Event]:
        """An Event set when the domain's STOPPED lifecycle event arrives while watched:
        a clean stop wakes on it instead of waiting for its next state check."""
        watch = self._stop_watches[instance_uuid] = threading.Event()
        try:
            yield watch
        finally:
            if self._stop_watches.get(instance_uuid) is watch:
                del self._stop_watches[instance_uuid]

    def _on_lifecycle_event(self, _conn: libvirt.virConnect, dom: libvirt.virDomain,
                            event: int, detail: int, _opaque: object) -> None:
        # Runs on the event loop thread: no libvirt calls that may block, no listener.
        if event == libvirt.VIR_DOMAIN_EVENT_STOPPED and self._stop_watches:
            watch = self._stop_watches.get(dom.UUIDString())
            if watch is not None:
                watch.set()
        state = event_to_power_state(event)
        if state is None or self._listener is None:
            return
        name = dom.name()
        if not name.startswith(self._name_prefix):
            return
        LOG.debug("Lifecycle event %d/%d for domain %s", event, detail, name)
        self._events.put((dom.UUIDString(), state))

    def _dispatch_events(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            listener = self._listener
            if listener is None:
                continue
            uuid, state = item
            try:
                listener(uuid, state)
            except Exception:
                LOG.exception("Lifecycle event listener failed for instance %s", uuid)
