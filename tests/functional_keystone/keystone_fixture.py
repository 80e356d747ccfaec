"""A real Keystone for the functional suites that authenticate (functional_keystone,
functional_tempest): its cached venv, its start, an admin session on its API, and
mininova's registration in its catalog.

``keystone_venv`` installs Keystone from PyPI into a virtualenv of its own (cached under
``~/.cache/mininova/keystone-venv/``, keyed by the Keystone and Python versions, so only
the first run pays for it). ``start_keystone`` gives it a database (a SQLite file by
default, or a database server's URL), fernet and credential keys, bootstraps it (admin
user and project, region RegionOne, the identity endpoint) and serves it with gunicorn on
127.0.0.1. ``register_mininova`` adds mininova's compute, image and network endpoints and its
service user; ``start_mininova_keystone`` starts the functional suite's mininova with
``[api] auth_strategy = keystone`` and a ``[keystone_authtoken]`` section written the way
Nova's is.
"""
import dataclasses
import fcntl
import getpass
import grp
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.functional.conftest import Mininova
from tests.functional.conftest import ServiceSet
from tests.functional.conftest import _free_port
from tests.functional.conftest import start_mininova

# NOTE: a release whose wheel declares Python >= 3.11 (Debian 12's python3 is 3.11);
# its own dependencies come unpinned from PyPI, and the cache keeps the first resolution.
KEYSTONE_VERSION = "30.0.0"
KEYSTONE_PIP_TIMEOUT = 900
KEYSTONE_STARTUP_DEADLINE = 60.0
REGION = "RegionOne"
DOMAIN = "Default"
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex[:8]
SERVICE_USER = "mininova"
SERVICE_PROJECT = "service"
# The Python driver Keystone's venv needs for each database backend (SQLite: none).
DB_DRIVERS = {"postgresql": "psycopg2-binary", "mysql": "PyMySQL"}


# --------------------------------------------------------------------------- the venv

def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mininova" / "keystone-venv"


def keystone_venv(extras: tuple = ()) -> Path:
    """The cached virtualenv with keystone==KEYSTONE_VERSION and gunicorn (plus the
    ``extras`` packages, e.g. a database driver), built when missing. Skips the session,
    with pip's words, when PyPI cannot provide it."""
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    venv = _cache_dir() / f"keystone-{KEYSTONE_VERSION}-{py}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # NOTE: built in place (a venv's scripts name its path, so it cannot be moved) under
    # a lock, and marked complete last: a half-built venv is rebuilt, never used. Extras
    # are added to a complete venv and recorded in the marker, one line each.
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / ".complete"
        if not marker.exists():
            _build_venv(venv)
        have = set(marker.read_text().split())
        missing = [pkg for pkg in extras if pkg not in have]
        if missing:
            _pip_install(venv, missing, rebuild_on_failure=False)
            marker.write_text("\n".join(sorted(have | set(missing))) + "\n")
    return venv


def _pip_install(venv: Path, packages: list, rebuild_on_failure: bool) -> None:
    argv = [str(venv / "bin" / "pip"), "install", "--disable-pip-version-check", "-q",
            *packages]
    what = " ".join(packages)
    try:
        result = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                timeout=KEYSTONE_PIP_TIMEOUT)
    except subprocess.TimeoutExpired:
        if rebuild_on_failure:
            shutil.rmtree(venv, ignore_errors=True)
        pytest.skip(f"installing {what} from PyPI took more than {KEYSTONE_PIP_TIMEOUT}s")
    if result.returncode != 0:
        if rebuild_on_failure:
            shutil.rmtree(venv, ignore_errors=True)
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        pytest.skip(f"cannot install {what} from PyPI (pip rc={result.returncode}):\n{tail}")


