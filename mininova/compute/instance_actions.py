"""Names of the user-visible actions recorded in instance_actions."""

CREATE = "create"
DELETE = "delete"
START = "start"
STOP = "stop"
REBOOT = "reboot"
LOCK = "lock"
UNLOCK = "unlock"
