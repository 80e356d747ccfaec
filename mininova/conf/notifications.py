"""[notifications] options: which of Nova's notifications mininova sends, and where.

Nothing is sent unless ``[oslo_messaging_notifications] driver`` names a driver
(``messagingv2`` puts them on the broker), as in Nova.
"""
from oslo_config import cfg

notifications_group = cfg.OptGroup("notifications", title="Notification options")

notifications_opts = [
    cfg.StrOpt("notification_format", default="unversioned",
               choices=[("unversioned", "Nova's legacy dictionaries (compute.instance.*)"),
                        ("versioned", "Nova's versioned payloads (nova_object.*)"),
                        ("both", "Both formats")],
               help="Which notification format to send. Nova's default is unversioned; "
                    "the versioned format is the one Nova documents and evolves."),
    cfg.StrOpt("notify_on_state_change",
               choices=[(None, "no instance.update on state changes"),
                        ("vm_state", "instance.update when vm_state changes"),
                        ("vm_and_task_state", "when vm_state or task_state changes")],
               help="Send instance.update (compute.instance.update) when a server's state "
                    "changes."),
    cfg.ListOpt("versioned_notifications_topics", default=["versioned_notifications"],
                help="Topics the versioned notifications are sent to."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(notifications_group)
    conf.register_opts(notifications_opts, group=notifications_group)


def list_opts() -> dict:
    return {notifications_group: notifications_opts}
