"""A running service: its RPC server, heartbeat, periodic tasks and clean shutdown.

One ``Service`` per process (compute, conductor, scheduler). The API has none.
On SIGTERM (or SIGINT) the service stops taking requests and lets those in flight
finish; the whole shutdown is bounded by [DEFAULT] graceful_shutdown_timeout, after
which the process exits with status 1 whatever is still running.
"""
import gc
import os
import signal
import threading
from collections.abc import Callable

from oslo_log import log as logging

from mininova import conf
from mininova import context as mn_context
from mininova import metrics
from mininova import objects
from mininova import rpc
from mininova import tracing
from mininova.manager import Manager
from mininova.notifications import base as notifications

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class Service:
    """Runs ``manager`` as the RPC server for ``topic`` on ``host``."""

    def __init__(self, host: str, binary: str, topic: str, manager: Manager, transport):
        self.host = host
        self.binary = binary
        notifications.set_source(binary)
        self.topic = topic
        self.manager = manager
        self.transport = transport
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = None
        self._service_ref = None

    def start(self) -> None:
        ctxt = mn_context.get_admin_context()
        self.manager.init_host()
        self._service_ref = objects.Service.register(ctxt, self.host, self.binary, self.topic)
        self._server = rpc.get_server(self.transport, self.topic, self.host, [self.manager])
        # NOTE: start() waits for the broker, retrying for ever (each try logged by
        # oslo.messaging, without the address): say which broker first.
        LOG.info("%s on %s: listening on topic %s at %s", self.binary, self.host,
                 self.topic, rpc.broker_address(CONF))
        self._server.start()
        # NOTE: the conductor (a database holder) also reports the cloud's state.
        metrics.serve((metrics.CloudCollector(),) if self.topic == "conductor" else ())
        self._spawn(CONF.report_interval, self._heartbeat, "heartbeat")
        for interval, task in self.manager.periodic_tasks():
            if interval > 0:
                self._spawn(interval, task, task.__name__)
        LOG.info("%s started on host %s, topic %s", self.binary, self.host, self.topic)
        # NOTE: what start-up made lives as long as the process: frozen, it is left out
        # of the full garbage collections, which otherwise walk it all (about 20 ms)
        # in the middle of whichever request's allocations set them off.
        gc.freeze()

    def _spawn(self, interval: int, task: Callable[[], None], name: str) -> None:
        def loop():
            while not self._stop.wait(interval):
                try:
                    task()
                except Exception:
                    LOG.exception("Periodic task %s failed", name)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _heartbeat(self) -> None:
        self._service_ref.heartbeat()
        metrics.heartbeat(self.binary, self.host)

    def stop(self, timeout: float | None = None) -> bool:
        """Stop taking requests, let in-flight ones finish (up to ``timeout``).

        Returns False when requests were still running after ``timeout`` seconds.
        """
        timeout = CONF.graceful_shutdown_timeout if timeout is None else timeout
        LOG.info("%s on %s stopping; draining in-flight requests (up to %ss)",
                 self.binary, self.host, timeout)
        self._stop.set()
        drained = True
        if self._server is not None:
            self._server.stop()
            waiter = threading.Thread(target=self._server.wait, daemon=True)
            waiter.start()
            waiter.join(timeout)
            if waiter.is_alive():
                LOG.warning("In-flight requests still running after %ss; exiting anyway",
                            timeout)
                drained = False
        self.manager.cleanup_host()
        tracing.shutdown()
        LOG.info("%s on %s stopped", self.binary, self.host)
        return drained

    def run(self) -> None:
        """Start, then block until SIGTERM or SIGINT, then stop cleanly."""
        done = threading.Event()

        def _on_signal(signum, _frame):
            LOG.info("Caught signal %s", signal.Signals(signum).name)
            done.set()

        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
        self.start()
        # NOTE: wake up now and then: a signal the kernel hands to another thread (one
        # of libvirt's, say) only sets a flag, which a main thread blocked for good in
        # an untimed wait would never get to act on.
        while not done.wait(0.5):
            pass
        timeout = CONF.graceful_shutdown_timeout
        # NOTE: the deadline covers the whole shutdown, cleanup_host included; a request
        # stuck past it (e.g. in a call to an unreachable conductor) must not keep the
        # process alive, so exit without waiting for its (non-daemon) thread.
        deadline = threading.Timer(timeout + 1, _exit_now, args=(self.binary, timeout))
        deadline.daemon = True
        deadline.start()
        drained = self.stop(timeout)
        deadline.cancel()
        if not drained:
            _exit_now(self.binary, timeout)


def _exit_now(binary: str, timeout: float) -> None:
    LOG.error("%s: graceful shutdown did not finish within %ss; exiting with status 1",
              binary, timeout)
    os._exit(1)
