"""Fixtures of the API tests: a falcon test client over a database that can boot."""
import oslo_messaging as messaging
import pytest
from falcon import testing

from mininova import conf
from mininova import objects
from mininova.api import wsgi

# The image boot_client registers (tests that boot name it as imageRef).
BOOT_IMAGE = "3c2e9b8a-1d2f-4a5b-8c7d-6e5f4a3b2c1d"


@pytest.fixture
def boot_client(db, admin_ctxt):
    """The API on the fake transport, with flavor "1" (m1.tiny) and image BOOT_IMAGE."""
    objects.Flavor(admin_ctxt, flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1,
                   root_gb=1, disabled=False, is_public=True).create()
    objects.Image(admin_ctxt, id=BOOT_IMAGE, name="cirros", disk_format="qcow2",
                  container_format="bare", size=1, status="active", min_disk=0,
                  min_ram=0).create()
    transport = messaging.get_rpc_transport(conf.CONF, url="fake://")
    return testing.TestClient(wsgi.create_app(conf.CONF, transport))
