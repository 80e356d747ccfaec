#!/usr/bin/env python3
"""What tracing costs: the same lifecycle on two private clouds, [tracing] off and on.

Each cloud is started the way the functional tests start theirs (own RabbitMQ vhost, own
SQLite database, libvirt test driver, one compute host); tools/bench_lifecycle.py's
Lifecycle then boots, stops, starts and deletes ``--count`` servers one at a time and the
p50 of each path is printed for both clouds, with the ratio against the goal (tracing on
at most 10% slower). Run from a source checkout with the test requirements installed
(``tox -e bench`` has them): python tools/bench_tracing.py [--count 30]
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tools")]

import bench_lifecycle as bench  # noqa: E402

from tests.functional.conftest import RABBIT_HOST  # noqa: E402
from tests.functional.conftest import RABBIT_PORT  # noqa: E402
from tests.functional.conftest import ServiceSet  # noqa: E402
from tests.functional.conftest import private_rabbit_vhost  # noqa: E402
from tests.functional.conftest import start_mininova  # noqa: E402

GOAL = 1.10
PATHS = ("POST->ACTIVE", "os-stop->SHUTOFF", "os-start->ACTIVE", "DELETE->gone")


def run_cloud(tracing: bool, count: int, base: Path) -> dict[str, float]:
    """p50 ms of each path on a new cloud with [tracing] enabled = ``tracing``."""
    base.mkdir()
    (base / "logs").mkdir()
    services = ServiceSet(base / "logs")
    with private_rabbit_vhost() as vhost:
        try:
            cloud = start_mininova(
                services, base, db_url=f"sqlite:///{base / 'mininova.sqlite'}",
                compute_hosts=("bench1",),
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}",
                # NOTE: the test driver's host is small (3 GB); room for --count servers.
                extra_conf=f"\n[DEFAULT]\nram_allocation_ratio = 100\n"
                           f"\n[tracing]\nenabled = {str(tracing).lower()}\n")
            args = bench.parse_args(["--count", str(count), "--concurrency", "1",
                                     "--endpoint", cloud.api_url, "--detail-samples", "1"])
            paths, _, _, errors = bench.Lifecycle(
                bench.ApiClient(cloud.api_url, "admin:admin"), args).run()
        finally:
            services.stop()
    if errors:
        raise bench.BenchError(f"{len(errors)} operations failed: {errors[:3]}")
    return {path: statistics.median(paths[path]) * 1e3 for path in PATHS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=30, help="servers per cloud")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mininova-bench-tracing-") as tmp:
        off = run_cloud(False, args.count, Path(tmp) / "off")
        on = run_cloud(True, args.count, Path(tmp) / "on")
    print(f"\nTracing cost, {args.count} servers one at a time (p50, ms)")
    print(f"{'path':<18} {'off':>8} {'on':>8} {'on/off':>7}  goal <= {GOAL:.2f}")
    worst = 0.0
    for path in PATHS:
        ratio = on[path] / off[path]
        worst = max(worst, ratio)
        print(f"{path:<18} {off[path]:8.1f} {on[path]:8.1f} {ratio:7.2f}  "
              f"{'ok' if ratio <= GOAL else 'over'}")
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
