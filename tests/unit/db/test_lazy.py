"""mininova.db.lazy: query modules that object modules name without importing them."""
import sys
import threading
from unittest import mock

from mininova import db


def test_lazy_module_is_the_module_on_use():
    from mininova.db import api as db_api

    deferred = db.lazy("api")
    assert deferred.utcnow is db_api.utcnow
    with mock.patch.object(db_api, "utcnow", return_value="now"):
        assert deferred.utcnow() == "now"


def test_first_use_from_many_threads_sees_the_whole_module(tmp_path, monkeypatch):
    """Threads racing to the first use all wait until the module has been executed."""
    # NOTE: the module takes its time to execute, so that the threads do race.
    (tmp_path / "slow_query_module.py").write_text(
        "import time\ntime.sleep(0.2)\n\ndef query():\n    return 'rows'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_query_module", raising=False)
    deferred = db._Deferred("slow_query_module")
    start, seen = threading.Barrier(8), []

    def use():
        start.wait()
        try:
            seen.append(deferred.query())
        except AttributeError as exc:
            seen.append(str(exc))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sys.modules.pop("slow_query_module", None)
    assert seen == ["rows"] * 8
