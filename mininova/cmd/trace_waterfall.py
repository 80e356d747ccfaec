"""``mininova-manage trace REQUEST_ID``: a request's trace as a waterfall in the terminal.

One line per span, nested under its parent, with its start offset and duration and a bar
on a common time scale; then where the time went: each service's own time (its spans'
durations less their children's).
"""
import collections
import json
import sys

from mininova.db import traces as db_traces

BAR_WIDTH = 40


def _tree(rows: list) -> list[tuple[int, object]]:
    """Spans depth-first in start order, each with its depth."""
    ids = {row.span_id for row in rows}
    children = collections.defaultdict(list)
    for row in rows:
        children[row.parent_id if row.parent_id in ids else None].append(row)
    out: list[tuple[int, object]] = []

    def walk(parent, depth):
        for row in sorted(children[parent], key=lambda r: r.start_ns):
            out.append((depth, row))
            walk(row.span_id, depth + 1)

    walk(None, 0)
    return out


def _self_times(rows: list) -> dict[str, float]:
    """Milliseconds each service spent itself (not waiting on its children)."""
    child_ns = collections.Counter()
    for row in rows:
        if row.parent_id:
            child_ns[row.parent_id] += row.duration_ns
    own: dict[str, float] = collections.Counter()
    for row in rows:
        own[f"{row.service}@{row.host}"] += max(row.duration_ns - child_ns[row.span_id], 0) / 1e6
    return own


def render(request_id: str, rows: list) -> str:
    start = min(row.start_ns for row in rows)
    end = max(row.start_ns + row.duration_ns for row in rows)
    scale = BAR_WIDTH / max(end - start, 1)
    lines = [f"Trace of {request_id}: {len(rows)} spans, {(end - start) / 1e6:.1f} ms",
             f"{'offset ms':>10} {'ms':>8}  {'':{BAR_WIDTH}}  service@host  span"]
    for depth, row in _tree(rows):
        offset = row.start_ns - start
        bar_start = int(offset * scale)
        bar_len = max(1, int(row.duration_ns * scale))
        bar = (" " * bar_start + "#" * bar_len)[:BAR_WIDTH].ljust(BAR_WIDTH)
        target = json.loads(row.attributes).get("target")
        detail = f" -> {target}" if target else ""
        flag = "" if row.status != "error" else "  [error]"
        lines.append(f"{offset / 1e6:10.2f} {row.duration_ns / 1e6:8.2f}  {bar}  "
                     f"{row.service}@{row.host}  {'  ' * depth}{row.name}{detail}{flag}")
    lines.append("")
    lines.append("Where the time went (each service's own time):")
    for who, ms in sorted(_self_times(rows).items(), key=lambda kv: -kv[1]):
        lines.append(f"  {ms:8.2f} ms  {who}")
    return "\n".join(lines)


def trace(args) -> None:
    rows = db_traces.get_by_request_id(args.request_id)
    if not rows:
        sys.exit(f"No trace recorded for {args.request_id} (is [tracing] enabled on the "
                 "services, and was the request made after that?)")
    print(render(args.request_id, rows))
