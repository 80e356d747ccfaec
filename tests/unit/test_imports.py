"""What each service loads: the footprint goal (issue #13) depends on a compute not
importing what only the database holders or the API need."""
import subprocess
import sys

import pytest

# NOTE: a fresh interpreter per case: this one has imported everything already.
_SCRIPT = """
import sys
from mininova import objects
import mininova.cmd.{service}
objects.register_all()
import mininova.virt.libvirt.driver
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def _top_level_modules(service: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(service=service)],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_compute_loads_no_database_api_or_optional_library():
    loaded = _top_level_modules("compute")
    assert "oslo_messaging" in loaded and "libvirt" in loaded  # what it does need
    unwanted = {"sqlalchemy", "alembic", "falcon", "jsonschema", "oslo_policy", "gunicorn",
                "pycdlib", "prometheus_client", "opentelemetry", "dns", "cryptography"}
    assert loaded & unwanted == set()


@pytest.mark.parametrize("service", ["conductor", "scheduler"])
def test_database_holders_load_no_api_library(service):
    loaded = _top_level_modules(service)
    assert "sqlalchemy" in loaded
    assert loaded & {"falcon", "jsonschema", "oslo_policy", "gunicorn", "pycdlib"} == set()
