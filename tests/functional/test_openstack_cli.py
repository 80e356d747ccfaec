"""The unmodified ``openstack`` CLI (python-openstackclient, as a subprocess) against the
running system in development mode (noauth2, no Keystone), with the clouds.yaml entry the
README prints: ``admin_token`` and endpoint overrides for compute, image (/image) and
identity (/identity, the noauth2 Identity v3 subset that ``quota show|set PROJECT`` and
``limits show --project`` look the project up in).

The scenarios live in tests/functional/stock_cli.py, shared with the Keystone suite;
here a member of a new project is just a token ``user:project`` (``--os-token``).
"""
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.functional import stock_cli

# NOTE: openstacksdk's own deprecation notices about its internals, not about our use.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:openstack")


@pytest.fixture(scope="module")
def clouds_file(mininova, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("openstack-cli") / "clouds.yaml"
    path.write_text(stock_cli.noauth2_clouds_yaml(mininova.api_url))
    return path


def _noauth2_member(prefix: str) -> stock_cli.Principal:
    """A member of a new project: in noauth2 a token names any user and project."""
    project = stock_cli.unique(prefix)
    return stock_cli.Principal(name=f"{prefix}-user",
                               args=("--os-token", f"{prefix}-user:{project}"),
                               project_name=project, project_id=project)


@pytest.fixture(scope="module")
def cloud(clouds_file, mininova) -> stock_cli.StockCloud:
    binary = shutil.which("openstack", path=os.path.dirname(sys.executable))
    if binary is None:
        pytest.fail(f"the openstack CLI is not installed next to {sys.executable}: "
                    "pip install -r test-requirements-cli.txt into the test venv")
    cli = stock_cli.OpenStackCLI(binary, stock_cli.client_env(clouds_file),
                                 stock_cli.NOAUTH2_CLOUD)
    admin = stock_cli.Principal(name="admin", args=(), project_name="admin",
                                project_id="admin")
    return stock_cli.StockCloud(cli=cli, api=stock_cli.ApiClient(mininova.api_url),
                                mininova=mininova, admin=admin, new_member=_noauth2_member)


def test_image_and_server_lifecycle(cloud, servers, tmp_path):
    stock_cli.image_and_server_lifecycle(cloud, servers, tmp_path)


def test_flavors_services_and_hypervisors(cloud):
    stock_cli.flavors_services_and_hypervisors(cloud)


def test_limits_and_quota_exhaustion(cloud, servers):
    stock_cli.limits_and_quota_exhaustion(cloud, servers)


def test_quota_show_and_set(cloud):
    stock_cli.quota_show_and_set(cloud)


def test_networking(cloud, servers):
    stock_cli.networking(cloud, servers)
