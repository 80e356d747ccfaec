"""Options listing for oslo-config-generator (namespace ``mininova.conf``)."""
import collections

from mininova.conf import api
from mininova.conf import compute
from mininova.conf import database
from mininova.conf import default
from mininova.conf import image
from mininova.conf import libvirt
from mininova.conf import metadata
from mininova.conf import metrics
from mininova.conf import network
from mininova.conf import notifications
from mininova.conf import quota
from mininova.conf import scheduler
from mininova.conf import tracing
from mininova.conf import upgrade_levels


def list_opts() -> list:
    """Return (group, options) pairs for the sample config generator."""
    merged: dict = collections.defaultdict(list)
    for module in (default, compute, api, database, image, libvirt, metadata, metrics, network,
                   notifications, quota, scheduler, tracing,
                   upgrade_levels):
        for group, opts in module.list_opts().items():
            merged[group].extend(opts)
    return list(merged.items())
