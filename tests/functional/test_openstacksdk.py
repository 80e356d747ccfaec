"""openstacksdk, in-process, against the running system in noauth2 mode, connected with
the README's clouds.yaml entry (``admin_token`` and the endpoint overrides):
``openstack.connect(cloud="mininova")`` and the compute and image proxies a script uses.
"""
import os

import pytest

from tests.functional import stock_cli
from tests.functional import stock_sdk

openstack = pytest.importorskip("openstack")

# NOTE: openstacksdk's own deprecation notices about its internals, and the one it gives
# when a 2.1 limits body carries maxPersonality* (removed from the API in 2.57, but
# rightly there at 2.1, the version the SDK asks limits at): not about our use.
pytestmark = [
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:openstack"),
    pytest.mark.filterwarnings("ignore:The field 'maxPersonality:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def conn(mininova, tmp_path_factory):
    path = tmp_path_factory.mktemp("openstacksdk") / "clouds.yaml"
    path.write_text(stock_cli.noauth2_clouds_yaml(mininova.api_url))
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("OS_")]:
            patch.delenv(name)
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        patch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        connection = openstack.connect(cloud=stock_cli.NOAUTH2_CLOUD)
        yield connection
        connection.close()


def test_image_upload_and_server_lifecycle(conn, servers, mininova):
    stock_sdk.image_upload_and_server_lifecycle(conn, servers, mininova)


def test_flavors_services_hypervisors_and_limits(conn, mininova):
    stock_sdk.flavors_services_hypervisors_and_limits(conn, mininova)


def test_create_server_with_an_address(conn, servers, mininova):
    stock_sdk.create_server_with_an_address(conn, servers, mininova)
