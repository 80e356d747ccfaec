"""Live migration on libvirt: the shared-storage probe both ends agree on, and the moves
in progress on a source host (what abort and force-complete act on).

Nova's probe: the destination makes a file in its instances directory, the source looks
for it in its own; found means the instance path is shared, so a block migration (which
copies local disks) is refused, and without it a shared path is required. On the test
hypervisor (``test:///default``) a "move" is the guest's definition going from one
compute process to the other: the source's part waits for ``[libvirt]
test_live_migration_duration`` seconds (0 by default), or less when forced to complete,
and an abort cancels it.

On QEMU the move is libvirt's peer-to-peer live migration of the running guest
(``Jobs.monitor``): ``migrateToURI3`` runs in a thread while the caller's thread
watches it, turning an abort into ``abortJob`` and a force-complete (or the completion
timeout, with ``[libvirt] live_migration_timeout_action = force_complete``) into pausing
the guest, which lets the last pages go; libvirt resumes it on the destination.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
from collections.abc import Callable

from oslo_log import log as logging

from mininova import exception

LOG = logging.getLogger(__name__)

PROBE_PREFIX = "live-migration-probe-"


def make_probe(instances_path: str) -> str:
    """On the destination: a file in its instances directory; its name."""
    os.makedirs(instances_path, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=instances_path, prefix=PROBE_PREFIX)
    os.close(fd)
    return os.path.basename(path)


def remove_probe(instances_path: str, name: str | None) -> None:
    if name and name.startswith(PROBE_PREFIX) and "/" not in name:
        try:
            os.unlink(os.path.join(instances_path, name))
        except FileNotFoundError:
            pass


def decide(instances_path: str, source_host: str, dest_check_data: dict) -> dict:
    """On the source: Nova's rules for block migration against the probe's answer;
    the migrate data (``block_migration`` decided, ``is_shared_instance_path``)."""
    name = dest_check_data.get("probe")
    shared = bool(name) and os.path.exists(os.path.join(instances_path, name))
    block = dest_check_data.get("block_migration")
    if block is None:  # "auto"
        block = not shared
    if block and shared:
        raise exception.InvalidLocalStorage(
            path=source_host, reason="Block migration can not be used with shared storage.")
    if not block and not shared:
        raise exception.InvalidSharedStorage(
            path=source_host, reason="Shared storage live-migration requires either shared "
                                     "storage or boot-from-volume with no local disks.")
    return dict(dest_check_data, block_migration=block, is_shared_instance_path=shared)


@dataclasses.dataclass
class _Job:
    wake: threading.Event = dataclasses.field(default_factory=threading.Event)
    outcome: str | None = None  # "abort" or "complete"


class Jobs:
    """The live migrations running on this (source) host, by instance uuid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}

    def run(self, instance_uuid: str, duration: float) -> None:
        """Hold the move ``duration`` seconds, less if forced to complete; raise
        LiveMigrationAborted if aborted meanwhile."""
        job = _Job()
        with self._lock:
            self._jobs[instance_uuid] = job
        try:
            if duration > 0:
                job.wake.wait(duration)
            with self._lock:
                outcome = job.outcome
        finally:
            with self._lock:
                self._jobs.pop(instance_uuid, None)
        if outcome == "abort":
            raise exception.LiveMigrationAborted(instance_uuid=instance_uuid)

    def signal(self, instance_uuid: str, outcome: str) -> bool:
        """Abort or complete the move of ``instance_uuid``; False when none runs."""
        with self._lock:
            job = self._jobs.get(instance_uuid)
            if job is None:
                return False
            job.outcome = job.outcome or outcome
        job.wake.set()
        return True

    def monitor(self, instance_uuid: str, migrate: Callable[[], None],
                actions: dict[str, Callable[[], None]], timeout: float = 0,
                timeout_action: str = "abort", progress: Callable[[], None] | None = None,
                poll: float = 0.5) -> None:
        """Run ``migrate`` in a thread until it returns; meanwhile an abort or
        force-complete signalled here (or ``timeout`` seconds passing, for
        ``timeout_action``) calls ``actions[outcome]`` once, and ``progress`` is called
        every ``poll`` seconds. Raise LiveMigrationAborted when aborted, else what
        ``migrate`` raised."""
        job = _Job()
        with self._lock:
            self._jobs[instance_uuid] = job
        failure: list[BaseException] = []

        def target() -> None:
            try:
                migrate()
            except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
                failure.append(exc)

        thread = threading.Thread(target=target, name=f"live-migration-{instance_uuid}",
                                  daemon=True)
        deadline = time.monotonic() + timeout if timeout > 0 else None
        acted: str | None = None
        thread.start()
        try:
            while thread.is_alive():
                job.wake.wait(poll)
                job.wake.clear()
                if not thread.is_alive():
                    break
                with self._lock:
                    outcome = job.outcome
                if outcome is None and deadline is not None and time.monotonic() > deadline:
                    LOG.warning("Live migration of instance %s not done within %ds: %s",
                                instance_uuid, timeout, timeout_action)
                    outcome = job.outcome = timeout_action
                if outcome is not None and acted is None:
                    acted = outcome
                    try:
                        actions[outcome]()
                    except Exception as exc:  # noqa: BLE001 - the move goes on
                        LOG.warning("Live migration of instance %s: %s failed: %s",
                                    instance_uuid, outcome, exc)
                elif progress is not None:
                    progress()
        finally:
            with self._lock:
                self._jobs.pop(instance_uuid, None)
        if failure:
            if acted == "abort":
                raise exception.LiveMigrationAborted(
                    instance_uuid=instance_uuid) from failure[0]
            raise failure[0]
