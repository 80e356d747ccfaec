"""[tracing] options: spans for every hop of a request (OpenTelemetry), and their store."""
from oslo_config import cfg

tracing_group = cfg.OptGroup("tracing", title="Request tracing")

tracing_opts = [
    cfg.BoolOpt("enabled", default=False,
                help="Record a span for every hop of every request (API, compute API, "
                     "RPC casts and calls, conductor, scheduler, compute manager, virt "
                     "driver, database writes) and keep them in the cloud's database, "
                     "read with GET /mininova/v1/traces/{request_id} or mininova-manage "
                     "trace. Off, tracing costs nothing."),
    cfg.BoolOpt("trace_reads", default=False,
                help="Also trace API reads (GET and HEAD). Off, only requests that "
                     "change something start a trace: reads are most of an API's "
                     "traffic (every client polling a server's status) and say little "
                     "about Nova's request path."),
    cfg.FloatOpt("export_interval", default=5.0, min=0.1,
                 help="Seconds between two writes of a process's finished spans to the "
                      "store (each a single transaction, off the request path). Longer "
                      "means fewer, larger writes; a trace is complete in the store "
                      "about this long after its request."),
    cfg.IntOpt("max_queue_size", default=4096, min=64,
               help="Finished spans a process holds while they wait for the store "
                    "(written in one transaction every export_interval, or sooner once "
                    "half full); when it is full the oldest are dropped, with a "
                    "warning."),
    cfg.IntOpt("max_age", default=86400, min=60,
               help="Seconds a span is kept; the conductor prunes older ones."),
    cfg.IntOpt("max_spans", default=200000, min=1000,
               help="Spans kept at most; the conductor prunes the oldest beyond it."),
    cfg.URIOpt("otlp_endpoint",
               help="Also export spans to this OTLP/HTTP collector (e.g. Jaeger's "
                    "http://127.0.0.1:4318/v1/traces); needs the "
                    "opentelemetry-exporter-otlp-proto-http package."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(tracing_group)
    conf.register_opts(tracing_opts, group=tracing_group)


def list_opts() -> dict:
    return {tracing_group: tracing_opts}
