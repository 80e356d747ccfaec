"""Authorization: who may do what, as oslo.policy rules registered in code.

A policy file ([oslo_policy] policy_file) overrides any rule; ``oslopolicy-sample-generator
--namespace mininova`` writes the defaults out.
"""
import time

from oslo_config import cfg
from oslo_policy import policy

from mininova import exception

ADMIN = "role:admin"
ADMIN_OR_OWNER = "role:admin or project_id:%(project_id)s"
# NOTE: Nova's default is the service role alone; mininova's admin may post events too.
ADMIN_OR_SERVICE = "role:admin or role:service"
# Key pairs belong to a user: the owner is the user, not the project.
ADMIN_OR_USER = "role:admin or user_id:%(user_id)s"


def _rule(name: str, check: str, description: str, method: str, path: str):
    return policy.DocumentedRuleDefault(name=name, check_str=check, description=description,
                                        operations=[{"method": method, "path": path}])


RULES = [
    _rule("os_compute_api:servers:index:get_all_tenants", ADMIN,
          "List servers of every project (all_tenants, project_id filters)", "GET",
          "/servers"),
    _rule("os_compute_api:os-extended-server-attributes", ADMIN,
          "See the OS-EXT-SRV-ATTR:* fields (host, hypervisor, instance name)", "GET",
          "/servers/{server_id}"),
    _rule("os_compute_api:servers:show:host_status", ADMIN,
          "See host_status (2.16): the state of the server's compute host", "GET",
          "/servers/{server_id}"),
    _rule("os_compute_api:servers:show:host_status:unknown-only", ADMIN,
          "See host_status only when it is UNKNOWN (2.16)", "GET", "/servers/{server_id}"),
    _rule("os_compute_api:servers:rebuild", ADMIN_OR_OWNER,
          "Rebuild a server from an image", "POST",
          "/servers/{server_id}/action (rebuild)"),
    _rule("os_compute_api:servers:resize", ADMIN_OR_OWNER,
          "Resize a server to another flavor", "POST",
          "/servers/{server_id}/action (resize)"),
    _rule("os_compute_api:servers:confirm_resize", ADMIN_OR_OWNER,
          "Confirm a server's resize or cold migration", "POST",
          "/servers/{server_id}/action (confirmResize)"),
    _rule("os_compute_api:servers:revert_resize", ADMIN_OR_OWNER,
          "Revert a server's resize or cold migration", "POST",
          "/servers/{server_id}/action (revertResize)"),
    _rule("os_compute_api:os-migrate-server:migrate", ADMIN,
          "Cold-migrate a server to another host", "POST",
          "/servers/{server_id}/action (migrate)"),
    _rule("os_compute_api:os-migrate-server:migrate:host", ADMIN,
          "Cold-migrate a server to a host of one's choice (2.56)", "POST",
          "/servers/{server_id}/action (migrate)"),
    _rule("os_compute_api:os-migrate-server:migrate_live", ADMIN,
          "Live-migrate a server to another host", "POST",
          "/servers/{server_id}/action (os-migrateLive)"),
    _rule("os_compute_api:os-admin-actions:reset_state", ADMIN,
          "Reset a server's state to active or error", "POST",
          "/servers/{server_id}/action (os-resetState)"),
    _rule("os_compute_api:os-evacuate", ADMIN,
          "Evacuate a server from a failed host to a new host", "POST",
          "/servers/{server_id}/action (evacuate)"),
    _rule("mininova:traces:show", ADMIN,
          "Show the spans of a request's trace (target: the project that made it)",
          "GET", "/mininova/v1/traces/{request_id}"),
    _rule("os_compute_api:os-server-diagnostics", ADMIN,
          "Show what the hypervisor reports of a server (CPU, memory, disks, NICs)",
          "GET", "/servers/{server_id}/diagnostics"),
    _rule("os_compute_api:os-lock-server:lock", ADMIN_OR_OWNER,
          "Lock a server against non-admin actions", "POST",
          "/servers/{server_id}/action (lock)"),
    _rule("os_compute_api:os-lock-server:unlock", ADMIN_OR_OWNER, "Unlock a server",
          "POST", "/servers/{server_id}/action (unlock)"),
    _rule("os_compute_api:os-deferred-delete:force", ADMIN_OR_OWNER,
          "Force-delete a server (a plain delete: mininova never soft-deletes)", "POST",
          "/servers/{server_id}/action (forceDelete)"),
    _rule("os_compute_api:os-lock-server:unlock:unlock_override", ADMIN,
          "Unlock a server locked by someone else (the owner, or another project's admin)",
          "POST", "/servers/{server_id}/action (unlock)"),
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-flavor-extra-specs:index", check_str=ADMIN_OR_OWNER,
        description="List a flavor's extra specs, and see them in flavor bodies (2.61) "
                    "and in a server's embedded flavor (2.47)",
        operations=[{"method": "GET", "path": "/flavors/{flavor_id}/os-extra_specs"},
                    {"method": "GET", "path": "/flavors/{flavor_id}"},
                    {"method": "GET", "path": "/flavors/detail"},
                    {"method": "GET", "path": "/servers/{server_id}"},
                    {"method": "GET", "path": "/servers/detail"}]),
    _rule("os_compute_api:server-metadata:index", ADMIN_OR_OWNER,
          "List a server's metadata", "GET", "/servers/{server_id}/metadata"),
    _rule("os_compute_api:server-metadata:show", ADMIN_OR_OWNER,
          "Show one metadata item of a server", "GET",
          "/servers/{server_id}/metadata/{key}"),
    _rule("os_compute_api:server-metadata:create", ADMIN_OR_OWNER,
          "Add or overwrite metadata items of a server", "POST",
          "/servers/{server_id}/metadata"),
    _rule("os_compute_api:server-metadata:update_all", ADMIN_OR_OWNER,
          "Replace all the metadata of a server", "PUT", "/servers/{server_id}/metadata"),
    _rule("os_compute_api:server-metadata:update", ADMIN_OR_OWNER,
          "Set one metadata item of a server", "PUT",
          "/servers/{server_id}/metadata/{key}"),
    _rule("os_compute_api:server-metadata:delete", ADMIN_OR_OWNER,
          "Remove one metadata item of a server", "DELETE",
          "/servers/{server_id}/metadata/{key}"),
    _rule("os_compute_api:os-flavor-extra-specs:show", ADMIN_OR_OWNER,
          "Show one extra spec of a flavor", "GET",
          "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}"),
    _rule("os_compute_api:os-flavor-extra-specs:create", ADMIN,
          "Add or overwrite extra specs of a flavor", "POST",
          "/flavors/{flavor_id}/os-extra_specs"),
    _rule("os_compute_api:os-flavor-extra-specs:update", ADMIN,
          "Change one extra spec of a flavor", "PUT",
          "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}"),
    _rule("os_compute_api:os-flavor-extra-specs:delete", ADMIN,
          "Remove one extra spec of a flavor", "DELETE",
          "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}"),
    _rule("os_compute_api:os-instance-actions:events:details", ADMIN,
          "See the traceback and host of instance action events", "GET",
          "/servers/{server_id}/os-instance-actions/{request_id}"),
    _rule("os_compute_api:os-services:list", ADMIN, "List the services", "GET",
          "/os-services"),
    _rule("os_compute_api:os-services:update", ADMIN,
          "Enable, disable or force down a service", "PUT", "/os-services/{service_id}"),
    _rule("os_compute_api:os-services:delete", ADMIN, "Delete a service", "DELETE",
          "/os-services/{service_id}"),
    _rule("os_compute_api:os-aggregates:index", ADMIN,
          "List host aggregates", "GET",
          "/os-aggregates"),
    _rule("os_compute_api:os-aggregates:create", ADMIN,
          "Create a host aggregate", "POST",
          "/os-aggregates"),
    _rule("os_compute_api:os-aggregates:show", ADMIN,
          "Show a host aggregate", "GET",
          "/os-aggregates/{aggregate_id}"),
    _rule("os_compute_api:os-aggregates:update", ADMIN,
          "Rename a host aggregate or change its availability zone", "PUT",
          "/os-aggregates/{aggregate_id}"),
    _rule("os_compute_api:os-aggregates:delete", ADMIN,
          "Delete an empty host aggregate", "DELETE",
          "/os-aggregates/{aggregate_id}"),
    _rule("os_compute_api:os-aggregates:add_host", ADMIN,
          "Add a compute host to an aggregate", "POST",
          "/os-aggregates/{aggregate_id}/action (add_host)"),
    _rule("os_compute_api:os-aggregates:remove_host", ADMIN,
          "Remove a host from an aggregate", "POST",
          "/os-aggregates/{aggregate_id}/action (remove_host)"),
    _rule("os_compute_api:os-aggregates:set_metadata", ADMIN,
          "Set or delete an aggregate's metadata", "POST",
          "/os-aggregates/{aggregate_id}/action (set_metadata)"),
    _rule("compute:aggregates:images", ADMIN,
          "Pre-cache images on an aggregate's hosts (2.81)", "POST",
          "/os-aggregates/{aggregate_id}/images"),
    _rule("os_compute_api:os-availability-zone:list", "@",
          "List the availability zones and whether they are available", "GET",
          "/os-availability-zone"),
    _rule("os_compute_api:os-availability-zone:detail", ADMIN,
          "List the availability zones with their hosts and services", "GET",
          "/os-availability-zone/detail"),
    _rule("os_compute_api:os-hosts:list", ADMIN, "List hosts (deprecated, below 2.43)",
          "GET", "/os-hosts"),
    _rule("os_compute_api:os-hosts:show", ADMIN, "Show a host's resources (below 2.43)",
          "GET", "/os-hosts/{host_name}"),
    _rule("os_compute_api:os-hosts:update", ADMIN,
          "Enable or disable a host's compute service (below 2.43)", "PUT",
          "/os-hosts/{host_name}"),
    _rule("os_compute_api:os-hosts:reboot", ADMIN, "Reboot a host (below 2.43)", "GET",
          "/os-hosts/{host_name}/reboot"),
    _rule("os_compute_api:os-hosts:shutdown", ADMIN, "Shut down a host (below 2.43)", "GET",
          "/os-hosts/{host_name}/shutdown"),
    _rule("os_compute_api:os-hosts:start", ADMIN, "Start a host (below 2.43)", "GET",
          "/os-hosts/{host_name}/startup"),
    _rule("os_compute_api:os-hypervisors:list", ADMIN,
          "List the hypervisors (compute nodes) and their usage", "GET", "/os-hypervisors"),
    _rule("os_compute_api:os-flavor-manage:create", ADMIN, "Create a flavor", "POST",
          "/flavors"),
    _rule("os_compute_api:os-flavor-manage:update", ADMIN,
          "Change a flavor's description (2.55)", "PUT", "/flavors/{flavor_id}"),
    _rule("os_compute_api:os-flavor-manage:delete", ADMIN, "Delete a flavor", "DELETE",
          "/flavors/{flavor_id}"),
    _rule("os_compute_api:os-flavor-access", ADMIN,
          "List the projects a private flavor is shared with", "GET",
          "/flavors/{flavor_id}/os-flavor-access"),
    _rule("os_compute_api:os-flavor-access:add_tenant_access", ADMIN,
          "Share a private flavor with a project", "POST",
          "/flavors/{flavor_id}/action (addTenantAccess)"),
    _rule("os_compute_api:os-flavor-access:remove_tenant_access", ADMIN,
          "Stop sharing a private flavor with a project", "POST",
          "/flavors/{flavor_id}/action (removeTenantAccess)"),
    _rule("os_compute_api:extensions", "@", "List the (legacy, static) API extensions",
          "GET", "/extensions"),
    _rule("os_compute_api:ips:index", ADMIN_OR_OWNER,
          "List a server's addresses by network", "GET", "/servers/{server_id}/ips"),
    _rule("os_compute_api:ips:show", ADMIN_OR_OWNER,
          "List a server's addresses on one network", "GET",
          "/servers/{server_id}/ips/{network_label}"),
    _rule("os_compute_api:os-networks:list", "@",
          "List networks (the proxy to Neutron, below 2.36)", "GET", "/os-networks"),
    _rule("os_compute_api:os-networks:show", "@",
          "Show a network (the proxy to Neutron, below 2.36)", "GET",
          "/os-networks/{network_id}"),
    _rule("os_compute_api:os-migrations:index", ADMIN,
          "List migrations (resize, cold and live migration)", "GET", "/os-migrations"),
    _rule("os_compute_api:servers:migrations:index", ADMIN,
          "List a server's in-progress live migrations (2.23)", "GET",
          "/servers/{server_id}/migrations"),
    _rule("os_compute_api:servers:migrations:show", ADMIN,
          "Show a server's in-progress live migration (2.23)", "GET",
          "/servers/{server_id}/migrations/{migration_id}"),
    _rule("os_compute_api:servers:migrations:force_complete", ADMIN,
          "Force a server's in-progress live migration to complete (2.22)", "POST",
          "/servers/{server_id}/migrations/{migration_id}/action (force_complete)"),
    _rule("os_compute_api:servers:migrations:delete", ADMIN,
          "Abort a server's in-progress live migration (2.24)", "DELETE",
          "/servers/{server_id}/migrations/{migration_id}"),
    _rule("os_compute_api:os-server-external-events:create", ADMIN_OR_SERVICE,
          "Tell the compute service about a server's external events (Neutron, Cinder)",
          "POST", "/os-server-external-events"),
    _rule("os_compute_api:os-quota-sets:show", ADMIN_OR_OWNER, "Show a project's quotas",
          "GET", "/os-quota-sets/{project_id}"),
    _rule("os_compute_api:os-quota-sets:update", ADMIN, "Change a project's quotas", "PUT",
          "/os-quota-sets/{project_id}"),
    _rule("os_compute_api:os-keypairs:index", ADMIN_OR_USER,
          "List a user's key pairs (another user's: user_id, 2.10)", "GET", "/os-keypairs"),
    _rule("os_compute_api:os-keypairs:create", ADMIN_OR_USER,
          "Create or import a key pair (for another user: user_id, 2.10)", "POST",
          "/os-keypairs"),
    _rule("os_compute_api:os-keypairs:show", ADMIN_OR_USER, "Show a key pair", "GET",
          "/os-keypairs/{keypair_name}"),
    _rule("os_compute_api:os-keypairs:delete", ADMIN_OR_USER, "Delete a key pair",
          "DELETE", "/os-keypairs/{keypair_name}"),
    _rule("os_compute_api:os-quota-sets:detail", ADMIN_OR_OWNER,
          "Show a project's quotas with their usage", "GET",
          "/os-quota-sets/{project_id}/detail"),
    _rule("os_compute_api:os-quota-sets:defaults", "@",
          "Show the default quotas (anyone may)", "GET",
          "/os-quota-sets/{project_id}/defaults"),
    _rule("os_compute_api:os-quota-sets:delete", ADMIN,
          "Revert a project's quotas to the defaults", "DELETE",
          "/os-quota-sets/{project_id}"),
    _rule("os_compute_api:os-quota-class-sets:show", ADMIN,
          "Show the limits of a quota class", "GET", "/os-quota-class-sets/{quota_class}"),
    _rule("os_compute_api:os-quota-class-sets:update", ADMIN,
          "Change the limits of a quota class (class default: every project's defaults)",
          "PUT", "/os-quota-class-sets/{quota_class}"),
    _rule("os_compute_api:os-simple-tenant-usage:list", ADMIN,
          "Show every project's usage in a period", "GET", "/os-simple-tenant-usage"),
    _rule("os_compute_api:os-simple-tenant-usage:show", ADMIN_OR_OWNER,
          "Show a project's usage in a period", "GET",
          "/os-simple-tenant-usage/{tenant_id}"),
    _rule("os_compute_api:os-instance-usage-audit-log:list", ADMIN,
          "Show how the instance usage audit went on each host", "GET",
          "/os-instance_usage_audit_log"),
    _rule("os_compute_api:os-instance-usage-audit-log:show", ADMIN,
          "Show the instance usage audit of the period before a time", "GET",
          "/os-instance_usage_audit_log/{before_timestamp}"),
]


