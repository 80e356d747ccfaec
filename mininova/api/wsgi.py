"""The falcon app factory, and ``application`` for running under plain gunicorn.

``create_app(conf)`` is what mininova-api and the tests build: every dependency (the RPC
transport, the compute API) is made once here, never per request. With ``[api]
auth_strategy = keystone`` the app comes back behind keystonemiddleware (api/auth.py).
"""
import os
import pathlib
from collections.abc import Callable

import falcon
import orjson

from mininova import metrics
from mininova import objects
from mininova import rpc
from mininova import tracing
from mininova.api import aggregates
from mininova.api import auth
from mininova.api import availability_zone
from mininova.api import extension_info
from mininova.api import faults
from mininova.api import flavor_access
from mininova.api import flavors
from mininova.api import flavors_extraspecs
from mininova.api import hosts
from mininova.api import hypervisors
from mininova.api import identity
from mininova.api import image_metadata
from mininova.api import image_v2
from mininova.api import images
from mininova.api import instance_actions
from mininova.api import instance_usage_audit_log
from mininova.api import ips
from mininova.api import keypairs
from mininova.api import middleware
from mininova.api import migrations
from mininova.api import network_v2
from mininova.api import networks
from mininova.api import openapi
from mininova.api import quota_classes
from mininova.api import quota_sets
from mininova.api import server_diagnostics
from mininova.api import server_external_events
from mininova.api import server_metadata
from mininova.api import server_tags
from mininova.api import servers
from mininova.api import services
from mininova.api import simple_tenant_usage
from mininova.api import traces
from mininova.api import versions
from mininova.compute import api as compute_api_mod
from mininova.compute import keypairs as keypairs_api
from mininova.db import traces as db_traces

DASHBOARD_DIR = pathlib.Path(__file__).parent / "dashboard"


def _dumps(media: object) -> bytes:
    return orjson.dumps(media, option=orjson.OPT_NON_STR_KEYS)


