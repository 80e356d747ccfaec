"""The RPC transport's defaults (rpc.get_transport), read without a broker: the rabbit
driver connects only when the first message goes out."""
from oslo_config import cfg

from mininova import rpc

RABBIT = "rabbit://guest:guest@127.0.0.1:1/"


def _conf(*config_lines: str, tmp_path) -> cfg.ConfigOpts:
    path = tmp_path / "rpc.conf"
    path.write_text("\n".join(["[DEFAULT]", f"transport_url = {RABBIT}", *config_lines]))
    conf = cfg.ConfigOpts()
    conf(["--config-file", str(path)])
    return conf


def test_queues_are_durable_so_a_broker_restart_keeps_queued_casts(tmp_path):
    conf = _conf(tmp_path=tmp_path)
    transport = rpc.get_transport(conf)
    try:
        assert conf.oslo_messaging_rabbit.amqp_durable_queues is True
    finally:
        transport.cleanup()


def test_an_operator_who_wants_transient_queues_keeps_them(tmp_path):
    conf = _conf("[oslo_messaging_rabbit]", "amqp_durable_queues = false", tmp_path=tmp_path)
    transport = rpc.get_transport(conf)
    try:
        assert conf.oslo_messaging_rabbit.amqp_durable_queues is False
    finally:
        transport.cleanup()