def list_rules() -> list:
    """For oslopolicy-sample-generator (entry point oslo.policy.policies: mininova)."""
    return RULES


# How long a policy file's change may take to be seen by an API process.
RECHECK_SECONDS = 1.0


class Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking for changes of the policy file and policy.d at
    most once every RECHECK_SECONDS. oslo.policy looks on every check: it searches the
    config directories for each and stats what it finds, three to five times a request
    (a tenth of the CPU of a GET of one server)."""

    _next_check = 0.0

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if force_reload or now >= self._next_check:
            super().load_rules(force_reload)
            self._next_check = now + RECHECK_SECONDS

    def set_rules(self, rules, overwrite: bool = True, use_conf: bool = False) -> None:
        """Rules set (or cleared) in code are merged with the defaults at the next check."""
        super().set_rules(rules, overwrite=overwrite, use_conf=use_conf)
        self._next_check = 0.0

    def register_default(self, default) -> None:
        super().register_default(default)
        self._next_check = 0.0


def get_enforcer(conf: cfg.ConfigOpts) -> policy.Enforcer:
    """One enforcer per API process, with the in-code defaults registered."""
    enforcer = Enforcer(conf)
    enforcer.register_defaults(RULES)
    return enforcer


def authorize(enforcer: policy.Enforcer, context, rule: str, target: dict | None = None,
              do_raise: bool = True) -> bool:
    """True when ``context`` may do ``rule`` on ``target`` (default: its own project);
    with ``do_raise`` a refusal is a 403 Forbidden fault."""
    target = target if target is not None else {"project_id": context.project_id}
    return enforcer.authorize(rule, target, context, do_raise=do_raise,
                              exc=exception.Forbidden, action=rule)
