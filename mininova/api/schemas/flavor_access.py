"""Request bodies of the os-flavor-access actions on POST /flavors/{flavor_id}/action:
``{"addTenantAccess": {"tenant": P}}`` and ``{"removeTenantAccess": {"tenant": P}}``."""

# The value of either action's key.
tenant_access = {
    "type": "object",
    # NOTE: a project id as flavor_projects.project_id stores it.
    "properties": {"tenant": {"type": "string", "minLength": 1, "maxLength": 255}},
    "required": ["tenant"],
    "additionalProperties": False,
}
