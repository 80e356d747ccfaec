"""Base classes, registry and RPC serializer for mininova's versioned objects."""
import functools

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields as ovo_fields

remotable = ovo_base.remotable

# NOTE: a database value already of its field's exact type comes out of these field
# types' coerce unchanged (a UUID is only checked): it is stored as it is.
_PLAIN_TYPES = {ovo_fields.String: str, ovo_fields.Integer: int,
                ovo_fields.Boolean: bool, ovo_fields.UUID: str}


@functools.cache
def _field_plan(cls: type, names: tuple[str, ...]) -> tuple[tuple, ...]:
    """(name, "_obj_" + name, the exact type to store as is or None, nullable, field)."""
    return tuple((name, "_obj_" + name, _PLAIN_TYPES.get(type(field._type)),
                  field.nullable, field)
                 for name, field in ((name, cls.fields[name]) for name in names))


def _fast_get(prop: property, name: str) -> property:
    """The field's property with a getter that reads a set value straight from the
    object's dict, and leaves the rest (lazy loading) to oslo.versionedobjects' own:
    a listing of a thousand servers reads seventy thousand fields, and the stock
    getter's hasattr, name building and getattr were a fifth of its time."""
    attr = "_obj_" + name
    slow = prop.fget

    def getter(self):
        try:
            return self.__dict__[attr]
        except KeyError:
            return slow(self)

    return property(getter, prop.fset, prop.fdel)


class MininovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    """Makes each registered class reachable as ``mininova.objects.<Name>``."""

    def registration_hook(self, cls, index):
        import mininova.objects
        setattr(mininova.objects, cls.obj_name(), cls)
        for name in cls.fields:
            setattr(cls, name, _fast_get(getattr(cls, name), name))


class MininovaObject(ovo_base.VersionedObject):
    """Base for all objects; ``indirection_api`` is set on compute hosts to the conductor."""

    OBJ_SERIAL_NAMESPACE = "mininova_object"
    OBJ_PROJECT_NAMESPACE = "mininova"

    def obj_attr_is_set(self, attrname: str) -> bool:
        """oslo.versionedobjects' check, without building the list of all fields on
        each call: serializing, cloning or diffing an object calls it once per field,
        which made each of those quadratic in the ~50 fields of an Instance (about half
        a millisecond per hop of every request)."""
        if attrname not in self.fields and attrname not in self.obj_extra_fields:
            raise AttributeError(f"{self.obj_name()} object has no attribute '{attrname}'")
        return hasattr(self, "_obj_" + attrname)

    def _set_from_db(self, db_row, fields=None) -> "MininovaObject":
        """Copy the named (default: all) fields from a database row and forget the changes.

        Each value is coerced by its field, as oslo.versionedobjects' attribute setter
        does (but for a value its plain field type would return unchanged), and stored
        where that setter stores it, without the setter's change tracking, which
        obj_reset_changes would undo at once: a listing of a thousand servers sets fifty
        thousand fields.
        """
        for name, attr, plain, nullable, field in _field_plan(
                type(self), tuple(fields or self.fields)):
            value = getattr(db_row, name)
            if type(value) is not plain and (value is not None or not nullable):
                value = field.coerce(self, name, value)
            setattr(self, attr, value)
        self.obj_reset_changes()
        return self

    @classmethod
    def _from_db(cls, context, db_row):
        return cls(context)._set_from_db(db_row)


class MininovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    """Turns objects into primitives and back on each side of an RPC."""

    OBJ_BASE_CLASS = MininovaObject


class ObjectListBase(ovo_base.ObjectListBase):
    pass
