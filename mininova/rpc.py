"""RPC plumbing: the transport, the serializer that carries the request context and
versioned objects, and the client/server factories every rpcapi and service uses."""
import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher

from mininova import context as mn_context
from mininova import exception
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
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt) -> dict:
        return ctxt.to_dict()

    def deserialize_context(self, ctxt: dict):
        return mn_context.from_dict(ctxt)


def get_transport(conf: cfg.ConfigOpts) -> messaging.Transport:
    """The process's RPC transport; create it once and share it.

    mininova's messages travel on the exchange "mininova" unless control_exchange says
    otherwise, so it can share a broker with an OpenStack cloud.
    """
    messaging.set_transport_defaults(control_exchange="mininova")
    return messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_serializer() -> RequestContextSerializer:
    return RequestContextSerializer(objects_base.MininovaObjectSerializer())


def get_client(transport: messaging.Transport, topic: str, version: str,
               version_cap: str | None = None, retry: int | None = None) -> messaging.RPCClient:
    """An RPC client on ``topic``; callers ``prepare(server=..., version=...)`` per call.

    ``retry`` bounds the reconnection attempts when the broker is unreachable (None:
    forever, which suits services; the API bounds it to answer 503 instead of hanging).
    """
    target = messaging.Target(topic=topic, version=version)
    return messaging.get_rpc_client(transport, target, version_cap=version_cap,
                                    serializer=get_serializer(), retry=retry)


def get_server(transport: messaging.Transport, topic: str, host: str,
               endpoints: list) -> messaging.MessageHandlingServer:
    """A threading RPC server listening on ``topic`` for this ``host``."""
    target = messaging.Target(topic=topic, server=host)
    return messaging.get_rpc_server(transport, target, endpoints, executor="threading",
                                    serializer=get_serializer(),
                                    access_policy=dispatcher.DefaultRPCAccessPolicy)
