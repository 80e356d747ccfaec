"""The virt layer: what the compute manager asks of a hypervisor (see ``virt/driver.py``)."""
