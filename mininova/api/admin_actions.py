"""Admin server actions: os-resetState (POST /servers/{id}/action), as Nova's
admin_actions: set vm_state active or error and clear the task, without the compute."""
import falcon

# Nova's body: {"os-resetState": {"state": "active" | "error"}}.
reset_state_schema = {
    "type": "object",
    "properties": {"state": {"type": "string", "enum": ["active", "error"]}},
    "required": ["state"],
    "additionalProperties": False,
}


def reset_state(compute_api, req: falcon.Request, instance, body: dict) -> None:
    """202; admins only (os_compute_api:os-admin-actions:reset_state)."""
    ctxt = req.context.ctxt
    ctxt.can("os_compute_api:os-admin-actions:reset_state",
             {"project_id": instance.project_id})
    compute_api.reset_state(ctxt, instance, body["state"])
