"""Server actions Nova has and mininova does not implement (yet).

The server is looked up first (404 for a missing or another project's server, as Nova),
then Nova's answer where it does not depend on the missing feature: actions that need a
vm_state mininova never reaches (it never pauses, suspends, rescues, shelves or
soft-deletes: reclaim_instance_interval is 0) are Nova's 409. Everything else is Nova's
400 for a feature the cloud does not support, naming the action.
"""
from mininova import exception

# Action -> the vm_states Nova's compute API requires for it.
NEEDS_STATE = {
    "restore": ("soft-delete",),
    "unpause": ("paused",),
    "resume": ("suspended",),
    "unrescue": ("rescued",),
    "unshelve": ("shelved", "shelved_offloaded"),
    "shelveOffload": ("shelved",),
}
NOT_SUPPORTED = frozenset({
    "pause", "suspend", "shelve", "rescue",
    "createImage", "createBackup", "changePassword", "addFloatingIp", "removeFloatingIp",
    "addFixedIp", "removeFixedIp", "trigger_crash_dump", "os-resetNetwork",
    "injectNetworkInfo", "addSecurityGroup", "removeSecurityGroup", "os-getVNCConsole",
    "os-getSPICEConsole", "os-getRDPConsole", "os-getSerialConsole",
})
NAMES = frozenset(NEEDS_STATE) | NOT_SUPPORTED


def refuse(name: str, instance) -> None:
    """Raise what Nova answers for action ``name`` on ``instance`` here."""
    if name in NEEDS_STATE and instance.vm_state not in NEEDS_STATE[name]:
        raise exception.InstanceInvalidState(action=name, instance_uuid=instance.uuid,
                                             attr="vm_state", state=instance.vm_state)
    raise exception.ActionNotSupported(action=name)
