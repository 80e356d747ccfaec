#!/usr/bin/env python3
"""What tracing costs: the same lifecycle on private clouds, [tracing] off and on.

Each cloud is started the way the functional tests start theirs (own RabbitMQ vhost, own
SQLite database, libvirt test driver, one compute host). Each boots, stops, starts and
deletes ``--count`` servers one at a time with tools/bench_lifecycle.py's Lifecycle,
the clouds taking turns at every step, so that the load of a machine shared with other
work falls on them alike. Each step is timed twice, as the lifecycle benchmark does:
polled (GET the server every 10 ms until it shows the result) and server side (from the
request to the finish of the last event of the instance action it made, written with
the new state). The polled figure moves in steps of one poll (a GET and the 10 ms sleep,
~13 ms): a path a millisecond slower shows a whole poll later in part of the samples, so
small differences come out several times larger there; the server side has no such
steps, and the goal (tracing on at most 10% slower) is judged on it. For both, the p50
of each path is printed for each cloud with its ratio to tracing off, and so is the
noise: the spread of the ratios of paired steps, and with ``--control`` a second cloud
with tracing off, whose ratio to the first is what chance alone gives. Run from a source
checkout with the test requirements installed (``tox -e bench`` has them):
python tools/bench_tracing.py [--count 60] [--control] [--trace-reads]
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
    """One private cloud and what was measured on it."""

    def __init__(self, name: str, tracing_conf: str, base: Path,
                 stack: contextlib.ExitStack) -> None:
        self.name, self.base = name, base
        base.mkdir()
        (base / "logs").mkdir()
        services = ServiceSet(base / "logs")
        stack.callback(services.stop)
        vhost = stack.enter_context(private_rabbit_vhost())
        cloud = start_mininova(
            services, base, db_url=f"sqlite:///{base / 'mininova.sqlite'}",
            compute_hosts=("bench1",),
            transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{vhost}",
            extra_conf=f"\n[tracing]\n{tracing_conf}\n")
        args = bench.parse_args(["--count", "1", "--concurrency", "1",
                                 "--endpoint", cloud.api_url])
        self.lifecycle = bench.Lifecycle(bench.ApiClient(cloud.api_url, "admin:admin"), args)
        self.image_id = cloud.image_id
        self.samples: dict[str, list[float]] = {path: [] for path in PATHS}
        self.server_id = ""
        self._cpu_before: dict = {}
        self.cpu_seconds: dict[str, float] = {}

    def step(self, path: str, index: int) -> None:
        """One operation of the lifecycle of server ``index``, timed until it shows."""
        life = self.lifecycle
        if path == "POST->ACTIVE":
            self.server_id, latency = life.boot(index, self.image_id)
        elif path == "os-stop->SHUTOFF":
            latency = life.action(self.server_id, {"os-stop": None}, "SHUTOFF", path)
        elif path == "os-start->ACTIVE":
            latency = life.action(self.server_id, {"os-start": None}, "ACTIVE", path)
        else:
            latency = life.delete(self.server_id)
        self.samples[path].append(latency)

    def cpu(self, start: bool) -> None:
        """Count the CPU its services use between cpu(True) and cpu(False) (the whole
        run: spans are written in the background, a second after the work)."""
        now = bench.mininova_cpu_seconds(str(self.base / "mininova.conf"))
        if start:
            self._cpu_before = now
            return
        for pid, (program, seconds) in now.items():
            spent = seconds - self._cpu_before.get(pid, (program, 0.0))[1]
            self.cpu_seconds[program] = self.cpu_seconds.get(program, 0.0) + spent

    def figures(self, kind: str, path: str) -> list[float]:
        """The step times of ``path``, "polled" or "server side", in seconds."""
        if kind == "polled":
            return self.samples[path]
        return self.lifecycle.server_side.get(path, [])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="servers per cloud")
    parser.add_argument("--control", action="store_true",
                        help="also run a second cloud with tracing off, to show the noise")
    parser.add_argument("--trace-reads", action="store_true",
                        help="also run a cloud tracing reads too ([tracing] trace_reads)")
    return parser.parse_args(argv)


def report(clouds: list[Cloud], count: int) -> float:
    """Print p50s and ratios, polled and server side; return the worst server-side ratio
    of tracing on (the default)."""
    off, others = clouds[0], clouds[1:]
    print(f"\nTracing cost: {count} servers per cloud, one at a time, the clouds taking "
          f"turns at each step;\np50 ms, p50 ratio to off, and the p25-p75 of the ratios "
          f"of the paired steps (goal <= {GOAL:.2f}, on the server side)")
    worst = 0.0
    for kind in ("server side", "polled"):
        print(f"{kind:<18} {'off':>7}" + "".join(f" {c.name:>10} {'ratio':>5} {'pairs':>9}"
                                                 for c in others))
        for path in PATHS:
            base = off.figures(kind, path)
            line = f"  {path:<16} {statistics.median(base) * 1e3:7.1f}"
            for cloud in others:
                mine = cloud.figures(kind, path)
                ratio = statistics.median(mine) / statistics.median(base)
                pairs = statistics.quantiles(
                    [a / b for a, b in zip(mine, base, strict=True)], n=4)
                line += (f" {statistics.median(mine) * 1e3:10.1f} {ratio:5.2f} "
                         f"{pairs[0]:4.2f}-{pairs[2]:4.2f}")
                if cloud.name == "on" and kind == "server side":
                    worst = max(worst, ratio)
            print(line)
    operations = count * len(PATHS)
    print("CPU ms per operation, idle time between its turns included (the API's "
          "includes answering the 10 ms polls):")
    for cloud in clouds:
        print(f"  {cloud.name:<10} " + ", ".join(
            f"{program.removeprefix('mininova-')} {seconds / operations * 1e3:.1f}"
            for program, seconds in sorted(cloud.cpu_seconds.items())))
    print(f"worst server-side p50 ratio of tracing on: {worst:.2f} "
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
        clouds = [Cloud(name, conf, Path(tmp) / name.replace(" ", "-").replace("+", "-"),
                        stack)
                  for name, conf in variants]
        for cloud in clouds:
            cloud.cpu(start=True)
        for index in range(args.count):
            # NOTE: the clouds take turns at every step, in an order that rotates, so
            # the load of a shared machine falls on them alike.
            shift = index % len(clouds)
            order = clouds[shift:] + clouds[:shift]
            for path in PATHS:
                for cloud in order:
                    cloud.step(path, index)
            if index % 10 == 9:
                print(f"  {index + 1} servers done on each cloud", flush=True)
        for cloud in clouds:
            cloud.cpu(start=False)
        worst = report(clouds, args.count)
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
