#!/usr/bin/env python3
"""Scale benchmark: many servers on many test-driver hosts, figures beside their goals.

It starts a cloud of its own for each host count of ``--hosts`` (the way the functional
tests start theirs: one mininova-compute process per host, libvirt's test driver, its own
RabbitMQ vhost, SQLite or, with ``--database postgresql``, a fresh PostgreSQL database),
and on it, with ``--concurrency`` requests in flight:

    boot    POST ``--count`` servers      -> all ACTIVE         goal 12 s for 1000
    stop    os-stop each                  -> all SHUTOFF        goal 10 s
    start   os-start each                 -> all ACTIVE         goal 10 s
    list    GET /servers/detail (all)     p50                   goal 50 ms
            GET /servers/detail?limit=100 p50                   goal 10 ms
    delete  DELETE each                   -> all gone           goal 10 s

A phase's time runs from its first request to the moment a listing shows every server
settled (the wanted status and no task_state); the listing is polled every
``--poll-interval`` seconds, in pages of the API's max_limit. While every server is up,
it checks the claims: no host over its allocation ratio in os-hypervisors. Each phase also
counts servers that went ERROR. The scheduler's decision time per request (filter, weigh
and claim, as its log line "decided in" says) is printed per host count, so running
``--hosts 2,10`` shows whether it stays flat as hosts are added. CPU seconds are summed
per service. ``--conductors N`` and ``--schedulers N`` start more of each (as a second
controller host would), sharing the work through their RabbitMQ topics.
``--conductor-cpu F`` caps each conductor process at F of one core (a cgroup of its own;
root), as on a small controller host: then the conductor is the bottleneck, and running
the same with ``--conductors 1`` and ``--conductors 2`` shows what a second one adds.

Usage: python tools/bench_scale.py [--hosts 10] [--count 1000] [--concurrency 50]
       [--database sqlite|postgresql] [--conductors 1] [--schedulers 1]
       [--conductor-cpu 0.1]
Needs a source checkout with the test requirements, RabbitMQ and rabbitmqctl (as
``bench_lifecycle.py --start-cloud``); the figures are for a quiet machine.
"""
import argparse
import concurrent.futures
import contextlib
import math
import os
import pathlib
import re
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_footprint as footprint  # noqa: E402
import bench_lifecycle as lifecycle  # noqa: E402
import cpu_cap  # noqa: E402

GOALS_S = {"boot": 12.0, "stop": 10.0, "start": 10.0, "delete": 10.0}  # for 1000 servers
GOAL_DETAIL_MS, GOAL_PAGE_MS = 50.0, 10.0
TINY = {"ram": 512, "vcpus": 1, "disk": 1}  # flavorRef "1" of the functional cloud
DECIDED = re.compile(r"goes to \S+ \((\d+) of (\d+) hosts passed the filters; "
                     r"decided in ([\d.]+) ms, the claim ([\d.]+) ms\)")


