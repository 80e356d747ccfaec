"""Transitional states: what is being done to an instance right now (Nova's task_states)."""

SCHEDULING = "scheduling"
SPAWNING = "spawning"
POWERING_OFF = "powering-off"
POWERING_ON = "powering-on"
REBOOTING = "rebooting"
REBOOTING_HARD = "rebooting_hard"
DELETING = "deleting"
