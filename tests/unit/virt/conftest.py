"""The libvirt driver on libvirt's in-process test hypervisor (``test:///default``)."""
import pytest

from mininova import conf
from mininova.virt.libvirt import driver as libvirt_driver


@pytest.fixture
def driver_host() -> str:
    """The host the ``drv`` fixture's driver is; a module overrides it to be another."""
    return "fake-host"


@pytest.fixture
def drv(tmp_path, flags, driver_host):
    """A started LibvirtDriver as ``driver_host``, its state_path the test's tmp_path."""
    flags(connection_uri="test:///default", group="libvirt")
    flags(host=driver_host, state_path=str(tmp_path))
    driver = libvirt_driver.LibvirtDriver(conf.CONF)
    driver.init_host(driver_host)
    yield driver
    driver.cleanup_host(driver_host)
