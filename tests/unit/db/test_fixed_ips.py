"""Address allocation on SQLite: lowest free first, and a lost race chooses among the
lowest few instead of the same address again."""
import concurrent.futures
import uuid

import pytest

from mininova import exception
from mininova.db import fixed_ips as db_fixed_ips

NET = "net-1"
CANDIDATES = [f"10.0.0.{i}" for i in range(2, 255)]


def _allocate(address=None) -> str:
    return db_fixed_ips.allocate(NET, str(uuid.uuid4()), "project", CANDIDATES,
                                 address=address)["address"]


def test_sequential_boots_get_the_lowest_free_addresses(db):
    assert [_allocate() for _ in range(3)] == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]
    db_fixed_ips.release_for_instance(
        db_fixed_ips.get_by_address(None, "10.0.0.3")["instance_uuid"])
    assert _allocate() == "10.0.0.3"


def test_a_lost_race_chooses_among_the_lowest_few(db, monkeypatch):
    for _ in range(2):
        _allocate()
    real_insert, tried = db_fixed_ips._insert, []

    def insert_losing_once(values):
        tried.append(values["address"])
        if len(tried) == 1:
            real_insert(dict(values, port_id=str(uuid.uuid4()),
                             instance_uuid=str(uuid.uuid4())))  # a concurrent boot wins
        return real_insert(values)

    monkeypatch.setattr(db_fixed_ips, "_insert", insert_losing_once)
    got = _allocate()
    assert tried[0] == "10.0.0.4"
    assert got == tried[1] and got in CANDIDATES[3:3 + db_fixed_ips._SPREAD], tried


def test_concurrent_boots_each_get_their_own_address(db):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: _allocate(), range(40)))
    assert len(set(got)) == 40


def test_a_requested_address_in_use_is_refused(db):
    _allocate("10.0.0.9")
    with pytest.raises(exception.FixedIpAlreadyInUse):
        _allocate("10.0.0.9")
