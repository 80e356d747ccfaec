"""[api] options for mininova-api."""
from oslo_config import cfg

api_group = cfg.OptGroup("api", title="Compute API options")

api_opts = [
    cfg.HostAddressOpt("bind_host", default="127.0.0.1",
                       help="Address mininova-api listens on. The default is loopback "
                            "because noauth2 lets anyone who reaches the port act as admin; "
                            "listening elsewhere is an explicit operator choice (with "
                            "auth_strategy = keystone)."),
    cfg.PortOpt("bind_port", default=8774, help="Port mininova-api listens on."),
    cfg.IntOpt("workers", default=2, min=1, help="Number of gunicorn worker processes."),
    cfg.IntOpt("threads", default=8, min=1, help="Threads per gunicorn worker."),
    cfg.StrOpt("auth_strategy", default="noauth2",
               choices=[("noauth2", "Development: X-Auth-Token is 'user:project', nothing "
                                    "is checked, the user 'admin' is an administrator."),
                        ("keystone", "keystonemiddleware's auth_token validates Keystone "
                                     "tokens (configured in [keystone_authtoken]); the "
                                     "token's roles drive the policy rules.")],
               help="How requests are authenticated. Version documents (GET /, /v2.1, "
                    "/image) answer without credentials under either strategy."),
    cfg.IntOpt("rpc_retry", default=3, min=0,
               help="Reconnection attempts to the message broker for one API request "
                    "before it fails with 503 (and any task_state it set is undone)."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="Largest number of items one list request returns."),
    cfg.BoolOpt("enable_instance_password", default=True,
                help="Answer a server create with its adminPass (the one asked for, or "
                     "a generated one), as Nova does. mininova has no guest agent: "
                     "nothing sets this password inside the guest."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(api_group)
    conf.register_opts(api_opts, group=api_group)


def list_opts() -> dict:
    return {api_group: api_opts}
