"""The request context: who asks (user, project, admin) and the request id that follows
the request through every service, log line and instance action."""
from oslo_context import context as o_context


class RequestContext(o_context.RequestContext):
    """oslo.context's context; creating one makes it current for this thread's logging."""

    def to_policy_values(self) -> dict:
        values = super().to_policy_values()
        values["is_admin"] = self.is_admin
        return values


def get_admin_context(request_id: str | None = None) -> RequestContext:
    """A context for a service's own work (heartbeats, periodic tasks, start-up, events).

    It becomes this thread's current context, so the log lines of that work carry its
    own request id rather than whatever ran last on the thread.
    """
    return RequestContext(is_admin=True, request_id=request_id)


def from_dict(values: dict) -> RequestContext:
    """Rebuild a context received over RPC; it becomes current for this thread."""
    return RequestContext.from_dict(values)
