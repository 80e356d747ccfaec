"""SQLAlchemy models: the tables every service shares through the database."""
import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Common columns: every row knows when it was created and last changed."""

    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=_utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, onupdate=_utcnow)


class Flavor(Base):
    __tablename__ = "flavors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavorid: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    memory_mb: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer)
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    # NOTE: loaded with the flavor in one more query per request (never one per flavor);
    # the rows go with the flavor when it is deleted.
    extra_specs: Mapped[list["FlavorExtraSpec"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")
    # NOTE: read only by os-flavor-access, in its own query.
    projects: Mapped[list["FlavorProject"]] = relationship(
        lazy="select", cascade="all, delete-orphan")


class FlavorExtraSpec(Base):
    """One key of a flavor's extra specs (os-extra_specs): free-form strings to mininova."""

    __tablename__ = "flavor_extra_specs"
    __table_args__ = (UniqueConstraint("flavor_id", "key",
                                       name="uniq_flavor_extra_specs0flavor_id0key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavor_id: Mapped[int] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))


class FlavorProject(Base):
    """A project that may use a private flavor (os-flavor-access)."""

    __tablename__ = "flavor_projects"
    __table_args__ = (UniqueConstraint("flavor_id", "project_id",
                                       name="uniq_flavor_projects0flavor_id0project_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavor_id: Mapped[int] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(255))


class Image(Base):
    __tablename__ = "images"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    disk_format: Mapped[str] = mapped_column(String(32))
    container_format: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum: Mapped[str | None] = mapped_column(String(64))
    file_path: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(32), default="active")
    min_disk: Mapped[int] = mapped_column(Integer, default=0)
    min_ram: Mapped[int] = mapped_column(Integer, default=0)
    # NOTE: JSON text of Glance-style properties (kernel_id, ramdisk_id, os_command_line).
    properties: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    visibility: Mapped[str] = mapped_column(String(32), default="public",
                                            server_default="public")
    os_hash_value: Mapped[str | None] = mapped_column(String(128))


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (
        # NOTE: in a listing's order (newest first), so that a page reads only its rows.
        Index("instances_project_id_deleted_created_at_idx", "project_id", "deleted",
              "created_at", "id"),
        Index("instances_deleted_created_at_idx", "deleted", "created_at", "id"),
        Index("instances_host_deleted_idx", "host", "deleted"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    image_ref: Mapped[str] = mapped_column(String(255))
    flavor_id: Mapped[str] = mapped_column(String(255))
    flavor_name: Mapped[str] = mapped_column(String(255))
    memory_mb: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    node: Mapped[str | None] = mapped_column(String(255))
    vm_state: Mapped[str] = mapped_column(String(255))
    task_state: Mapped[str | None] = mapped_column(String(255))
    power_state: Mapped[int] = mapped_column(Integer, default=0)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # NOTE: 0 while alive, the row id once deleted (Nova's soft-delete convention).
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # NOTE: "owner" or "admin": who locked it decides who may unlock it.
    locked_by: Mapped[str | None] = mapped_column(String(255))
    locked_reason: Mapped[str | None] = mapped_column(String(255))
    hostname: Mapped[str | None] = mapped_column(String(255))
    user_data: Mapped[str | None] = mapped_column(Text)
    reservation_id: Mapped[str | None] = mapped_column(String(255))
    launch_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kernel_id: Mapped[str | None] = mapped_column(String(255))
    ramdisk_id: Mapped[str | None] = mapped_column(String(255))
    root_device_name: Mapped[str | None] = mapped_column(String(255))
    ephemeral_gb: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    swap: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # NOTE: the zone the user asked for at create, if any (2.96 pinned_availability_zone).
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    # NOTE: JSON text of the create request's os:scheduler_hints (shown from 2.100).
    scheduler_hints: Mapped[str | None] = mapped_column(Text)
    # NOTE: JSON text of the flavor's extra specs when the server was created: the
    # embedded flavor (2.47) shows them even after the flavor changes or goes away.
    flavor_extra_specs: Mapped[str | None] = mapped_column(Text)
    # NOTE: the addresses a user says the server is reached at (Nova's accessIPv4/v6);
    # stored and shown, never configured on the guest.
    access_ip_v4: Mapped[str | None] = mapped_column(String(39))
    access_ip_v6: Mapped[str | None] = mapped_column(String(39))
    # NOTE: OS-DCF:diskConfig AUTO (True) or MANUAL: stored and shown; the guest's root
    # filesystem is never resized by mininova.
    auto_disk_config: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    # NOTE: the key pair named at create (or rebuild), copied: deleting the key pair
    # later does not change what the server was given.
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)
    # NOTE: whether the server has a config drive (asked for, or forced by the cloud).
    config_drive: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    # NOTE: the server's addresses, loaded with it in one more query per request, so
    # Instance.network_info travels with the instance to computes that have no database.
    fixed_ips: Mapped[list["FixedIp"]] = relationship(
        primaryjoin="Instance.uuid == foreign(FixedIp.instance_uuid)", lazy="selectin",
        viewonly=True, order_by="FixedIp.id")


class FixedIp(Base):
    """One address of the flat network held by one server's NIC (its port).

    A row exists only while the address is allocated: allocation inserts it, release
    deletes it; the unique (network_id, address) constraint is what keeps two concurrent
    boots from ever sharing an address.
    """

    __tablename__ = "fixed_ips"
    __table_args__ = (UniqueConstraint("network_id", "address",
                                       name="uniq_fixed_ips0network_id0address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[str] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(39))
    mac: Mapped[str] = mapped_column(String(17), unique=True)
    port_id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    project_id: Mapped[str] = mapped_column(String(255))


class InstanceMetadata(Base):
    """One key of a server's user metadata (/servers/{id}/metadata)."""

    __tablename__ = "instance_metadata"
    __table_args__ = (UniqueConstraint("instance_uuid", "key",
                                       name="uniq_instance_metadata0instance_uuid0key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))


class KeyPair(Base):
    """An SSH (or x509) public key, owned by one user (os-keypairs)."""

    __tablename__ = "key_pairs"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32), default="ssh", server_default="ssh")


class InstanceTag(Base):
    """A server tag (2.26): a string of up to 60 characters, unique per server."""

    __tablename__ = "instance_tags"
    __table_args__ = (Index("instance_tags_tag_idx", "tag"),)
    instance_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("host", "binary", name="uniq_services0host0binary"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False,
                                              server_default=false())


class ComputeNode(Base):
    __tablename__ = "compute_nodes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    hypervisor_hostname: Mapped[str] = mapped_column(String(255))
    hypervisor_type: Mapped[str] = mapped_column(String(255))
    hypervisor_version: Mapped[int] = mapped_column(BigInteger)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    local_gb: Mapped[int] = mapped_column(Integer)
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    host_ip: Mapped[str | None] = mapped_column(String(39))
    # NOTE: JSON text of the host CPU (arch, model, vendor, topology, features).
    cpu_info: Mapped[str | None] = mapped_column(Text)
    # NOTE: Placement's resource provider generation: every claim on the host bumps it,
    # and the bump is the row lock that serializes claims (db/allocations.py).
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InstanceAction(Base):
    __tablename__ = "instance_actions"
    __table_args__ = (Index("instance_uuid_request_id_idx", "instance_uuid", "request_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(255))
    instance_uuid: Mapped[str] = mapped_column(String(36))
    request_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime] = mapped_column(DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    message: Mapped[str | None] = mapped_column(String(255))
    events: Mapped[list["InstanceActionEvent"]] = relationship(
        back_populates="action_ref", order_by="InstanceActionEvent.id")


class InstanceActionEvent(Base):
    __tablename__ = "instance_actions_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("instance_actions.id"), index=True)
    event: Mapped[str] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime] = mapped_column(DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    action_ref: Mapped[InstanceAction] = relationship(back_populates="events")


class InstanceFault(Base):
    __tablename__ = "instance_faults"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), index=True)
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))


class Quota(Base):
    """A project's own limit for one resource; absent rows mean the [quota] default."""

    __tablename__ = "quotas"
    __table_args__ = (UniqueConstraint("project_id", "resource",
                                       name="uniq_quotas0project_id0resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class QuotaClass(Base):
    """A limit of the quota class ``default`` (os-quota-class-sets): overrides the
    [quota] option for every project without a limit of its own."""

    __tablename__ = "quota_classes"
    __table_args__ = (UniqueConstraint("class_name", "resource",
                                       name="uniq_quota_classes0class_name0resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_name: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class TaskLog(Base):
    """One run of a periodic audit on a host (os-instance-usage-audit-log)."""

    __tablename__ = "task_log"
    __table_args__ = (UniqueConstraint("task_name", "host", "period_beginning",
                                       "period_ending", name="uniq_task_log0task0host0period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    period_beginning: Mapped[datetime.datetime] = mapped_column(DateTime)
    period_ending: Mapped[datetime.datetime] = mapped_column(DateTime)
    message: Mapped[str] = mapped_column(String(255), default="")
    task_items: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)


class ProjectUserQuota(Base):
    """A user's own limit for one resource inside a project (``?user_id=`` quota sets)."""

    __tablename__ = "project_user_quotas"
    __table_args__ = (UniqueConstraint("project_id", "user_id", "resource",
                                       name="uniq_project_user_quotas0project0user0resource"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int] = mapped_column(Integer)


class Aggregate(Base):
    """A host aggregate (os-aggregates); its availability_zone is a metadata key."""

    __tablename__ = "aggregates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    hosts: Mapped[list["AggregateHost"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")
    metadata_items: Mapped[list["AggregateMetadata"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan")


class AggregateHost(Base):
    __tablename__ = "aggregate_hosts"
    __table_args__ = (UniqueConstraint("aggregate_id", "host",
                                       name="uniq_aggregate_hosts0aggregate_id0host"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aggregate_id: Mapped[int] = mapped_column(ForeignKey("aggregates.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(255))


class AggregateMetadata(Base):
    __tablename__ = "aggregate_metadata"
    __table_args__ = (UniqueConstraint("aggregate_id", "key",
                                       name="uniq_aggregate_metadata0aggregate_id0key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aggregate_id: Mapped[int] = mapped_column(ForeignKey("aggregates.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))


class TraceSpan(Base):
    """One finished span of a request's trace ([tracing] enabled)."""

    __tablename__ = "trace_spans"
    __table_args__ = (Index("trace_spans_trace_id_idx", "trace_id"),
                      Index("trace_spans_request_id_idx", "request_id"),
                      Index("trace_spans_start_ns_idx", "start_ns"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(32))
    span_id: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    service: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    start_ns: Mapped[int] = mapped_column(BigInteger)
    duration_ns: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attributes: Mapped[str] = mapped_column(Text)


class Allocation(Base):
    """What one consumer (an instance, or a migration during a move) holds on one host:
    Placement's allocations at mininova scale, written by the claim in db/allocations.py."""

    __tablename__ = "allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumer_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    disk_gb: Mapped[int] = mapped_column(Integer)


class Migration(Base):
    """One move of an instance between hosts (resize, cold migration): Nova's migrations
    table, which os-migrations and /servers/{id}/migrations show. ``old_flavor`` and
    ``new_flavor`` are JSON copies of the flavors' sizes (instances keep their flavor as
    columns), so a revert restores the old one even after that flavor was deleted."""

    __tablename__ = "migrations"
    __table_args__ = (
        Index("migrations_instance_uuid_status_idx", "instance_uuid", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    source_compute: Mapped[str | None] = mapped_column(String(255))
    dest_compute: Mapped[str | None] = mapped_column(String(255))
    source_node: Mapped[str | None] = mapped_column(String(255))
    dest_node: Mapped[str | None] = mapped_column(String(255))
    dest_host: Mapped[str | None] = mapped_column(String(255))
    old_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    new_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    old_flavor: Mapped[str | None] = mapped_column(Text)
    new_flavor: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(255))
    migration_type: Mapped[str] = mapped_column(String(255))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    memory_total: Mapped[int | None] = mapped_column(BigInteger)
    memory_processed: Mapped[int | None] = mapped_column(BigInteger)
    memory_remaining: Mapped[int | None] = mapped_column(BigInteger)
    disk_total: Mapped[int | None] = mapped_column(BigInteger)
    disk_processed: Mapped[int | None] = mapped_column(BigInteger)
    disk_remaining: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