def create_app(conf, transport=None) -> Callable:
    objects.register_all()
    # NOTE: before any RPC client or database engine exists, so that they are traced.
    tracing.setup("nova-api", conf.host, db_traces.add_spans)
    transport = transport or rpc.get_transport(conf)
    compute_api = tracing.wrap(compute_api_mod.API(transport), "compute.api")
    keypair_api = keypairs_api.KeypairAPI()
    chain = [middleware.RequestContextMiddleware(auth_strategy=conf.api.auth_strategy),
             middleware.MicroversionMiddleware()]
    if tracing.enabled():
        chain.insert(0, middleware.TracingMiddleware(conf.tracing.trace_reads))
    if metrics.enabled():
        chain.insert(0, metrics.MetricsMiddleware())
    app = falcon.App(middleware=chain)
    app.req_options.strip_url_path_trailing_slash = True
    # NOTE: answers are written with orjson, a quarter of the standard library's time: a
    # detail listing of a thousand servers is 2 MB of JSON. Bodies are still read with
    # the standard library, whose errors the 400 faults quote.
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = falcon.media.JSONHandler(
        dumps=_dumps)
    faults.register(app)
    routes = {
        "/": versions.Versions(),
        openapi.PATH: openapi.OpenAPIDocument(),
        "/v2": versions.VersionV20(),
        "/v2.1": versions.VersionV21(),
        "/v2.1/servers": servers.ServerCollection(compute_api),
        "/v2.1/servers/detail": servers.ServerDetail(compute_api),
        "/v2.1/servers/{server_id}": servers.ServerItem(compute_api),
        "/v2.1/servers/{server_id}/action": servers.ServerAction(compute_api),
        "/v2.1/servers/{server_id}/diagnostics":
            server_diagnostics.ServerDiagnostics(compute_api),
        "/v2.1/servers/{server_id}/ips": ips.IpCollection(compute_api),
        "/v2.1/servers/{server_id}/ips/{network_label}": ips.IpItem(compute_api),
        "/v2.1/servers/{server_id}/metadata": server_metadata.ServerMetadata(compute_api),
        "/v2.1/servers/{server_id}/metadata/{key}":
            server_metadata.ServerMetadataItem(compute_api),
        "/v2.1/servers/{server_id}/tags": server_tags.ServerTags(compute_api),
        "/v2.1/servers/{server_id}/tags/{tag}": server_tags.ServerTag(compute_api),
        "/v2.1/servers/{server_id}/os-instance-actions":
            instance_actions.InstanceActionCollection(compute_api),
        "/v2.1/servers/{server_id}/os-instance-actions/{request_id}":
            instance_actions.InstanceActionItem(compute_api),
        "/v2.1/servers/{server_id}/migrations": migrations.ServerMigrations(compute_api),
        "/v2.1/servers/{server_id}/migrations/{migration_id}":
            migrations.ServerMigrationItem(compute_api),
        "/v2.1/servers/{server_id}/migrations/{migration_id}/action":
            migrations.ServerMigrationAction(compute_api),
        "/v2.1/os-migrations": migrations.MigrationCollection(),
        traces.ROOT + "/traces/{request_id}": traces.TraceItem(),
        "/v2.1/os-networks": networks.NetworkCollection(),
        "/v2.1/os-networks/{network_id}": networks.NetworkItem(),
        "/v2.1/os-networks/{network_id}/action": networks.NetworkAction(),
        "/v2.1/extensions": extension_info.ExtensionCollection(),
        "/v2.1/extensions/{alias}": extension_info.ExtensionItem(),
        "/v2.1/os-server-external-events": server_external_events.ServerExternalEvents(),
        "/v2.1/flavors": flavors.FlavorCollection(),
        "/v2.1/flavors/detail": flavors.FlavorDetail(),
        "/v2.1/flavors/{flavor_id}": flavors.FlavorItem(),
        "/v2.1/flavors/{flavor_id}/action": flavor_access.FlavorAction(),
        "/v2.1/flavors/{flavor_id}/os-flavor-access": flavor_access.FlavorAccess(),
        "/v2.1/flavors/{flavor_id}/os-extra_specs": flavors_extraspecs.FlavorExtraSpecs(),
        "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}":
            flavors_extraspecs.FlavorExtraSpec(),
        "/v2.1/images": images.ImageCollection(),
        "/v2.1/images/detail": images.ImageDetail(),
        "/v2.1/images/{image_id}": images.ImageItem(),
        "/v2.1/images/{image_id}/metadata": image_metadata.ImageMetadata(),
        "/v2.1/images/{image_id}/metadata/{key}": image_metadata.ImageMetadataItem(),
        "/v2.1/os-services": services.ServiceCollection(),
        "/v2.1/os-services/{service_id}": services.ServiceItem(),
        "/v2.1/limits": quota_sets.Limits(),
        "/v2.1/os-quota-sets/{project_id}": quota_sets.QuotaSetItem(),
        "/v2.1/os-quota-sets/{project_id}/detail": quota_sets.QuotaSetDetail(),
        "/v2.1/os-quota-sets/{project_id}/defaults": quota_sets.QuotaSetDefaults(),
        "/v2.1/os-quota-class-sets/{class_name}": quota_classes.QuotaClassSetItem(),
        "/v2.1/os-simple-tenant-usage": simple_tenant_usage.TenantUsageCollection(),
        "/v2.1/os-simple-tenant-usage/{tenant_id}": simple_tenant_usage.TenantUsageItem(),
        "/v2.1/os-instance_usage_audit_log":
            instance_usage_audit_log.InstanceUsageAuditLogCollection(),
        "/v2.1/os-instance_usage_audit_log/{before_timestamp}":
            instance_usage_audit_log.InstanceUsageAuditLogItem(),
        "/v2.1/os-aggregates": aggregates.AggregateCollection(),
        "/v2.1/os-aggregates/{aggregate_id}": aggregates.AggregateItem(),
        "/v2.1/os-aggregates/{aggregate_id}/action": aggregates.AggregateAction(),
        "/v2.1/os-aggregates/{aggregate_id}/images": aggregates.AggregateImages(),
        "/v2.1/os-availability-zone": availability_zone.AvailabilityZoneCollection(),
        "/v2.1/os-availability-zone/detail": availability_zone.AvailabilityZoneDetail(),
        "/v2.1/os-hosts": hosts.HostCollection(),
        "/v2.1/os-hosts/{host_name}": hosts.HostItem(),
        "/v2.1/os-hosts/{host_name}/startup": hosts.HostPowerAction("startup", "start"),
        "/v2.1/os-hosts/{host_name}/shutdown": hosts.HostPowerAction("shutdown", "shutdown"),
        "/v2.1/os-hosts/{host_name}/reboot": hosts.HostPowerAction("reboot", "reboot"),
        "/v2.1/os-keypairs": keypairs.KeypairCollection(keypair_api),
        "/v2.1/os-keypairs/{keypair_name}": keypairs.KeypairItem(keypair_api),
        "/v2.1/os-hypervisors": hypervisors.HypervisorCollection(),
        "/v2.1/os-hypervisors/detail": hypervisors.HypervisorDetail(),
        "/v2.1/os-hypervisors/statistics": hypervisors.HypervisorStatistics(),
        "/v2.1/os-hypervisors/{hypervisor_id}":
            hypervisors.HypervisorItem(compute_api.compute_rpcapi),
        "/v2.1/os-hypervisors/{hypervisor_id}/uptime":
            hypervisors.HypervisorUptime(compute_api.compute_rpcapi),
        "/v2.1/os-hypervisors/{hypervisor_id}/search":
            hypervisors.HypervisorSearch(with_servers=False),
        "/v2.1/os-hypervisors/{hypervisor_id}/servers":
            hypervisors.HypervisorSearch(with_servers=True),
        # The Image API v2 subset, under its own root (devstack's layout for Glance).
        "/image": image_v2.Versions(),
        "/image/versions": image_v2.Versions(),
        "/image/v2/images": image_v2.ImageCollection(),
        "/image/v2/images/{image_id}": image_v2.ImageItem(),
        "/image/v2/images/{image_id}/file": image_v2.ImageFile(),
        # The Networking API v2.0 subset, under its own root (devstack's for Neutron).
        "/network": network_v2.Versions(),
        "/network/v2.0/extensions": network_v2.ExtensionCollection(),
        "/network/v2.0/networks": network_v2.NetworkCollection(),
        "/network/v2.0/networks/{network_id}": network_v2.NetworkItem(),
        "/network/v2.0/subnets": network_v2.SubnetCollection(),
        "/network/v2.0/subnets/{subnet_id}": network_v2.SubnetItem(),
        "/network/v2.0/ports": network_v2.PortCollection(),
        "/network/v2.0/ports/{port_id}": network_v2.PortItem(),
        "/network/v2.0/security-groups": network_v2.SecurityGroupCollection(),
        "/network/v2.0/security-groups/{group_id}": network_v2.SecurityGroupItem(),
    }
    for path, resource in routes.items():
        app.add_route(path, resource)
    # NOTE: static files, outside the router (and so outside the OpenAPI description).
    app.add_static_route("/dashboard", str(DASHBOARD_DIR), fallback_filename="index.html")
    if conf.api.auth_strategy == auth.NOAUTH2:
        # NOTE: with Keystone, Keystone is the identity service (api/identity.py).
        identity.add_routes(app)
    return auth.wrap_app(conf, app)


def init_application() -> Callable:
    """For ``gunicorn mininova.api.wsgi:application``: config from MININOVA_CONFIG_FILE."""
    from mininova.cmd import common

    config_file = os.environ.get("MININOVA_CONFIG_FILE", "/etc/mininova/mininova.conf")
    return create_app(common.prepare_service(["--config-file", config_file]))


def __getattr__(name: str):
    # NOTE: built on first access (PEP 562), so importing this module for create_app()
    # does not parse configuration; gunicorn's getattr builds it once per worker.
    if name == "application":
        app = init_application()
        globals()["application"] = app
        return app
    raise AttributeError(name)
