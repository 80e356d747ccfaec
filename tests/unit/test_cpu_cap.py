"""tools/cpu_cap.py, which bench_scale's --conductor-cpu uses: a capped busy process gets
no more than its share of a core, and goes back to where it was afterwards."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import bench_lifecycle  # noqa: E402
import cpu_cap  # noqa: E402


def _cgroups_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cgroup").read_text()


def test_a_busy_process_gets_its_share_of_a_core_and_no_more():
    try:
        cpu_cap._hierarchy()
    except cpu_cap.CapError as exc:
        pytest.skip(f"this machine cannot cap CPU: {exc}")
    if os.geteuid() != 0:
        pytest.skip("making cgroups needs root")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        before = _cgroups_of(busy.pid)
        with cpu_cap.capped([busy.pid], 0.1, label="mininova-test"):
            assert "mininova-test" in _cgroups_of(busy.pid)
            start, started = bench_lifecycle.process_cpu_seconds(busy.pid), time.monotonic()
            time.sleep(1.5)  # the window measured, not a wait for something to happen
            spent = bench_lifecycle.process_cpu_seconds(busy.pid) - start
            elapsed = time.monotonic() - started
        # NOTE: a bound from above only: a loaded machine may give it even less. One
        # period (0.1 s) of slack for where the window starts within a period.
        assert spent <= 0.1 * elapsed + 0.1 + 0.02, (spent, elapsed)
        assert _cgroups_of(busy.pid) == before
        assert not [group for group in cpu_cap._hierarchy()[0].iterdir()
                    if group.name.startswith(f"mininova-test-{os.getpid()}-")]
    finally:
        busy.kill()
        busy.wait()


def test_a_fraction_of_nothing_is_refused():
    with pytest.raises(cpu_cap.CapError):
        with cpu_cap.capped([os.getpid()], 0):
            pass


def test_a_process_that_cannot_be_moved_is_refused_and_leaves_no_cgroup():
    try:
        base = cpu_cap._hierarchy()[0]
    except cpu_cap.CapError as exc:
        pytest.skip(f"this machine cannot cap CPU: {exc}")
    if os.geteuid() != 0:
        pytest.skip("making cgroups needs root")
    # NOTE: above the kernel's largest pid: no process has it, nor ever will.
    nobody = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    with pytest.raises(cpu_cap.CapError, match="cannot cap"):
        with cpu_cap.capped([nobody], 0.1, label="mininova-test-gone"):
            pass
    assert not [group for group in base.iterdir()
                if group.name.startswith("mininova-test-gone-")]
