"""Fixtures of the Keystone suite: a real Keystone in front of a whole mininova.

``deployment`` (session scope) starts Keystone (keystone_fixture.py: a cached venv from
PyPI, a SQLite database, gunicorn on 127.0.0.1), registers mininova's compute and image
endpoints in its catalog, creates mininova's service user, two projects with a member
each, and starts the functional suite's mininova with ``[api] auth_strategy = keystone``
and a ``[keystone_authtoken]`` section written the way Nova's is. Logs of every process
land under the session's tmp dir and their tails are printed when anything fails, as in
tests/functional.
"""
import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from tests.functional.conftest import _SERVICES_KEY
from tests.functional.conftest import RABBIT_HOST
from tests.functional.conftest import RABBIT_PORT
from tests.functional.conftest import Mininova
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _free_port
from tests.functional.conftest import pytest_terminal_summary  # noqa: F401 - a hook
from tests.functional.conftest import rabbit_vhost  # noqa: F401 - a fixture
from tests.functional_keystone.keystone_fixture import ADMIN_PASSWORD
from tests.functional_keystone.keystone_fixture import DOMAIN  # noqa: F401 - for the tests
from tests.functional_keystone.keystone_fixture import REGION  # noqa: F401 - for the tests
from tests.functional_keystone.keystone_fixture import Keystone
from tests.functional_keystone.keystone_fixture import keystone_venv
from tests.functional_keystone.keystone_fixture import register_mininova
from tests.functional_keystone.keystone_fixture import start_keystone
from tests.functional_keystone.keystone_fixture import start_mininova_keystone

# (user, project): a member each, in projects of their own.
MEMBERS = (("alice", "project-a"), ("bob", "project-b"))


@dataclasses.dataclass
class Deployment:
    """What the tests may know: Keystone, mininova, and the credentials of each user."""
    keystone: Keystone
    mininova: Mininova
    passwords: dict  # user name -> password ("admin" included)
    projects: dict  # user name -> project name
    project_ids: dict  # project name -> id



@pytest.fixture(scope="session")
def deployment(request, tmp_path_factory, rabbit_vhost) -> Iterator[Deployment]:  # noqa: F811
    """Keystone + mininova (auth_strategy=keystone) for the session; stopped at the end."""
    venv = keystone_venv()
    base = tmp_path_factory.mktemp("keystone-mininova")
    log_dir = base / "logs"
    log_dir.mkdir()
    services = ServiceSet(log_dir)
    request.config.stash[_SERVICES_KEY] = services
    try:
        keystone = start_keystone(services, base, venv)
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}"
        service_password = register_mininova(keystone, api_url)
        passwords = {"admin": ADMIN_PASSWORD}
        projects = {"admin": "admin"}
        project_ids = {"admin": keystone.find("project", "admin")}
        for user, project in MEMBERS:
            passwords[user] = uuid.uuid4().hex
            keystone.add_user(user, passwords[user], project, ("member",))
            projects[user] = project
            project_ids[project] = keystone.find("project", project)
        mininova_base = base / "mininova"
        mininova_base.mkdir()
        mininova = start_mininova_keystone(
            services, mininova_base, keystone, port=port,
            db_url=f"sqlite:///{mininova_base / 'mininova.sqlite'}",
            transport_url=f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{rabbit_vhost}",
            service_password=service_password)
        yield Deployment(keystone=keystone, mininova=mininova, passwords=passwords,
                         projects=projects, project_ids=project_ids)
    finally:
        services.stop()
