"""schemathesis fuzzes a running mininova from the OpenAPI description it serves: for
every operation it sends generated valid and invalid requests (bodies, query and path
parameters, headers), and no answer may be a 5xx. Bad input is the client's error, so
it must come back as a 4xx fault, whatever the database underneath.

The fuzzed system is a private one (its own database on the suite's backend and its own
RabbitMQ vhost), as the generated requests create flavors, disable services and set
quotas. Generation is deterministic with a fixed seed, so a run is repeatable; a failure
prints the curl line that reproduces it. schemathesis's stateful phase (chains of calls
following the ids that answers return) depends on those ids, so it is not run here; run
by hand it found the PostgreSQL NUL-character 500 that is now a 400. GET
/identity/v3/projects without ``name`` is left out: its 501 says, by design, that
noauth2 has no project registry to list.
"""
import subprocess

import pytest

from tests.functional.conftest import ADMIN_TOKEN
from tests.functional.conftest import _find_script
from tests.functional.conftest import private_cloud

SEED = "20261125"
EXAMPLES = "12"


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp("fuzzed"), compute_hosts=("fuzz1",)) as cloud:
        yield cloud[0]


def test_no_generated_request_gets_a_server_error(target, tmp_path):
    command = [
        _find_script("schemathesis"), "run", f"{target.api_url}/openapi.json",
        "--header", f"X-Auth-Token: {ADMIN_TOKEN}", "--checks", "not_a_server_error",
        "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "1",
        "--request-timeout", "20", "--exclude-path", "/identity/v3/projects",
        "--phases", "examples,coverage,fuzzing", "--generation-deterministic", "--no-color"]
    # NOTE: run in tmp_path: schemathesis keeps a .schemathesis/ cache in its cwd.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            cwd=tmp_path)
    assert result.returncode == 0, (
        f"schemathesis found server errors (rc={result.returncode}):\n{result.stdout[-6000:]}"
        f"\n{result.stderr[-2000:]}")
