"""tools/bench_lifecycle.py's choice of what to move: the flavor to resize to, and which
moves a cloud of one or two hosts allows (the rest is measured against real clouds)."""
import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import bench_lifecycle as bench  # noqa: E402

FLAVORS = [{"id": "1", "ram": 512, "vcpus": 1, "disk": 1},
           {"id": "0", "ram": 512, "vcpus": 1, "disk": 0},
           {"id": "big", "ram": 4096, "vcpus": 2, "disk": 40},
           {"id": "2", "ram": 2048, "vcpus": 1, "disk": 20},
           {"id": "lean", "ram": 256, "vcpus": 1, "disk": 20}]


class FakeApi:
    def __init__(self, hosts: int, flavors: list[dict] = FLAVORS):
        self.answers = {
            "/v2.1/os-hypervisors/detail": {"hypervisors": [
                {"state": "up", "status": "enabled"}] * hosts + [
                {"state": "down", "status": "enabled"}]},
            "/v2.1/flavors/detail": {"flavors": flavors}}

    def get(self, path: str):
        return 200, self.answers[path]


def _plan(hosts: int, same_host: bool = False, flavor=None, flavors=FLAVORS):
    args = argparse.Namespace(resize_flavor=flavor, allow_resize_to_same_host=same_host)
    return bench.Lifecycle(FakeApi(hosts, flavors), args)._move_plan()


def test_two_hosts_resize_to_the_smallest_larger_flavor_and_migrate():
    flavor, migrate, reason = _plan(2)
    assert (flavor, migrate) == ("2", True) and "2 hosts" in reason


def test_an_explicit_flavor_wins():
    assert _plan(2, flavor="big")[0] == "big"


@pytest.mark.parametrize("same_host, expected", [(False, None), (True, "2")])
def test_one_host_moves_only_with_allow_resize_to_same_host(same_host, expected):
    flavor, migrate, reason = _plan(1, same_host=same_host)
    assert (flavor, migrate) == (expected, False)
    assert "skipped" in reason


def test_no_larger_flavor_skips_with_a_reason():
    flavor, _, reason = _plan(2, flavors=FLAVORS[:2])
    assert flavor is None and "--resize-flavor" in reason