def _build_venv(venv: Path) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    # NOTE: ``-m venv`` from inside a venv builds on the base interpreter.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                   capture_output=True, timeout=120)
    _pip_install(venv, [f"keystone=={KEYSTONE_VERSION}", "gunicorn"], rebuild_on_failure=True)
    (venv / ".complete").write_text(f"keystone=={KEYSTONE_VERSION}\n")


# --------------------------------------------------------------------------- Keystone

@dataclasses.dataclass
class Keystone:
    """A running Keystone and an admin session on its API."""
    url: str  # the root, e.g. http://127.0.0.1:PORT (auth_url is url + "/v3")
    admin_password: str

    def __post_init__(self):
        self._session = requests.Session()
        self._session.trust_env = False
        self.admin_token = self.token("admin", self.admin_password, "admin")

    def token(self, user: str, password: str, project: str) -> str:
        """A project-scoped token for ``user`` (password authentication)."""
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"name": DOMAIN}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"name": DOMAIN}}}}}
        resp = self._session.post(f"{self.url}/v3/auth/tokens", json=body, timeout=30)
        assert resp.status_code == 201, f"token for {user}: {resp.status_code} {resp.text}"
        return resp.headers["X-Subject-Token"]

    def _call(self, method: str, path: str, body: dict | None = None,
              expect: tuple = (200, 201, 204)) -> dict:
        resp = self._session.request(method, f"{self.url}/v3{path}", json=body, timeout=30,
                                     headers={"X-Auth-Token": self.admin_token})
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else {}

    def create(self, kind: str, **attrs) -> str:
        """POST /v3/<kind>s; returns the new id."""
        return self._call("POST", f"/{kind}s", {kind: attrs})[kind]["id"]

    def find(self, kind: str, name: str) -> str:
        found = self._call("GET", f"/{kind}s?name={name}")[f"{kind}s"]
        assert len(found) == 1, f"{kind} {name!r}: {found}"
        return found[0]["id"]

    def grant(self, project_id: str, user_id: str, role: str) -> None:
        role_id = self.find("role", role)
        self._call("PUT", f"/projects/{project_id}/users/{user_id}/roles/{role_id}")

    def add_user(self, name: str, password: str, project: str, roles: tuple) -> str:
        """A user of the default domain with ``roles`` on ``project`` (created)."""
        project_id = self.create("project", name=project, domain_id="default")
        user_id = self.create("user", name=name, password=password, domain_id="default",
                              default_project_id=project_id)
        for role in roles:
            self.grant(project_id, user_id, role)
        return user_id

    def add_endpoint(self, service_type: str, name: str, url: str) -> None:
        service_id = self.create("service", type=service_type, name=name)
        for interface in ("public", "internal"):
            self.create("endpoint", service_id=service_id, interface=interface, url=url,
                        region_id=REGION)


def _write_keystone_conf(base: Path, log_dir: Path, db_url: str, extra: str) -> Path:
    path = base / "keystone.conf"
    path.write_text(f"""\
[DEFAULT]
log_file = {log_dir / "keystone-server.log"}

[database]
connection = {db_url}

[token]
provider = fernet

[fernet_tokens]
key_repository = {base / "fernet-keys"}

[fernet_receipts]
key_repository = {base / "fernet-keys"}

[credential]
key_repository = {base / "credential-keys"}
{extra}""")
    return path


