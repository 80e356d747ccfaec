"""The process's notifiers (oslo.messaging's Notifier on the notification transport),
one per format, made on first use; the payloads are built in notifications/base.py and
notifications/objects/."""
import threading

import oslo_messaging as messaging
from oslo_config import cfg

from mininova import rpc

_NOTIFIER_LOCK = threading.Lock()
_NOTIFIERS: dict = {}
# NOTE: which notifier sends which [notifications] notification_format.
_FORMATS = {"versioned": ("versioned", "both"), "legacy": ("unversioned", "both")}


def _notifier(kind: str) -> tuple[messaging.Notifier, bool]:
    """The process's notifier of ``kind`` ("versioned" or "legacy") and whether it sends
    anything, created on first use (after gunicorn forked its workers)."""
    with _NOTIFIER_LOCK:
        if kind not in _NOTIFIERS:
            conf = cfg.CONF
            transport = messaging.get_notification_transport(
                conf, allowed_remote_exmods=rpc.ALLOWED_EXMODS)
            rpc.keep_queued_messages(conf)
            kwargs = {}
            if kind == "versioned":
                kwargs["topics"] = conf.notifications.versioned_notifications_topics
            notifier = messaging.Notifier(transport, serializer=rpc.get_serializer(), **kwargs)
            wanted = conf.notifications.notification_format in _FORMATS[kind]
            drivers = conf.oslo_messaging_notifications.driver
            _NOTIFIERS[kind] = (notifier, wanted and any(d != "noop" for d in drivers))
        return _NOTIFIERS[kind]


def get_versioned_notifier(publisher_id: str) -> messaging.Notifier:
    return _notifier("versioned")[0].prepare(publisher_id=publisher_id)


def get_legacy_notifier(publisher_id: str) -> messaging.Notifier:
    return _notifier("legacy")[0].prepare(publisher_id=publisher_id)


def notifications_enabled(kind: str) -> bool:
    """Whether notifications of ``kind`` go anywhere (a driver is set and the format is
    wanted): callers skip building payloads otherwise, so notifications off cost nothing."""
    return _notifier(kind)[1]
