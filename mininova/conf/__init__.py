"""Configuration: every option lives in one module per group and is registered here.

Callers do ``from mininova import conf; CONF = conf.CONF``.
"""
from oslo_config import cfg

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

CONF = cfg.CONF

for _module in (default, api, compute, database, image, libvirt, metadata, metrics, network,
                notifications, quota, scheduler, tracing,
                upgrade_levels):
    _module.register_opts(CONF)