def start_keystone(services: ServiceSet, base: Path, venv: Path, *, db_url: str | None = None,
                   workers: int = 2, threads: int = 1, extra_conf: str = "") -> Keystone:
    """Prepare Keystone's database (``db_url``, default a SQLite file under ``base``) and
    keys, bootstrap it and serve it with gunicorn (``workers`` processes of ``threads``
    threads each); ``extra_conf`` is appended to keystone.conf."""
    conf = _write_keystone_conf(base, services.log_dir,
                                db_url or f"sqlite:///{base / 'keystone.sqlite'}", extra_conf)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    manage = [str(venv / "bin" / "keystone-manage"), "--config-file", str(conf)]
    owner = ["--keystone-user", getpass.getuser(),
             "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
    services.run(manage + ["db_sync"], timeout=300)
    services.run(manage + ["fernet_setup", *owner])
    services.run(manage + ["credential_setup", *owner])
    services.run(manage + [
        "bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
        "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
        "--bootstrap-role-name", "admin", "--bootstrap-region-id", REGION,
        "--bootstrap-public-url", f"{url}/v3", "--bootstrap-internal-url", f"{url}/v3",
        "--bootstrap-admin-url", f"{url}/v3"])
    # NOTE: keystone.wsgi.api builds its app from OS_KEYSTONE_CONFIG_FILES at import and
    # parses sys.argv with oslo.config, so gunicorn gets no argument of its own: its
    # settings come from a config file named by GUNICORN_CMD_ARGS.
    gunicorn_conf = base / "keystone-gunicorn.conf.py"
    gunicorn_conf.write_text(f"""\
wsgi_app = "keystone.wsgi.api:application"
bind = "127.0.0.1:{port}"
workers = {workers}
threads = {threads}
timeout = 120
accesslog = "-"
""")
    services.start("keystone", [str(venv / "bin" / "gunicorn")],
                   env={"OS_KEYSTONE_CONFIG_FILES": str(conf),
                        "GUNICORN_CMD_ARGS": f"--config {gunicorn_conf}"})
    session = requests.Session()
    session.trust_env = False
    end = time.monotonic() + KEYSTONE_STARTUP_DEADLINE
    last = None
    while time.monotonic() < end:
        services.check_alive()
        try:
            resp = session.get(f"{url}/v3", timeout=2)
            if resp.status_code == 200:
                return Keystone(url=url, admin_password=ADMIN_PASSWORD)
            last = f"{resp.status_code} {resp.text}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.2)
    pytest.fail(f"Keystone at {url} did not answer within {KEYSTONE_STARTUP_DEADLINE}s "
                f"(last: {last})\n{services.log_tails()}")


# --------------------------------------------------------------------------- mininova

def register_mininova(keystone: Keystone, api_url: str) -> str:
    """mininova's compute (``api_url``/v2.1), image (``api_url``/image) and network
    (``api_url``/network) endpoints and its service user (roles admin and service on
    project service); returns that user's password."""
    keystone.add_endpoint("compute", "mininova", f"{api_url}/v2.1")
    keystone.add_endpoint("image", "mininova-image", f"{api_url}/image")
    keystone.add_endpoint("network", "mininova-network", f"{api_url}/network")
    service_password = uuid.uuid4().hex
    keystone.add_user(SERVICE_USER, service_password, SERVICE_PROJECT, ("admin", "service"))
    return service_password


def _authtoken_conf(keystone: Keystone, password: str) -> str:
    """[api] auth_strategy and [keystone_authtoken] as an operator writes them for Nova
    (no memcached: tokens are cached in process)."""
    return f"""
[api]
auth_strategy = keystone

[keystone_authtoken]
www_authenticate_uri = {keystone.url}
auth_url = {keystone.url}
auth_type = password
project_domain_name = {DOMAIN}
user_domain_name = {DOMAIN}
project_name = {SERVICE_PROJECT}
username = {SERVICE_USER}
password = {password}
service_token_roles_required = true
"""


def start_mininova_keystone(services: ServiceSet, base: Path, keystone: Keystone, *,
                            transport_url: str, db_url: str, port: int,
                            service_password: str, extra_conf: str = "") -> Mininova:
    """tests/functional's start_mininova with auth_strategy=keystone, on the port already
    registered in Keystone's catalog; readiness is checked with a Keystone admin token."""
    return start_mininova(services, base, transport_url=transport_url, db_url=db_url,
                          extra_conf=_authtoken_conf(keystone, service_password) + extra_conf,
                          api_port=port, admin_token=keystone.admin_token)
