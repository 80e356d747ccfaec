"""The os-flavor-access body: one entry per project a private flavor is shared with."""


def access_list(flavor, project_ids: list[str]) -> dict:
    return {"flavor_access": [{"flavor_id": flavor.flavorid, "tenant_id": project_id}
                              for project_id in project_ids]}
