"""oslo.versionedobjects: the typed objects that travel over RPC.

``register_all()`` imports every object module so the registry knows them all.
"""


def register_all() -> None:
    """Import the object modules; each registers its classes on import."""
    __import__("mininova.objects.aggregate")
    __import__("mininova.objects.allocation")
    __import__("mininova.objects.compute_node")
    __import__("mininova.objects.flavor")
    __import__("mininova.objects.image")
    __import__("mininova.objects.instance")
    __import__("mininova.objects.instance_action")
    __import__("mininova.objects.instance_fault")
    __import__("mininova.objects.keypair")
    __import__("mininova.objects.migration")
    __import__("mininova.objects.request_spec")
    __import__("mininova.objects.service")
    __import__("mininova.objects.tag")
    __import__("mininova.objects.task_log")
