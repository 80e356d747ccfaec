"""The host CPU read from libvirt's capabilities XML (os-hypervisors cpu_info), and the
host uptime the compute driver reports (os-hypervisors at 2.88)."""
from unittest import mock

from mininova.virt import driver as virt_driver
from mininova.virt.libvirt import capabilities

REAL_HOST = """<capabilities><host>
  <uuid>4c4c4544-0042</uuid>
  <cpu>
    <arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor>
    <microcode version='240'/><signature family='6' model='94' stepping='3'/>
    <counter name='tsc' frequency='3407999000' scaling='no'/>
    <topology sockets='1' dies='1' clusters='1' cores='4' threads='2'/>
    <maxphysaddr mode='emulate' bits='39'/>
    <feature name='vmx'/><feature name='aes'/><feature name='hle' policy='disable'/>
  </cpu>
  <topology><cells num='1'><cell id='0'/></cells></topology>
</host></capabilities>"""


def test_real_host_cpu():
    assert capabilities.cpu_info(REAL_HOST) == {
        "arch": "x86_64", "model": "Skylake-Client-IBRS", "vendor": "Intel",
        "topology": {"cells": 1, "sockets": 1, "cores": 4, "threads": 2},
        "features": ["aes", "vmx"]}


def test_no_host_cpu_is_an_empty_description():
    assert capabilities.cpu_info("<capabilities><host/></capabilities>") == {}


def test_host_uptime_is_the_uptime_line():
    line = " 10:00:01 up 3 days,  2:01,  1 user,  load average: 0.01, 0.02, 0.00\n"
    with mock.patch.object(virt_driver.processutils, "execute",
                           return_value=(line, "")) as execute:
        uptime = virt_driver.ComputeDriver.get_host_uptime(mock.sentinel.driver)
    execute.assert_called_once_with("env", "LANG=C", "uptime")
    assert uptime == line.strip()
