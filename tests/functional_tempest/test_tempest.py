"""tempest 47.0.0's Compute API suite against a Keystone-mode mininova.

The ``cloud`` fixture (conftest.py) starts Keystone on PostgreSQL or MariaDB and mininova
on the libvirt test driver with two computes; this test makes a tempest workspace under
the session's tmp dir (``tempest init``), writes its tempest.conf from
tempest.conf.template (the feature flags say what mininova has; each false one says
why), runs ``tempest run --regex '^tempest\\.api\\.compute\\.' --concurrency 2`` over the
whole package, less the tests exclude.txt names (each with a reason outside mininova),
prints tempest's totals and every failed test with its first error line, and fails if
any test failed.

Run it:  tox -e functional-tempest
Environment (all optional):
  MININOVA_TEMPEST_REGEX        the selection regex (default ^tempest\\.api\\.compute\\.),
                                e.g. 'tempest\\.api\\.compute\\.keypairs' for one area
  MININOVA_TEMPEST_CONCURRENCY  tempest workers (default 2)
  MININOVA_TEMPEST_TIMEOUT      seconds the whole tempest run may take (default 2400)
  MININOVA_TEST_DB              mininova's database (sqlite, postgresql, mysql); Keystone
                                uses it too when it is postgresql or mysql
Against another checkout: run tox from that checkout (the env installs it), or point
``pytest tests/functional_tempest`` of this one at a venv where the other is installed.
The workspace (tempest.conf, tempest.log, the stestr repository) is kept under pytest's
basetemp and its path printed, so ``stestr last`` there shows the run again.
"""
import io
import os
import re
import string
import subprocess
import time
from pathlib import Path

import pytest

from tests.functional.conftest import ApiClient
from tests.functional.conftest import _find_script
from tests.functional_keystone.keystone_fixture import REGION

HERE = Path(__file__).parent
DEFAULT_REGEX = r"^tempest\.api\.compute\."
DEFAULT_TIMEOUT = 2400
FIRST_LINE_CHARS = 400


def _versions(cloud) -> tuple:
    """(min, max) microversion from GET /v2.1, as tempest.conf states them."""
    api = ApiClient(cloud.mininova.api_url, token=cloud.keystone.admin_token)
    resp = api.get("/v2.1/")
    assert resp.status_code == 200, f"GET /v2.1/: {resp.status_code} {resp.text}"
    version = resp.json()["version"]
    return version["min_version"], version["version"]


def write_tempest_conf(cloud, workspace: Path) -> Path:
    """tempest.conf for ``cloud`` in ``workspace``/etc."""
    min_mv, max_mv = _versions(cloud)
    values = {
        "log_dir": workspace / "logs",
        "admin_password": cloud.keystone.admin_password,
        "identity_uri_v3": f"{cloud.keystone.url}/v3",
        "region": REGION,
        "image_ref": cloud.image_ref,
        "image_ref_alt": cloud.image_ref_alt,
        "flavor_ref": cloud.flavor_ref,
        "flavor_ref_alt": cloud.flavor_ref_alt,
        "min_microversion": min_mv,
        "max_microversion": max_mv,
        "min_compute_nodes": len(cloud.mininova.compute_hosts),
        "glance": "true",
        "lock_path": workspace / "locks",
    }
    template = string.Template((HERE / "tempest.conf.template").read_text())
    conf = workspace / "etc" / "tempest.conf"
    conf.parent.mkdir(exist_ok=True)
    conf.write_text(template.substitute(values))
    return conf


# --------------------------------------------------------------------------- results

def _first_error_line(details: dict) -> str:
    """The exception line(s) at the end of a test's traceback, or its skip reason."""
    text = ""
    for name in ("traceback", "reason"):
        if name in details:
            text = details[name].as_text()
            break
    lines = [line for line in text.strip().splitlines() if line.strip()]
    # NOTE: the message is what follows the last "File ..." frame's source line.
    last_frame = max((i for i, line in enumerate(lines) if line.lstrip().startswith("File ")),
                     default=-2)
    message = " | ".join(line.strip() for line in lines[last_frame + 2:] or lines[-1:])
    if len(message) <= FIRST_LINE_CHARS:
        return message
    # NOTE: a 400's message echoes the request body first and says what was wrong last.
    head = FIRST_LINE_CHARS * 2 // 3
    return f"{message[:head]} ... {message[head - FIRST_LINE_CHARS + 5:]}"


def read_results(workspace: Path) -> list:
    """[(test id, status, first error line)] of the workspace's last stestr run."""
    import subunit
    import testtools

    stream = subprocess.run([_find_script("stestr"), "last", "--subunit"], cwd=workspace,
                            capture_output=True, timeout=300).stdout
    results = []

    def on_test(test: dict) -> None:
        if test["status"] in ("exists", None):
            return
        results.append((test["id"], test["status"], _first_error_line(test["details"])))

    case = subunit.ByteStreamToStreamResult(io.BytesIO(stream),
                                            non_subunit_name="stdout")
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
    return results


def summarize(results: list, wall: float) -> str:
    counts = {"success": 0, "fail": 0, "skip": 0}
    for _, status, _ in results:
        counts[status if status in counts else "fail"] += 1
    lines = [f"tempest: {counts['success']} passed, {counts['fail']} failed, "
             f"{counts['skip']} skipped in {wall:.0f}s"]
    for test_id, status, first in sorted(results):
        if status not in ("success", "skip"):
            lines.append(f"FAILED {_short_id(test_id)}: {first}")
    return "\n".join(lines)


def _short_id(test_id: str) -> str:
    """The id without tempest's ``[id-...,tags]`` suffix."""
    return re.sub(r"\[.*\]$", "", test_id)


# --------------------------------------------------------------------------- the test

def test_tempest_compute_api(cloud, tmp_path_factory):
    """tempest.api.compute passes: every test that runs, passes."""
    workspace = tmp_path_factory.mktemp("tempest-workspace")
    tempest = _find_script("tempest")
    subprocess.run([tempest, "init", "--workspace-path", str(workspace / "workspace.yaml"),
                    str(workspace)], check=True, capture_output=True, timeout=120)
    write_tempest_conf(cloud, workspace)
    regex = os.environ.get("MININOVA_TEMPEST_REGEX") or DEFAULT_REGEX
    concurrency = os.environ.get("MININOVA_TEMPEST_CONCURRENCY") or "2"
    timeout = float(os.environ.get("MININOVA_TEMPEST_TIMEOUT") or DEFAULT_TIMEOUT)
    argv = [tempest, "run", "--regex", regex, "--concurrency", concurrency,
            "--exclude-list", str(HERE / "exclude.txt")]
    log = workspace / "tempest-run.log"
    print(f"\ntempest workspace: {workspace}\n$ {' '.join(argv)} (output: {log})")
    start = time.monotonic()
    with open(log, "wb") as out:
        try:
            proc = subprocess.run(argv, cwd=workspace, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout,
                                  env=dict(os.environ, PYTHONUNBUFFERED="1"))
        except subprocess.TimeoutExpired:
            pytest.fail(f"tempest run took more than {timeout:.0f}s; see {log}")
    wall = time.monotonic() - start
    results = read_results(workspace)
    summary = summarize(results, wall)
    (workspace / "summary.txt").write_text(summary + "\n")
    print(summary)
    assert results, f"tempest ran no test (rc={proc.returncode}); see {log}"
    failed = [r for r in results if r[1] not in ("success", "skip")]
    assert not failed, f"{len(failed)} tempest test(s) failed:\n{summary}"
    assert proc.returncode == 0, f"tempest run rc={proc.returncode}; see {log}"
