"""RPC plumbing: the transport, the serializer that carries the request context and
versioned objects, and the client/server factories every rpcapi and service uses."""
import contextlib

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher

from mininova import context as mn_context
from mininova import exception
from mininova import metrics
from mininova import tracing
from mininova.objects import base as objects_base

# NOTE: exceptions raised by a manager are re-raised on the caller's side only when
# their module is listed here.
ALLOWED_EXMODS = [exception.__name__]


class RequestContextSerializer(messaging.Serializer):
    """Serializes the RequestContext alongside the payload, so the request id and the
    caller's identity reach the remote service and its logs."""

    def __init__(self, base: messaging.Serializer | None = None):
        self._base = base or messaging.NoOpSerializer()

    def serialize_entity(self, ctxt, entity):
        entity = self._base.serialize_entity(ctxt, entity)
        tracing.count_payload(entity)
        return entity

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt) -> dict:
        values = ctxt.to_dict()
        carrier = tracing.inject()
        if carrier:
            values["trace"] = carrier
        return values

    def deserialize_context(self, ctxt: dict):
        carrier = ctxt.pop("trace", None)
        received = mn_context.from_dict(ctxt)
        received.trace_carrier = carrier
        return received


def get_transport(conf: cfg.ConfigOpts) -> messaging.Transport:
    """The process's RPC transport; create it once and share it.

    mininova's messages travel on the exchange "mininova" unless control_exchange says
    otherwise, so it can share a broker with an OpenStack cloud.
    """
    messaging.set_transport_defaults(control_exchange="mininova")
    transport = messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)
    keep_queued_messages(conf)
    return transport


def broker_address(conf: cfg.ConfigOpts) -> str:
    """Where the transport goes, without credentials (``rabbit://host:port/vhost``), for
    logs: a service waiting for its broker says which one."""
    url = messaging.TransportURL.parse(conf, conf.transport_url)
    hosts = ",".join(f"{h.hostname}:{h.port}" if h.port else str(h.hostname)
                     for h in url.hosts)
    return f"{url.transport}://{hosts}/{url.virtual_host or ''}"


def keep_queued_messages(conf: cfg.ConfigOpts) -> None:
    """Make durable queues the default, unless the config sets amqp_durable_queues.

    kombu sends every message persistent, so on durable queues a cast waiting for a busy
    or paused service survives a broker restart instead of vanishing with its queue and
    leaving the server's task_state set for ever. Nova leaves this to the operator;
    mininova loses nothing by default. The rabbit driver has registered its options by
    now and opens its connections lazily, so the default reaches every one of them (a
    transport without these options, fake:// in unit tests, has nothing to keep).
    """
    with contextlib.suppress(cfg.NoSuchOptError, cfg.NoSuchGroupError):
        conf.set_default("amqp_durable_queues", True, group="oslo_messaging_rabbit")


def get_serializer() -> RequestContextSerializer:
    return RequestContextSerializer(objects_base.MininovaObjectSerializer())


def get_client(transport: messaging.Transport, topic: str, version: str,
               version_cap: str | None = None, retry: int | None = None) -> messaging.RPCClient:
    """An RPC client on ``topic``; callers ``prepare(server=..., version=...)`` per call.

    ``retry`` bounds the reconnection attempts when the broker is unreachable (None:
    forever, which suits services; the API bounds it to answer 503 instead of hanging).
    """
    target = messaging.Target(topic=topic, version=version)
    client = messaging.get_rpc_client(transport, target, version_cap=version_cap,
                                      serializer=get_serializer(), retry=retry)
    if metrics.enabled() or tracing.enabled():
        return _InstrumentedClient(client, topic)
    return client


class _InstrumentedClient:
    """An RPC client whose calls and casts are timed for /metrics and traced as spans
    (the span is current while the context is serialized, so the callee continues it)."""

    def __init__(self, client, topic: str, server: str | None = None,
                 version: str | None = None) -> None:
        self._client, self._topic, self._server = client, topic, server
        self._version = version

    def prepare(self, **kwargs) -> "_InstrumentedClient":
        return _InstrumentedClient(self._client.prepare(**kwargs), self._topic,
                                   kwargs.get("server", self._server),
                                   kwargs.get("version", self._version))

    def can_send_version(self, version: str) -> bool:
        return self._client.can_send_version(version)

    def _span(self, kind: str, method: str, kwargs: dict):
        if not tracing.recording():
            return contextlib.nullcontext()
        # NOTE: payload_bytes grows as the serializer turns each argument into what goes
        # on the wire (tracing.count_payload), so nothing is serialized twice.
        name = f"rpc.{kind} {self._topic}.{method}{tracing.object_call(kwargs)}"
        return tracing.span(name, kind=f"rpc.{kind}",
                            target=self._server or self._topic, version=self._version,
                            payload_bytes=0)

    def call(self, ctxt, method: str, **kwargs):
        with metrics.rpc_timer("call", self._topic, method, self._server), \
                self._span("call", method, kwargs):
            return self._client.call(ctxt, method, **kwargs)

    def cast(self, ctxt, method: str, **kwargs) -> None:
        with metrics.rpc_timer("cast", self._topic, method, self._server), \
                self._span("cast", method, kwargs):
            self._client.cast(ctxt, method, **kwargs)


def get_server(transport: messaging.Transport, topic: str, host: str,
               endpoints: list) -> messaging.MessageHandlingServer:
    """A threading RPC server listening on ``topic`` for this ``host``."""
    target = messaging.Target(topic=topic, server=host)
    # NOTE: storing spans must not be traced (it would trace itself forever).
    endpoints = [tracing.wrap_endpoint(e, topic, frozenset({"record_spans", "ping"}))
                 for e in endpoints]
    return messaging.get_rpc_server(transport, target, endpoints, executor="threading",
                                    serializer=get_serializer(),
                                    access_policy=dispatcher.DefaultRPCAccessPolicy)
