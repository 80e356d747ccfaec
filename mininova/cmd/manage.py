"""mininova-manage: database migrations, flavors, images, services and allocations from the
shell."""
import os
import sys
import uuid

from oslo_config import cfg

from mininova import conf as mn_conf
from mininova import context as mn_context
from mininova import exception
from mininova import objects
from mininova.cmd import common
from mininova.db import allocations as db_allocations
from mininova.image import store as image_store


def _print_table(headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(v)) for v in [h, *(r[i] for r in rows)]) for i, h in
              enumerate(headers)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print(line)
    for row in rows:
        print("| " + " | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True))
              + " |")
    print(line)


# NOTE: alembic and the trace tables are imported by the commands that use them only:
# every mininova-manage call pays its imports (stack.sh makes about ten; each import costs
# seconds on an emulated machine).
def db_sync(args) -> None:
    from mininova.db import migration
    migration.db_sync()
    print(f"Database is at revision {migration.db_version()}")


def db_version(args) -> None:
    from mininova.db import migration
    print(migration.db_version() or "empty (run 'mininova-manage db sync')")


def flavor_create(args) -> None:
    flavor = objects.Flavor(mn_context.get_admin_context(), name=args.resource_name,
                            flavorid=args.id or str(uuid.uuid4()), memory_mb=args.ram,
                            vcpus=args.vcpus, root_gb=args.disk, disabled=False,
                            is_public=True)
    flavor.create()
    print(f"Created flavor {flavor.name} (id {flavor.flavorid}): {flavor.memory_mb} MB RAM, "
          f"{flavor.vcpus} vCPU, {flavor.root_gb} GB disk")


def flavor_list(args) -> None:
    flavors = objects.FlavorList.get_all(mn_context.get_admin_context())
    _print_table(["ID", "Name", "RAM", "vCPUs", "Disk"],
                 [[f.flavorid, f.name, f.memory_mb, f.vcpus, f.root_gb] for f in flavors])


def _parse_properties(pairs: list[str] | None) -> dict:
    properties = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise exception.Invalid(reason=f"--property wants KEY=VALUE, not {pair!r}")
        properties[key] = value
    return properties


def image_create(args) -> None:
    image_id = args.id or str(uuid.uuid4())
    properties = _parse_properties(args.property)
    size, checksum, path, os_hash = args.size or 0, None, None, None
    if args.file:
        if not os.path.isfile(args.file):
            raise exception.Invalid(reason=f"no such file: {args.file}")
        stored = image_store.copy_file(args.file, image_id)
        path, size, checksum, os_hash = (stored.path, stored.size, stored.checksum,
                                         stored.os_hash_value)
    image = objects.Image(mn_context.get_admin_context(), id=image_id,
                          name=args.resource_name, disk_format=args.disk_format,
                          container_format=args.container_format, size=size,
                          checksum=checksum, os_hash_value=os_hash, file_path=path,
                          status="active", min_disk=0, min_ram=0, properties=properties,
                          visibility="public")
    image.create()
    print(image.id)


def image_list(args) -> None:
    images = objects.ImageList.get_all(mn_context.get_admin_context())
    _print_table(["ID", "Name", "Disk format", "Size"],
                 [[i.id, i.name, i.disk_format, i.size] for i in images])


def service_list(args) -> None:
    conf = mn_conf.CONF
    services = objects.ServiceList.get_all(mn_context.get_admin_context())
    _print_table(["ID", "Binary", "Host", "Status", "State", "Last seen"],
                 [[s.id, s.binary, s.host, "disabled" if s.disabled else "enabled",
                   "up" if s.is_up(conf.service_down_time) else "down", s.last_seen_up]
                  for s in services])


def placement_heal_allocations(args) -> None:
    """Give every placed instance without an allocation its claim (Nova's command and
    exit codes: 0 when some were created, 4 when there was nothing to do)."""
    healed = db_allocations.heal()
    for uuid_ in healed:
        print(f"Healed allocation of instance {uuid_}")
    print(f"Processed {len(healed)} instance(s).")
    if not healed:
        sys.exit(4)


def _trace(args) -> None:
    from mininova.cmd import trace_waterfall
    trace_waterfall.trace(args)


def _add_parsers(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema").add_subparsers(dest="action")
    db.required = True
    db.add_parser("sync", help="upgrade the schema to the latest revision").set_defaults(
        func=db_sync)
    db.add_parser("version", help="print the schema revision").set_defaults(func=db_version)

    flavor = subparsers.add_parser("flavor", help="flavors").add_subparsers(dest="action")
    flavor.required = True
    create = flavor.add_parser("create", help="create a flavor")
    create.add_argument("resource_name", metavar="NAME")
    create.add_argument("--ram", type=int, required=True, help="memory in MB")
    create.add_argument("--vcpus", type=int, required=True)
    create.add_argument("--disk", type=int, required=True, help="root disk in GB")
    create.add_argument("--id", help="flavor id (default: a new UUID)")
    create.set_defaults(func=flavor_create)
    flavor.add_parser("list", help="list flavors").set_defaults(func=flavor_list)

    image = subparsers.add_parser("image", help="images").add_subparsers(dest="action")
    image.required = True
    create = image.add_parser("create", help="register an image")
    create.add_argument("resource_name", metavar="NAME")
    create.add_argument("--disk-format", default="qcow2",
                        choices=["raw", "qcow2", "aki", "ari"],
                        help="raw/qcow2 for whole disks; aki/ari for a kernel/ramdisk")
    create.add_argument("--container-format", default="bare",
                        choices=["bare", "aki", "ari"])
    create.add_argument("--file", help="image file, copied into [image] store_path")
    create.add_argument("--property", action="append", metavar="KEY=VALUE",
                        help="image property, e.g. kernel_id=<id> (repeatable)")
    create.add_argument("--size", type=int, help="size in bytes when there is no file")
    create.add_argument("--id", help="image id (default: a new UUID)")
    create.set_defaults(func=image_create)
    image.add_parser("list", help="list images").set_defaults(func=image_list)

    tracer = subparsers.add_parser("trace", help="print a request's trace as a waterfall")
    tracer.add_argument("request_id", metavar="REQUEST_ID", help="req-<uuid>")
    tracer.set_defaults(func=_trace)

    service = subparsers.add_parser("service", help="services").add_subparsers(dest="action")
    service.required = True
    service.add_parser("list", help="list services and their state").set_defaults(
        func=service_list)

    placement = subparsers.add_parser("placement", help="allocations").add_subparsers(
        dest="action")
    placement.required = True
    placement.add_parser("heal_allocations",
                         help="create the missing allocations of placed instances"
                         ).set_defaults(func=placement_heal_allocations)


def main() -> None:
    category = cfg.SubCommandOpt("category", title="Commands", handler=_add_parsers,
                                 help="what to manage")
    conf = common.prepare_service(sys.argv[1:], cli_opts=[category])
    try:
        conf.category.func(conf.category)
    except exception.MininovaException as exc:
        sys.exit(f"error: {exc.message}")
