"""Base for the RPC-facing managers (compute, conductor, scheduler)."""
from collections.abc import Callable

import oslo_messaging as messaging


class Manager:
    """A manager is the endpoint of one service's RPC server.

    Subclasses set ``target`` (the RPC version they serve) and may list periodic tasks as
    ``(interval_seconds, callable)`` pairs in ``periodic_tasks()``.
    """

    target = messaging.Target(version="1.0")

    def __init__(self, host: str):
        self.host = host

    def init_host(self) -> None:
        """Work to do before the RPC server starts taking requests."""

    def cleanup_host(self) -> None:
        """Work to do after the RPC server has drained, before the process exits."""

    def periodic_tasks(self) -> list[tuple[int, Callable[[], None]]]:
        return []
