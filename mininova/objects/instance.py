"""Instance: a server, its placement, and its vm/task/power state."""
import functools
import json

from oslo_utils import versionutils
from oslo_versionedobjects import fields

from mininova import conf
from mininova import db
from mininova.network import model as network_model
from mininova.notifications import base as notifications
from mininova.objects import base
from mininova.objects import instance_action

db_fixed_ips = db.lazy("fixed_ips")
db_metadata = db.lazy("instance_metadata")
db_instances = db.lazy("instances")

CONF = conf.CONF

# Fields added in 1.1: what compute API microversions 2.3 to 2.100 show of a server.
_FIELDS_1_1 = ("description", "locked", "locked_by", "locked_reason", "hostname",
               "user_data", "reservation_id", "launch_index", "kernel_id", "ramdisk_id",
               "root_device_name", "ephemeral_gb", "swap", "availability_zone",
               "scheduler_hints", "flavor_extra_specs")
# Fields added in 1.2: the key pair the server was created with (key_name, its public
# key) and the access IPs the owner sets (accessIPv4/accessIPv6).
_FIELDS_1_2 = ("key_name", "key_data", "access_ip_v4", "access_ip_v6", "auto_disk_config")
# Fields added in 1.5: whether the server has a config drive.
_FIELDS_1_5 = ("config_drive",)
# Fields stored as JSON text.
_JSON_FIELDS = ("scheduler_hints", "flavor_extra_specs")
# Fields read from other tables, never written through the instance.
_LOADED_FIELDS = ("network_info",)


@functools.cache
def _plain_fields(cls: type) -> tuple[str, ...]:
    """The fields a row's columns give as they are (not JSON, not made from other rows)."""
    return tuple(name for name in cls.fields
                 if name not in _JSON_FIELDS and name not in _LOADED_FIELDS)


# A state a save leaves alone: what it was is what the saved row shows.
_UNCHANGED = object()


class _JsonType(fields.FieldType):
    """A JSON document as the user sent it (scheduler hints are free-form)."""

    def coerce(self, obj, attr, value):
        json.dumps(value)  # NOTE: refuse what could not travel over RPC or be stored.
        return value


class JsonField(fields.AutoTypedField):
    AUTO_TYPE = _JsonType()


