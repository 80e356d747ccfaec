"""Stable states an instance rests in (Nova's vm_states)."""

ACTIVE = "active"
BUILDING = "building"
STOPPED = "stopped"
ERROR = "error"
DELETED = "deleted"
RESIZED = "resized"
