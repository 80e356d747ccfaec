"""Keystone mode: keystonemiddleware in front of mininova-api, a real Keystone from PyPI,
and the stock openstack CLI with password authentication."""
