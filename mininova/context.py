"""The request context: who asks (user, project, admin) and the request id that follows
the request through every service, log line and instance action."""
from oslo_context import context as o_context


class RequestContext(o_context.RequestContext):
    """oslo.context's context; creating one makes it current for this thread's logging.

    In the API, the middleware attaches the policy enforcer so handlers can ask
    ``ctxt.can(rule)``; contexts received over RPC have none and never need one.
    """

    enforcer = None
    # NOTE: the W3C traceparent the caller's span sent along ([tracing] enabled).
    trace_carrier = None

    def can(self, rule: str, target: dict | None = None, fatal: bool = True) -> bool:
        """Whether this caller may do ``rule``; with ``fatal`` a refusal raises 403."""
        # NOTE: only the API enforces policy; imported here, oslo.policy (and the
        # requests and YAML libraries it brings) stays out of the other services.
        from mininova import policy

        return policy.authorize(self.enforcer, self, rule, target, do_raise=fatal)


def get_admin_context(request_id: str | None = None) -> RequestContext:
    """A context for a service's own work (heartbeats, periodic tasks, start-up, events).

    It becomes this thread's current context, so the log lines of that work carry its
    own request id rather than whatever ran last on the thread.
    """
    return RequestContext(is_admin=True, request_id=request_id)


def from_dict(values: dict) -> RequestContext:
    """Rebuild a context received over RPC; it becomes current for this thread."""
    return RequestContext.from_dict(values)
