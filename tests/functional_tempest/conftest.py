"""The cloud tempest runs against: Keystone on a database server in front of a whole
mininova on the libvirt test driver (two computes), as devstack-lite's Keystone mode
builds it.

``cloud`` (session scope) creates a fresh Keystone database on the local PostgreSQL
(127.0.0.1:5432, user postgres) or MariaDB (127.0.0.1:3306, root): the backend
MININOVA_TEST_DB names when it is one of them, else PostgreSQL when it answers, else
MariaDB. Not SQLite: tempest's parallel workers create and delete users and projects at
once, and Keystone on SQLite answers them 500 "database is locked". Keystone hashes
passwords with 4 bcrypt rounds (dynamic credentials make a user per test class) and
serves with enough gunicorn workers and threads for two tempest workers. mininova itself
runs on MININOVA_TEST_DB's backend (default SQLite), with overcommit enough for the many
small servers tempest keeps at once on the 3 GB fake hosts, and gets a second image and
the flavors tests/functional creates.
"""
import dataclasses
import os
import socket
from collections.abc import Iterator

import pytest

from tests.functional.conftest import _SERVICES_KEY
from tests.functional.conftest import FLAVORS
from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT
from tests.functional.conftest import ApiClient
from tests.functional.conftest import Mininova
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _find_script
from tests.functional.conftest import _free_port
from tests.functional.conftest import database_url  # noqa: F401 - a fixture
from tests.functional.conftest import pytest_terminal_summary  # noqa: F401 - a hook
from tests.functional.conftest import rabbit_vhost  # noqa: F401 - a fixture
from tests.functional.conftest import server_database
from tests.functional_keystone.keystone_fixture import DB_DRIVERS
from tests.functional_keystone.keystone_fixture import Keystone
from tests.functional_keystone.keystone_fixture import keystone_venv
from tests.functional_keystone.keystone_fixture import register_mininova
from tests.functional_keystone.keystone_fixture import start_keystone
from tests.functional_keystone.keystone_fixture import start_mininova_keystone

IMAGE_ALT_NAME = "cirros-alt"
DB_PORTS = {"postgresql": 5432, "mysql": 3306}
# NOTE: two tempest workers, each with up to a handful of requests in flight (its own,
# the cleanup of its dynamic credentials, keystonemiddleware's token validation from
# mininova-api's workers): 2 processes x 4 threads keep them from queueing.
KEYSTONE_WORKERS, KEYSTONE_THREADS = 2, 4
KEYSTONE_EXTRA_CONF = """
[identity]
password_hash_algorithm = bcrypt
password_hash_rounds = 4
"""
# NOTE: the test driver's hosts have 3 GB and 16 vCPUs; tempest keeps dozens of m1.tiny
# servers alive at once (class-level servers of every test class of both workers).
MININOVA_EXTRA_CONF = """
[DEFAULT]
ram_allocation_ratio = 64.0
cpu_allocation_ratio = 64.0
disk_allocation_ratio = 64.0
"""


@dataclasses.dataclass
class Cloud:
    """What tempest.conf is written from."""
    keystone: Keystone
    mininova: Mininova
    image_ref: str
    image_ref_alt: str
    flavor_ref: str
    flavor_ref_alt: str
    keystone_backend: str


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def keystone_backend() -> str:
    """postgresql or mysql: MININOVA_TEST_DB's when it names one, else whichever answers."""
    wanted = os.environ.get("MININOVA_TEST_DB", "").strip().lower()
    if wanted in DB_PORTS:
        return wanted
    for backend, port in DB_PORTS.items():
        if _port_open(port):
            return backend
    pytest.fail("tempest's Keystone needs PostgreSQL on 127.0.0.1:5432 (user postgres, "
                "trust) or MariaDB on 127.0.0.1:3306 (root, no password); neither answers")


def _add_image(services: ServiceSet, mininova: Mininova, token: str, name: str) -> str:
    """Register another image with mininova-manage, as tests/functional does the first."""
    conf = mininova.base_dir / "mininova.conf"
    services.run([_find_script("mininova-manage"), "--config-file", str(conf), "image",
                  "create", name, "--disk-format", "qcow2", "--container-format", "bare",
                  "--size", "1024"])
    api = ApiClient(mininova.api_url, token=token)
    resp = api.get("/v2.1/images")
    assert resp.status_code == 200, f"GET /v2.1/images: {resp.status_code} {resp.text}"
    ids = [img["id"] for img in resp.json()["images"] if img["name"] == name]
    assert len(ids) == 1, f"expected one image {name!r}: {resp.text}"
    return ids[0]


@pytest.fixture(scope="session")
def cloud(request, tmp_path_factory, rabbit_vhost, database_url) -> Iterator[Cloud]:  # noqa: F811
    """Keystone (on a database server) + mininova (auth_strategy=keystone) for the session."""
    backend = keystone_backend()
    venv = keystone_venv(extras=(DB_DRIVERS[backend],))
    base = tmp_path_factory.mktemp("tempest-cloud")
    log_dir = base / "logs"
    log_dir.mkdir()
    services = ServiceSet(log_dir)
    request.config.stash[_SERVICES_KEY] = services
    with server_database(backend, prefix="keystone") as keystone_db:
        if backend == "mysql":
            keystone_db += "?charset=utf8mb4"
        try:
            keystone = start_keystone(services, base, venv, db_url=keystone_db,
                                      workers=KEYSTONE_WORKERS, threads=KEYSTONE_THREADS,
                                      extra_conf=KEYSTONE_EXTRA_CONF)
            port = _free_port()
            service_password = register_mininova(keystone, f"http://127.0.0.1:{port}")
            mininova_base = base / "mininova"
            mininova_base.mkdir()
            mininova = start_mininova_keystone(
                services, mininova_base, keystone, port=port, db_url=database_url,
                transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/"
                              f"{rabbit_vhost}",
                service_password=service_password, extra_conf=MININOVA_EXTRA_CONF)
            image_alt = _add_image(services, mininova, keystone.admin_token, IMAGE_ALT_NAME)
            (tiny, small) = (FLAVORS[0][1], FLAVORS[1][1])
            yield Cloud(keystone=keystone, mininova=mininova, image_ref=mininova.image_id,
                        image_ref_alt=image_alt, flavor_ref=tiny, flavor_ref_alt=small,
                        keystone_backend=backend)
        finally:
            services.stop()

