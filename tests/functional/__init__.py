"""Functional tests: the real console scripts, a real RabbitMQ, a real database, libvirt's
test driver. Fixtures live in conftest.py; every test drives the system through HTTP only."""
