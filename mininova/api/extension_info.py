"""/v2.1/extensions[/{alias}]: the legacy extension list, which Nova's v2.1 still serves.

Since 2.1 every extension is part of the API (microversions replaced them), so the list
is static, as Nova's: the v2.0 extension names and aliases, each with Nova's fake XML
namespace and date. It says nothing about what mininova implements (see the README).
"""
import falcon

from mininova import exception

_NAMESPACE = "http://docs.openstack.org/compute/ext/fake_xml"
_UPDATED = "2014-12-03T00:00:00Z"

# (name, alias, description), sorted by alias as Nova lists them.
EXTENSIONS = sorted([
    ("Multinic", "NMN", "Multiple network support."),
    ("DiskConfig", "OS-DCF", "Disk Management Extension."),
    ("ExtendedAvailabilityZone", "OS-EXT-AZ", "Extended Availability Zone support."),
    ("ImageSize", "OS-EXT-IMG-SIZE", "Adds image size to image listings."),
    ("ExtendedIps", "OS-EXT-IPS", "Adds type parameter to the ip list."),
    ("ExtendedIpsMac", "OS-EXT-IPS-MAC", "Adds mac address parameter to the ip list."),
    ("ExtendedServerAttributes", "OS-EXT-SRV-ATTR", "Extended Server Attributes support."),
    ("ExtendedStatus", "OS-EXT-STS", "Extended Status support."),
    ("ExtendedVIFNet", "OS-EXT-VIF-NET", "Adds network id parameter to the virtual "
                                         "interface list."),
    ("FlavorDisabled", "OS-FLV-DISABLED", "Support to show the disabled status of a "
                                          "flavor."),
    ("FlavorExtraData", "OS-FLV-EXT-DATA", "Provide additional data for flavors."),
    ("SchedulerHints", "OS-SCH-HNT", "Pass arbitrary key/value pairs to the scheduler."),
    ("ServerUsage", "OS-SRV-USG", "Adds launched_at and terminated_at on Servers."),
    ("AccessIPs", "os-access-ips", "Access IPs support."),
    ("AdminActions", "os-admin-actions", "Enable admin-only server actions: "
                                         "resetNetwork, injectNetworkInfo, os-resetState."),
    ("AdminPassword", "os-admin-password", "Admin password management support."),
    ("Agents", "os-agents", "Agents support."),
    ("Aggregates", "os-aggregates", "Admin-only aggregate administration."),
    ("AssistedVolumeSnapshots", "os-assisted-volume-snapshots",
     "Assisted volume snapshots."),
    ("AttachInterfaces", "os-attach-interfaces", "Attach interface support."),
    ("AvailabilityZone", "os-availability-zone", "1. Add availability_zone to the Create "
                                                 "Server API. 2. Add availability zones "
                                                 "describing."),
    ("BareMetalExtStatus", "os-baremetal-ext-status", ""),
    ("BareMetalNodes", "os-baremetal-nodes", "Admin-only bare-metal node administration."),
    ("BlockDeviceMapping", "os-block-device-mapping", "Block device mapping boot support."),
    ("BlockDeviceMappingV2Boot", "os-block-device-mapping-v2-boot", ""),
    ("CellCapacities", "os-cell-capacities", ""),
    ("Cells", "os-cells", "Enables cells-related functionality such as adding "
                          "neighbor cells, listing neighbor cells, and getting the "
                          "capabilities of the local cell."),
    ("Certificates", "os-certificates", "Certificates support."),
    ("Cloudpipe", "os-cloudpipe", "Adds actions to create cloudpipe instances."),
    ("CloudpipeUpdate", "os-cloudpipe-update", ""),
    ("ConfigDrive", "os-config-drive", "Config Drive Extension."),
    ("ConsoleAuthTokens", "os-console-auth-tokens", "Console token authentication "
                                                    "support."),
    ("ConsoleOutput", "os-console-output", "Console log output support, with tailing "
                                           "ability."),
    ("Consoles", "os-consoles", "Interactive Console support."),
    ("CreateBackup", "os-create-backup", "Create a backup of a server."),
    ("Createserverext", "os-create-server-ext", ""),
    ("DeferredDelete", "os-deferred-delete", "Instance deferred delete."),
    ("Evacuate", "os-evacuate", "Enables server evacuation."),
    ("ExtendedEvacuateFindHost", "os-extended-evacuate-find-host", ""),
    ("ExtendedFloatingIps", "os-extended-floating-ips", ""),
    ("ExtendedHypervisors", "os-extended-hypervisors", ""),
    ("ExtendedNetworks", "os-extended-networks", ""),
    ("ExtendedQuotas", "os-extended-quotas", ""),
    ("ExtendedRescueWithImage", "os-extended-rescue-with-image", ""),
    ("ExtendedServices", "os-extended-services", ""),
    ("ExtendedServicesDelete", "os-extended-services-delete", ""),
    ("ExtendedVolumes", "os-extended-volumes", "Extended Volumes support."),
    ("FixedIPs", "os-fixed-ips", "Fixed IPs support."),
    ("FlavorAccess", "os-flavor-access", "Flavor access support."),
    ("FlavorExtraSpecs", "os-flavor-extra-specs", "Flavors extra specs support."),
    ("FlavorManage", "os-flavor-manage", "Flavor create/delete API support."),
    ("FlavorRxtx", "os-flavor-rxtx", "Support to show the rxtx status of a flavor."),
    ("FlavorSwap", "os-flavor-swap", ""),
    ("FloatingIpDns", "os-floating-ip-dns", "Floating IP DNS support."),
    ("FloatingIpPools", "os-floating-ip-pools", "Floating IPs support."),
    ("FloatingIps", "os-floating-ips", "Floating IPs support."),
    ("FloatingIpsBulk", "os-floating-ips-bulk", "Bulk handling of Floating IPs."),
    ("Fping", "os-fping", "Fping Management Extension."),
    ("HideServerAddresses", "os-hide-server-addresses", "Support hiding server "
                                                        "addresses in certain states."),
    ("Hosts", "os-hosts", "Admin-only host administration."),
    ("HypervisorStatus", "os-hypervisor-status", ""),
    ("Hypervisors", "os-hypervisors", "Admin-only hypervisor administration."),
    ("InstanceActions", "os-instance-actions", "View a log of actions and events "
                                               "taken on an instance."),
    ("OSInstanceUsageAuditLog", "os-instance_usage_audit_log", "Admin-only Task Log "
                                                               "Monitoring."),
    ("Keypairs", "os-keypairs", "Keypair Support."),
    ("Migrations", "os-migrations", "Provide data on migrations."),
    ("MultipleCreate", "os-multiple-create", "Allow multiple create in the Create "
                                             "Server v2.1 API."),
    ("Networks", "os-networks", "Admin-only Network Management Extension."),
    ("NetworkAssociationSupport", "os-networks-associate", "Network association "
                                                           "support."),
    ("PauseServer", "os-pause-server", "Enable pause/unpause server actions."),
    ("PreserveEphemeralOnRebuild", "os-preserve-ephemeral-rebuild",
     "Allow preservation of the ephemeral partition on rebuild."),
    ("QuotaClasses", "os-quota-class-sets", "Quota classes management support."),
    ("Quotas", "os-quota-sets", "Quotas management support."),
    ("Rescue", "os-rescue", "Instance rescue mode."),
    ("SecurityGroupDefaultRules", "os-security-group-default-rules",
     "Default rules for security group support."),
    ("SecurityGroups", "os-security-groups", "Security group support."),
    ("ServerDiagnostics", "os-server-diagnostics", "Allow Admins to view server "
                                                   "diagnostics through server action."),
    ("ServerExternalEvents", "os-server-external-events", "Server External Event "
                                                          "Triggers."),
    ("ServerGroupQuotas", "os-server-group-quotas", ""),
    ("ServerGroups", "os-server-groups", "Server group support."),
    ("ServerListMultiStatus", "os-server-list-multi-status", ""),
    ("ServerPassword", "os-server-password", "Server password support."),
    ("ServerSortKeys", "os-server-sort-keys", ""),
    ("ServerStartStop", "os-server-start-stop", ""),
    ("Services", "os-services", "Services support."),
    ("Shelve", "os-shelve", "Instance shelve mode."),
    ("SimpleTenantUsage", "os-simple-tenant-usage", "Simple tenant usage extension."),
    ("SuspendServer", "os-suspend-server", "Enable suspend/resume server actions."),
    ("OSTenantNetworks", "os-tenant-networks", "Tenant-based Network Management "
                                               "Extension."),
    ("UsedLimits", "os-used-limits", "Provide data on limited resources that are being "
                                     "used."),
    ("UsedLimitsForAdmin", "os-used-limits-for-admin", ""),
    ("UserData", "os-user-data", "Add user_data to the Create Server API."),
    ("UserQuotas", "os-user-quotas", ""),
    ("VirtualInterfaces", "os-virtual-interfaces", "Virtual interface support."),
    ("VolumeAttachmentUpdate", "os-volume-attachment-update", ""),
    ("Volumes", "os-volumes", "Volumes support."),
], key=lambda ext: ext[1])


def _extension(name: str, alias: str, description: str) -> dict:
    return {"name": name, "alias": alias, "description": description,
            "namespace": _NAMESPACE, "updated": _UPDATED, "links": []}


class ExtensionCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.ctxt.can("os_compute_api:extensions")
        resp.media = {"extensions": [_extension(*ext) for ext in EXTENSIONS]}


class ExtensionItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, alias: str) -> None:
        req.context.ctxt.can("os_compute_api:extensions")
        for ext in EXTENSIONS:
            if ext[1] == alias:
                resp.media = {"extension": _extension(*ext)}
                return
        raise exception.NotFound(message="The resource could not be found.")