@base.MininovaObjectRegistry.register
class Instance(base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: description, lock, hostname, extended attributes, ephemeral_gb, swap,
    #              availability_zone, scheduler_hints, flavor_extra_specs
    #              (compute API 2.3 - 2.100)
    # Version 1.2: key_name, key_data, access_ip_v4, access_ip_v6, auto_disk_config
    # Version 1.3: network_info
    # Version 1.4: deallocate_networks()
    # Version 1.5: config_drive, get_metadata()
    # Version 1.6: save_and_record_event(), destroy_and_record_event()
    VERSION = "1.6"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "display_name": fields.StringField(),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(),
        "image_ref": fields.StringField(),
        "flavor_id": fields.StringField(),
        "flavor_name": fields.StringField(),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        "vm_state": fields.StringField(),
        "task_state": fields.StringField(nullable=True),
        "power_state": fields.IntegerField(),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "description": fields.StringField(nullable=True),
        "locked": fields.BooleanField(),
        # NOTE: "owner" or "admin": who locked it decides who may unlock it.
        "locked_by": fields.StringField(nullable=True),
        "locked_reason": fields.StringField(nullable=True),
        "hostname": fields.StringField(nullable=True),
        "user_data": fields.StringField(nullable=True),
        "reservation_id": fields.StringField(nullable=True),
        "launch_index": fields.IntegerField(),
        "kernel_id": fields.StringField(nullable=True),
        "ramdisk_id": fields.StringField(nullable=True),
        "root_device_name": fields.StringField(nullable=True),
        "ephemeral_gb": fields.IntegerField(),
        "swap": fields.IntegerField(),
        "availability_zone": fields.StringField(nullable=True),
        "scheduler_hints": JsonField(nullable=True),
        # NOTE: the flavor's extra specs at create: the embedded flavor (2.47) shows
        # them as they were, like the flavor's sizes copied above.
        "flavor_extra_specs": fields.DictOfStringsField(),
        # NOTE: copied from the user's key pair at create: deleting the key pair later
        # changes nothing for the server, as in Nova.
        "key_name": fields.StringField(nullable=True),
        "key_data": fields.StringField(nullable=True),
        # NOTE: addresses the owner states the server is reached at; nothing checks
        # them against the guest (mininova has no networking), as in Nova.
        "access_ip_v4": fields.StringField(nullable=True),
        "access_ip_v6": fields.StringField(nullable=True),
        # NOTE: OS-DCF:diskConfig (AUTO is True), stored and shown only.
        "auto_disk_config": fields.BooleanField(default=False),
        # NOTE: the VIF dicts of the server's allocated addresses (network/model.py),
        # loaded from fixed_ips with the instance: computes, which have no database,
        # get them with the instance over RPC.
        "network_info": JsonField(default=[]),
        # NOTE: asked for at create, or set by the compute under force_config_drive; the
        # API shows it as Nova does ("True" or "").
        "config_drive": fields.BooleanField(default=False),
    }

    @property
    def name(self) -> str:
        """The hypervisor's name for this instance (Nova's instance_name_template)."""
        return f"instance-{self.id:08x}"

    def obj_make_compatible(self, primitive: dict, target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        if target < (1, 5):
            for name in _FIELDS_1_5:
                primitive.pop(name, None)
        if target < (1, 3):
            primitive.pop("network_info", None)
        if target < (1, 2):
            for name in _FIELDS_1_2:
                primitive.pop(name, None)
        if target < (1, 1):
            for name in _FIELDS_1_1:
                primitive.pop(name, None)

    def _set_from_db(self, db_row, fields=None, vif_base: dict | None = None) -> "Instance":
        """``vif_base`` is network_model.vif_base(CONF), which a listing reads once;
        ``fields`` names plain fields to set alone (a row of those columns only)."""
        if fields:
            return super()._set_from_db(db_row, fields)
        super()._set_from_db(db_row, _plain_fields(type(self)))
        # NOTE: stored where the setters store them, as the plain fields are: the JSON
        # was coerced by the save that wrote it, and the VIFs are made here.
        hints = db_row.scheduler_hints
        self._obj_scheduler_hints = json.loads(hints) if hints else None
        # NOTE: servers created before migration 0005 kept no copy: none then.
        specs = db_row.flavor_extra_specs
        self._obj_flavor_extra_specs = json.loads(specs) if specs else {}
        self._obj_network_info = [network_model.vif(CONF, row, vif_base)
                                  for row in db_instances.loaded_fixed_ips(db_row)]
        return self

    @staticmethod
    def _db_values(values: dict) -> dict:
        for name in _LOADED_FIELDS:
            values.pop(name, None)
        for name in _JSON_FIELDS:
            if values.get(name) is not None:
                values[name] = json.dumps(values[name])
        return values

    @classmethod
    @base.remotable
    def get_by_uuid(cls, context, uuid: str) -> "Instance":
        return cls._from_db(context, db_instances.instance_get_by_uuid(uuid))

    def create(self, action: str | None = None) -> None:
        """Insert the instance (API side only: creation never comes from a compute host),
        and with ``action`` start that instance action of this request in the same
        transaction."""
        start = (None if action is None else instance_action.InstanceAction.start_values(
            self._context, self.uuid, action))
        self._set_from_db(db_instances.instance_create(
            self._db_values(self.obj_get_changes()), start))

    @base.remotable
    def save(self, expected_task_state: list | None = None,
             expected_vm_state: list | None = None) -> None:
        """Write the changed fields.

        ``expected_task_state`` (a list; ``[None]`` means "no task") makes the write a
        compare-and-swap in the database: UnexpectedTaskStateError when it loses.
        """
        self._save(expected_task_state, expected_vm_state)

    @base.remotable
    def save_and_record_event(self, event_name: str, host: str | None, duration: float,
                              expected_task_state: list | None = None,
                              expected_vm_state: list | None = None) -> None:
        """save(), and the successful instance action event ``event_name`` of this
        request that took ``duration`` seconds, in one transaction (1.6).

        A compute's task ends with one conductor call instead of three (event start,
        save, event finish), and the event is complete as soon as the new state shows.
        """
        self._save(expected_task_state, expected_vm_state,
                   instance_action.InstanceActionEvent.record_values(event_name, host,
                                                                     duration))

    def save_and_start_action(self, context, action: str,
                              expected_task_state: list | None = None,
                              expected_vm_state: list | None = None
                              ) -> "instance_action.InstanceAction":
        """save(), and InstanceAction.action_start of ``context``'s request, in one
        transaction (the API's: an action is recorded exactly when its task_state
        wins the compare-and-swap). Returns the InstanceAction."""
        return self._save(expected_task_state, expected_vm_state, action=(context, action))

    def _save(self, expected_task_state: list | None, expected_vm_state: list | None,
              event: dict | None = None, action: tuple | None = None
              ) -> "instance_action.InstanceAction | None":
        """The writes of save() and its variants; the action started, if any."""
        updates = self.obj_get_changes()
        for key in ("id", "uuid", "created_at", "updated_at"):
            updates.pop(key, None)
        if (not updates and event is None and action is None
                and expected_task_state is None and expected_vm_state is None):
            return
        old = None
        if {"vm_state", "task_state"} & set(updates) and notifications.wants_state_updates():
            old = self._states_before(updates, expected_task_state, expected_vm_state)
        values = self._db_values(updates)
        started = None
        if action is not None:
            context, action_name = action
            row, action_row = db_instances.instance_update_and_start_action(
                self.uuid, values, instance_action.InstanceAction.start_values(
                    context, self.uuid, action_name), expected_task_state,
                expected_vm_state)
            started = instance_action.InstanceAction._from_db(context, action_row)
        elif event is None:
            row = db_instances.instance_update(self.uuid, values, expected_task_state,
                                               expected_vm_state)
        else:
            row = db_instances.instance_update_and_record_event(
                self.uuid, values, self._context.request_id, event, expected_task_state,
                expected_vm_state)
        self._set_from_db(row)
        if old is not None:
            vm_state, task_state = (getattr(self, name) if value is _UNCHANGED else value
                                    for name, value in zip(("vm_state", "task_state"), old,
                                                           strict=True))
            notifications.send_update(self._context, vm_state, task_state, self,
                                      notifications.source())
        return started

    def _states_before(self, updates: dict, expected_task_state: list | None,
                       expected_vm_state: list | None) -> tuple:
        """(vm_state, task_state) as this save finds them, for instance.update: what a
        compare-and-swap on a single value proves once it succeeds, or _UNCHANGED for
        a state the save leaves alone, needs no read; the rest is read (two columns,
        not the whole instance again)."""
        before = []
        for name, expected in (("vm_state", expected_vm_state),
                               ("task_state", expected_task_state)):
            if name not in updates:
                before.append(_UNCHANGED)
            elif expected is not None and len(expected) == 1:
                before.append(expected[0])
            else:
                return db_instances.instance_get_states(self.uuid)
        return tuple(before)

    @base.remotable
    def deallocate_networks(self) -> None:
        """Free the instance's addresses: a build that failed on its host keeps none, as
        in Nova (the conductor allocated them; the compute has no database)."""
        db_fixed_ips.release_for_instance(self.uuid)
        self.network_info = []
        self.obj_reset_changes(["network_info"])

    @base.remotable
    def get_metadata(self) -> dict:
        """The server's user metadata (for the config drive a compute host builds)."""
        return db_metadata.metadata_get(self.uuid)

    @base.remotable
    def destroy(self) -> None:
        """Soft-delete the row (and drop its tags); the instance disappears from the API."""
        self._set_from_db(db_instances.instance_destroy(self.uuid))

    @base.remotable
    def destroy_and_record_event(self, event_name: str, host: str | None,
                                 duration: float) -> None:
        """destroy(), and the successful event ``event_name`` of this request, in one
        transaction (1.6), as save_and_record_event."""
        event = instance_action.InstanceActionEvent.record_values(event_name, host,
                                                                  duration)
        self._set_from_db(db_instances.instance_destroy(
            self.uuid, self._context.request_id, event))


@base.MininovaObjectRegistry.register
class InstanceList(base.ObjectListBase, base.MininovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Instance 1.1
    # Version 1.2: Instance 1.2
    # Version 1.3: Instance 1.3
    # Version 1.4: Instance 1.4
    # Version 1.5: Instance 1.5
    # Version 1.6: Instance 1.6
    VERSION = "1.6"
    fields = {"objects": fields.ListOfObjectsField("Instance")}

    @classmethod
    @base.remotable
    def get_by_host(cls, context, host: str) -> "InstanceList":
        rows = db_instances.instance_get_all({"host": host}, sort_dir="asc")
        return cls._from_rows(context, rows)

    @classmethod
    def get_by_filters(cls, context, filters: dict, limit: int | None = None,
                       marker: str | None = None, sort_key: str = "created_at",
                       sort_dir: str = "desc",
                       fields: tuple[str, ...] | None = None) -> "InstanceList":
        """See db_instances.instance_get_all for the filters. With ``fields``, the
        instances have only those fields (others are not loaded: reading one raises):
        what a list of ids and names needs, without each server's other columns and
        addresses."""
        rows = db_instances.instance_get_all(filters, limit=limit, marker=marker,
                                             sort_key=sort_key, sort_dir=sort_dir,
                                             columns=fields)
        if fields:
            return cls(context, objects=[Instance(context)._set_from_db(row, fields)
                                         for row in rows])
        return cls._from_rows(context, rows)

    @classmethod
    def _from_rows(cls, context, rows) -> "InstanceList":
        base = network_model.vif_base(CONF)
        return cls(context, objects=[Instance(context)._set_from_db(row, vif_base=base)
                                     for row in rows])
