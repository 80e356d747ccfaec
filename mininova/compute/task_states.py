"""Transitional states: what is being done to an instance right now (Nova's task_states)."""

SCHEDULING = "scheduling"
SPAWNING = "spawning"
POWERING_OFF = "powering-off"
POWERING_ON = "powering-on"
REBOOTING = "rebooting"
REBOOTING_HARD = "rebooting_hard"
DELETING = "deleting"
REBUILDING = "rebuilding"
REBUILD_SPAWNING = "rebuild_spawning"
RESIZE_PREP = "resize_prep"
RESIZE_MIGRATING = "resize_migrating"
RESIZE_MIGRATED = "resize_migrated"
RESIZE_FINISH = "resize_finish"
RESIZE_REVERTING = "resize_reverting"
MIGRATING = "migrating"

# The task states a compute sets itself as it carries a request on, after the one the
# request came in with (which the API or the conductor set).
_FLOWS = ((SCHEDULING, SPAWNING), (REBUILDING, REBUILD_SPAWNING),
          (RESIZE_PREP, RESIZE_MIGRATING, RESIZE_MIGRATED, RESIZE_FINISH))


def carried_on_from(task_state: str | None) -> list[str | None]:
    """``task_state`` and the states a compute may have moved it on to since."""
    for flow in _FLOWS:
        if task_state in flow:
            return list(flow[flow.index(task_state):])
    return [task_state]
