"""The libvirt compute driver: driver.py (operations), config.py (domain XML), host.py
(the connection and its lifecycle events)."""