class Scale:
    """One cloud's run: the phases, timed from the first request to all settled."""

    def __init__(self, api: lifecycle.ApiClient, args, image_id: str):
        self.api, self.args, self.image_id = api, args, image_id
        self.prefix = f"scale-{uuid.uuid4().hex[:6]}-"
        self.ids: list[str] = []
        self.errors: list[str] = []

    def listing(self, path: str = "/v2.1/servers/detail") -> list[dict]:
        """Every server of this run, page by page (the API caps a page at max_limit)."""
        servers, marker = [], None
        while True:
            query = f"?name=^{self.prefix}&limit=1000" + (f"&marker={marker}" if marker
                                                           else "")
            status, body = self.api.get(path + query)
            if status != 200:
                raise lifecycle.BenchError(f"GET {path}{query} answered {status}: {body}")
            page = body["servers"]
            servers += page
            if len(page) < 1000:
                return servers
            marker = page[-1]["id"]

    def _send(self, requests: list) -> None:
        """Send ``requests`` ((method, path, body, accepted codes)) with --concurrency
        in flight; a refused one is an error of the run."""
        def send(request):
            method, path, body, accepted = request
            status, reply = self.api.write(method, path, body)
            if status not in accepted:
                return f"{method} {path}: {status} {reply}"
            return reply if method == "POST" and path.endswith("/servers") else None

        with concurrent.futures.ThreadPoolExecutor(self.args.concurrency) as pool:
            for result in pool.map(send, requests):
                if isinstance(result, str):
                    self.errors.append(result)
                elif result:
                    self.ids.append(result["server"]["id"])

    def _settled(self, want: str, started: float) -> tuple[float, int]:
        """Poll until every server shows ``want`` with no task_state (or, for "GONE",
        none is left); (seconds since ``started``, servers in ERROR)."""
        deadline = started + self.args.timeout
        while True:
            servers = self.listing()
            now = time.perf_counter()
            errored = sum(s["status"] == "ERROR" for s in servers)
            if want == "GONE":
                done = not servers
            else:
                done = len(servers) == len(self.ids) and all(
                    s["status"] in (want, "ERROR") and s["OS-EXT-STS:task_state"] is None
                    for s in servers)
            if done:
                return now - started, errored
            if now > deadline:
                states = {}
                for s in servers:
                    key = (s["status"], s["OS-EXT-STS:task_state"])
                    states[key] = states.get(key, 0) + 1
                raise lifecycle.BenchError(f"not all {want} after {self.args.timeout} s: "
                                           f"{states}")
            time.sleep(self.args.poll_interval)

    def phase(self, name: str, requests: list, want: str) -> tuple[float, int]:
        started = time.perf_counter()
        self._send(requests)
        took, errored = self._settled(want, started)
        print(f"  {name:<7} {len(requests)} requests, all {want} in {took:6.2f} s"
              f"{f', {errored} in ERROR' if errored else ''}")
        return took, errored

    def run(self) -> dict:
        figures: dict = {}
        count = self.args.count
        boots = [("POST", "/v2.1/servers", {"server": {
            "name": f"{self.prefix}{i}", "flavorRef": "1", "imageRef": self.image_id}},
            (202,)) for i in range(count)]
        figures["boot"] = self.phase("boot", boots, "ACTIVE")
        figures["claims"] = self.check_claims()
        actions = "/v2.1/servers/{}/action"
        figures["stop"] = self.phase("stop", [
            ("POST", actions.format(s), {"os-stop": None}, (202,)) for s in self.ids],
            "SHUTOFF")
        figures["start"] = self.phase("start", [
            ("POST", actions.format(s), {"os-start": None}, (202,)) for s in self.ids],
            "ACTIVE")
        figures["detail"] = self.time_get(f"/v2.1/servers/detail?name=^{self.prefix}")
        figures["page"] = self.time_get(f"/v2.1/servers/detail?name=^{self.prefix}"
                                        "&limit=100")
        return figures

    def delete_all(self) -> tuple[float, int]:
        return self.phase("delete", [("DELETE", f"/v2.1/servers/{s}", None, (204, 404))
                                     for s in self.ids], "GONE")

    def time_get(self, path: str) -> float:
        samples = []
        for _ in range(self.args.detail_samples):
            started = time.perf_counter()
            status, body = self.api.get(path)
            samples.append(time.perf_counter() - started)
            if status != 200:
                raise lifecycle.BenchError(f"GET {path} answered {status}: {body}")
        return lifecycle.percentile(samples, 50) * 1e3

    def check_claims(self) -> str:
        """Every host within its allocation ratio, as os-hypervisors shows its usage."""
        status, body = self.api.get("/v2.1/os-hypervisors/detail")
        if status != 200:
            raise lifecycle.BenchError(f"GET /v2.1/os-hypervisors/detail: {status} {body}")
        over, used = [], 0
        for hyp in body["hypervisors"]:
            used += hyp["running_vms"]
            for resource, ratio in (("memory_mb", self.args.ratio),
                                    ("vcpus", self.args.ratio)):
                if hyp[f"{resource}_used"] > hyp[resource] * ratio:
                    over.append(f"{hyp['hypervisor_hostname']} {resource}")
        spread = sorted(h["running_vms"] for h in body["hypervisors"])
        verdict = "none over its ratio" if not over else f"OVER: {', '.join(over)}"
        return f"{used} claimed, {spread[0]}-{spread[-1]} per host, {verdict}"


