"""The trace store: spans written in batches, read by request id, pruned by age and size."""
import time

import sqlalchemy as sa

from mininova.db import api as db_api
from mininova.db import models


def add_spans(rows: list[dict]) -> None:
    """Store a batch of spans in one transaction (one executemany, no ORM objects)."""
    if rows:
        with db_api.session() as sess:
            sess.execute(sa.insert(models.TraceSpan.__table__), rows)


def get_by_request_id(request_id: str) -> list[models.TraceSpan]:
    """Every span of the traces that ``request_id`` took part in, earliest first."""
    span = models.TraceSpan
    traces = sa.select(span.trace_id).where(span.request_id == request_id).distinct()
    with db_api.session() as sess:
        return list(sess.scalars(sa.select(span).where(span.trace_id.in_(traces))
                                 .order_by(span.start_ns, span.id)))


def prune(max_age: int, max_spans: int) -> int:
    """Delete spans older than ``max_age`` seconds, then the oldest beyond ``max_spans``."""
    span = models.TraceSpan
    cutoff = time.time_ns() - max_age * 1_000_000_000
    with db_api.session() as sess:
        deleted = sess.execute(sa.delete(span).where(span.start_ns < cutoff)).rowcount
        keep_from = sess.scalar(sa.select(span.start_ns).order_by(span.start_ns.desc())
                                .offset(max_spans).limit(1))
        if keep_from is not None:
            deleted += sess.execute(sa.delete(span).where(span.start_ns <= keep_from)).rowcount
    return deleted
