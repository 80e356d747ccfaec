"""Cap processes at a fraction of one core, each in a CPU cgroup of its own.

``bench_scale.py --conductor-cpu`` uses it to make the conductor the bottleneck on a
machine where it is not: each conductor process gets what a small controller host would
give it, so that a second conductor has spare work to take. Needs root and the cgroup
``cpu`` controller, version 1 (``/sys/fs/cgroup/cpu``) or 2 (``cpu.max``).
"""
import contextlib
import os
import pathlib

ROOT = pathlib.Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class CapError(Exception):
    pass


def _hierarchy() -> tuple[pathlib.Path, bool]:
    """(the directory new CPU cgroups go in, whether it is cgroup v2)."""
    if (ROOT / "cgroup.controllers").exists():
        if "cpu" not in (ROOT / "cgroup.controllers").read_text().split():
            raise CapError("the cgroup v2 hierarchy has no cpu controller")
        return ROOT, True
    for name in ("cpu", "cpu,cpuacct"):
        if (ROOT / name / "cpu.cfs_quota_us").exists():
            return ROOT / name, False
    raise CapError(f"no cgroup cpu controller under {ROOT}")


@contextlib.contextmanager
def capped(pids: list[int], fraction: float, label: str = "mininova-bench"):
    """Each of ``pids`` limited to ``fraction`` of one core while the block runs; the
    processes go back to the root cgroup and the cgroups are removed after it."""
    if not 0 < fraction:
        raise CapError(f"the fraction of a core must be above 0, not {fraction}")
    base, v2 = _hierarchy()
    quota = max(1000, int(fraction * PERIOD_US))
    if v2:
        # NOTE: a child gets the cpu controller only when its parent hands it down.
        try:
            (base / "cgroup.subtree_control").write_text("+cpu")
        except OSError as exc:
            raise CapError(f"cannot enable the cpu controller under {base}: {exc}") from exc
    made = []
    try:
        try:
            for pid in pids:
                group = base / f"{label}-{os.getpid()}-{pid}"
                group.mkdir()
                made.append(group)
                if v2:
                    (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
                else:
                    (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                    (group / "cpu.cfs_quota_us").write_text(str(quota))
                (group / "cgroup.procs").write_text(str(pid))
        except OSError as exc:
            raise CapError(f"cannot cap process CPU under {base}: {exc}") from exc
        yield
    finally:
        for group in made:
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):  # it may have exited meanwhile
                    (base / "cgroup.procs").write_text(pid)
            group.rmdir()