def scheduler_decisions(log_dir: pathlib.Path) -> list[tuple[float, float]]:
    """The decision times the schedulers logged (each scheduler has its own log), each
    with the time its claim took (the database write that ends it)."""
    return [(float(m.group(3)), float(m.group(4)))
            for log in sorted(log_dir.glob("mininova-scheduler*.log"))
            for m in DECIDED.finditer(log.read_text(errors="replace"))]


def cidr(count: int) -> str:
    """The smallest network with an address for each server (a functional cloud's /24
    has 253), the gateway, the network and broadcast addresses."""
    return f"10.98.0.0/{min(24, 32 - math.ceil(math.log2(count + 3)))}"


@contextlib.contextmanager
def scale_cloud(hosts: int, args):
    """A private cloud of ``hosts`` test-driver computes; yield (API URL, config, logs)."""
    if args.database != "sqlite":
        os.environ["MININOVA_TEST_DB"] = args.database
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    try:
        from tests.functional import conftest as functional
    except ImportError as exc:
        raise lifecycle.BenchError("a source checkout with the test requirements is "
                                   f"needed ({exc})") from exc
    with contextlib.ExitStack() as stack:
        if args.keep:
            base = pathlib.Path(tempfile.mkdtemp(prefix="mininova-scale-"))
            print(f"logs and database kept in {base}")
        else:
            base = pathlib.Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="mininova-scale-")))
        # NOTE: the deployment defaults, not the functional tests' debug logs, 1 s
        # heartbeats and notifications (bench_footprint's), then the run's own ratios
        # (later lines win) and a network with an address for every server.
        with functional.private_cloud(
                base, compute_hosts=tuple(f"scale{i}" for i in range(1, hosts + 1)),
                extra_conf=(f"\n{footprint.PRODUCTION_CONF}\n[DEFAULT]\n"
                            f"ram_allocation_ratio = {args.ratio}\n"
                            f"cpu_allocation_ratio = {args.ratio}\n"
                            f"disk_allocation_ratio = {args.ratio}\n"
                            f"[network]\ncidr = {cidr(args.count)}\n"),
                notifications=False) as (cloud, services):
            conf = str(base / "mininova.conf")
            extra = [("mininova-conductor", n) for n in range(2, args.conductors + 1)]
            extra += [("mininova-scheduler", n) for n in range(2, args.schedulers + 1)]
            for binary, n in extra:
                host_conf = base / f"controller{n}.conf"
                host_conf.write_text(f"[DEFAULT]\nhost = controller{n}\n")
                services.start(f"{binary}-{n}", [functional._find_script(binary),
                                                 "--config-file", conf,
                                                 "--config-file", str(host_conf)])
            if extra:
                wait_services_up(cloud, {f"controller{n}" for _, n in extra}, len(extra))
            yield cloud, conf


def wait_services_up(cloud, hosts: set[str], count: int) -> None:
    """Poll os-services until ``count`` services of ``hosts`` report up."""
    api = lifecycle.ApiClient(cloud.api_url, "admin:admin")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, reply = api.get("/v2.1/os-services")
        if status == 200 and sum(s["state"] == "up" and s["host"] in hosts
                                 for s in reply["services"]) >= count:
            return
        time.sleep(0.2)
    raise lifecycle.BenchError(f"the extra services on {sorted(hosts)} not up after 60 s")


