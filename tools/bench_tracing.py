#!/usr/bin/env python3
"""What tracing costs: the same lifecycle on private clouds, [tracing] off and on.

Each cloud is started the way the functional tests start theirs (own RabbitMQ vhost, own
SQLite database, libvirt test driver, one compute host). tools/bench_lifecycle.py's
Lifecycle then boots, stops, starts and deletes ``--count`` servers one at a time,
polling each server every 10 ms; it does so ``--rounds`` times on every cloud, the
clouds taking turns (off, on, on, off, ...) so that a machine shared with other work
loads them alike. The p50 of each path over all rounds is printed for each cloud with
its ratio to tracing off, against the goal (tracing on at most 10% slower), and so is
the noise: the spread of the per-round ratios, and with ``--control`` a second cloud
with tracing off, whose ratio to the first is what chance alone gives. Run from a
source checkout with the test requirements installed (``tox -e bench`` has them):
python tools/bench_tracing.py [--count 10] [--rounds 6] [--control] [--trace-reads]
"""
import argparse
import contextlib
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


class Cloud:
    """One private cloud and what its rounds measured."""

    def __init__(self, name: str, tracing_conf: str, base: Path,
                 stack: contextlib.ExitStack) -> None:
        self.name, self.base = name, base
        base.mkdir()
        (base / "logs").mkdir()
        services = ServiceSet(base / "logs")
        stack.callback(services.stop)
        vhost = stack.enter_context(private_rabbit_vhost())
        self.cloud = start_mininova(
            services, base, db_url=f"sqlite:///{base / 'mininova.sqlite'}",
            compute_hosts=("bench1",),
            transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}",
            # NOTE: the test driver's host is small (3 GB); room for --count servers.
            extra_conf=f"\n[DEFAULT]\nram_allocation_ratio = 100\n"
                       f"\n[tracing]\n{tracing_conf}\n")
        self.samples: dict[str, list[float]] = {path: [] for path in PATHS}
        self.rounds: list[dict[str, float]] = []
        self.cpu_seconds = 0.0
        self.operations = 0

    def run_round(self, count: int) -> None:
        """Boot, stop, start and delete ``count`` servers one at a time."""
        config = str(self.base / "mininova.conf")
        before = bench.mininova_cpu_seconds(config)
        args = bench.parse_args(["--count", str(count), "--concurrency", "1",
                                 "--endpoint", self.cloud.api_url, "--detail-samples", "1"])
        paths, _, _, errors = bench.Lifecycle(
            bench.ApiClient(self.cloud.api_url, "admin:admin"), args).run()
        after = bench.mininova_cpu_seconds(config)
        if errors:
            raise bench.BenchError(f"{len(errors)} operations failed: {errors[:3]}")
        self.cpu_seconds += sum(cpu - before.get(pid, (name, 0.0))[1]
                                for pid, (name, cpu) in after.items())
        self.operations += sum(len(paths[path]) for path in PATHS)
        self.rounds.append({path: statistics.median(paths[path]) for path in PATHS})
        for path in PATHS:
            self.samples[path] += paths[path]

    def p50_ms(self, path: str) -> float:
        return statistics.median(self.samples[path]) * 1e3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10, help="servers per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds on each cloud")
    parser.add_argument("--control", action="store_true",
                        help="also run a second cloud with tracing off, to show the noise")
    parser.add_argument("--trace-reads", action="store_true",
                        help="also run a cloud tracing reads too ([tracing] trace_reads)")
    return parser.parse_args(argv)


def report(clouds: list[Cloud], args: argparse.Namespace) -> float:
    """Print p50s and ratios; return the worst ratio of tracing on (the default)."""
    off, others = clouds[0], clouds[1:]
    samples = args.count * args.rounds
    print(f"\nTracing cost: {samples} servers per cloud one at a time, {args.rounds} "
          f"rounds taking turns; p50 ms, ratio to off (goal <= {GOAL:.2f})")
    print(f"{'path':<18} {'off':>8}" + "".join(f" {c.name:>12} {'ratio':>6} {'rounds':>11}"
                                             for c in others))
    worst = 0.0
    for path in PATHS:
        line = f"{path:<18} {off.p50_ms(path):8.1f}"
        for cloud in others:
            ratio = cloud.p50_ms(path) / off.p50_ms(path)
            per_round = [mine[path] / theirs[path]
                         for mine, theirs in zip(cloud.rounds, off.rounds, strict=True)]
            line += (f" {cloud.p50_ms(path):12.1f} {ratio:6.2f} "
                     f"{min(per_round):5.2f}-{max(per_round):<5.2f}")
            if cloud.name == "on":
                worst = max(worst, ratio)
        print(line)
    print("CPU ms per operation, all of a cloud's services: " + ", ".join(
        f"{c.name} {c.cpu_seconds / c.operations * 1e3:.1f}" for c in clouds))
    print(f"rounds: the lowest and highest ratio of one round's p50s; "
          f"worst p50 ratio of tracing on: {worst:.2f} "
          f"({'within' if worst <= GOAL else 'over'} the goal)")
    return worst


def main(argv=None) -> int:
    args = parse_args(argv)
    variants = [("off", "enabled = false"), ("on", "enabled = true")]
    if args.control:
        variants.append(("off again", "enabled = false"))
    if args.trace_reads:
        variants.append(("on+reads", "enabled = true\ntrace_reads = true"))
    with tempfile.TemporaryDirectory(prefix="mininova-bench-tracing-") as tmp, \
            contextlib.ExitStack() as stack:
        clouds = [Cloud(name, conf, Path(tmp) / name.replace(" ", "-"), stack)
                  for name, conf in variants]
        for index in range(args.rounds):
            # NOTE: alternate the order, so that neither cloud always runs first.
            for cloud in clouds if index % 2 == 0 else clouds[::-1]:
                cloud.run_round(args.count)
        worst = report(clouds, args)
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