def run_one(hosts: int, args) -> tuple[dict, list[float], dict[str, float]]:
    with scale_cloud(hosts, args) as (cloud, config_file):
        api = lifecycle.ApiClient(cloud.api_url, "admin:admin")
        restore_quota = lifecycle.Lifecycle(api, args)._lift_quota()
        scale = Scale(api, args, cloud.image_id)
        load = " / ".join(f"{avg:.1f}" for avg in os.getloadavg())
        print(f"\n{hosts} hosts, {args.count} servers, {args.concurrency} in flight, "
              f"{args.database}, {args.conductors} conductor(s), {args.schedulers} "
              f"scheduler(s) (load average {load})")
        cpu_before = lifecycle.mininova_cpu_seconds(config_file)
        conductors = [pid for pid, (program, _) in cpu_before.items()
                      if program == "mininova-conductor"]
        with contextlib.ExitStack() as stack:
            if args.conductor_cpu:
                stack.enter_context(cpu_cap.capped(conductors, args.conductor_cpu))
                print(f"each of the {len(conductors)} conductor process(es) capped at "
                      f"{args.conductor_cpu:g} of a core")
            try:
                figures = scale.run()
            finally:
                figures_delete = scale.delete_all()
                restore_quota()
        figures["delete"] = figures_delete
        cpu = {}
        for pid, (program, seconds) in lifecycle.mininova_cpu_seconds(config_file).items():
            spent = seconds - cpu_before.get(pid, (program, 0.0))[1]
            cpu[program] = cpu.get(program, 0.0) + spent
        figures["errors"] = scale.errors
        return figures, scheduler_decisions(cloud.log_dir), cpu


def report(hosts: int, figures: dict, decisions: list[tuple[float, float]], cpu: dict,
           count: int):
    scale = count / 1000
    print(f"\n{'figure':<36}{'measured':>12}{'goal':>12}")
    for name in ("boot", "stop", "start", "delete"):
        took, errored = figures[name]
        goal = GOALS_S[name] * scale
        mark = "" if took <= goal and not errored else "  (not met)"
        print(f"{name + ' all -> settled':<36}{took:>10.2f} s{goal:>10.1f} s"
              f"   ({count / took:.0f} a second){mark}")
    for name, label, goal in (("detail", f"detail of {count} p50", GOAL_DETAIL_MS),
                              ("page", "detail limit=100 p50", GOAL_PAGE_MS)):
        mark = "" if figures[name] <= goal else "  (not met)"
        print(f"{label:<36}{figures[name]:>9.1f} ms{goal:>9.0f} ms{mark}")
    if decisions:
        p50, _p90, p95, worst = lifecycle.stats([d / 1e3 for d, _ in decisions])  # in ms
        print(f"{'scheduler decision p50 / p95':<36}{p50:>6.2f}/{p95:.2f} ms"
              f"   ({len(decisions)} decisions over {hosts} hosts, max {worst:.1f} ms)")
        p50, _p90, p95, worst = lifecycle.stats([c / 1e3 for _, c in decisions])
        print(f"{'  of which the claim p50 / p95':<36}{p50:>6.2f}/{p95:.2f} ms"
              f"   (max {worst:.1f} ms: the database write, queued behind others)")
    print(f"claims while all were up: {figures['claims']}")
    print(f"CPU seconds: {sum(cpu.values()):.1f} in all; " + ", ".join(
        f"{program} {seconds:.1f}" for program, seconds in sorted(cpu.items())))
    if figures["errors"]:
        print(f"{len(figures['errors'])} request(s) refused, e.g. {figures['errors'][0]}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--hosts", default="10",
                        help="compute hosts, or a comma list of counts to compare")
    parser.add_argument("--count", type=int, default=1000, help="servers")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--poll-interval", type=float, default=0.2, help="seconds")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds a phase may take")
    parser.add_argument("--detail-samples", type=int, default=20)
    parser.add_argument("--conductors", type=int, default=1)
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--conductor-cpu", type=float, default=None, metavar="F",
                        help="cap each conductor process at F of one core (root)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each cloud's directory (logs, SQLite file)")
    args = parser.parse_args(argv)
    args.host_counts = [int(n) for n in args.hosts.split(",")]
    # NOTE: room for twice a host's even share of the servers (a test-driver host has
    # 3 GB and 16 vCPUs), so that the claims, not the capacity, are what is measured.
    per_host = 2 * -(-args.count // min(args.host_counts))
    args.ratio = max(4, -(-per_host * TINY["ram"] // 3072))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    failed = False
    for hosts in args.host_counts:
        figures, decisions, cpu = run_one(hosts, args)
        report(hosts, figures, decisions, cpu, args.count)
        failed |= bool(figures["errors"]) or any(
            figures[p][1] for p in ("boot", "stop", "start", "delete"))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (lifecycle.BenchError, cpu_cap.CapError) as exc:
        sys.exit(f"error: {exc}")
