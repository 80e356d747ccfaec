"""Identity v3 views for the noauth2 subset (api/identity.py): Keystone's documents."""

VERSION_ID = "v3.14"
_UPDATED = "2020-04-07T00:00:00Z"
_MEDIA_TYPE = "application/vnd.openstack.identity-v3+json"
DEFAULT_DOMAIN = "default"


def _v3(base_url: str) -> dict:
    return {"id": VERSION_ID, "status": "stable", "updated": _UPDATED,
            "links": [{"rel": "self", "href": f"{base_url}/identity/v3/"}],
            "media-types": [{"base": "application/json", "type": _MEDIA_TYPE}]}


def versions(base_url: str) -> dict:
    """GET /identity: Keystone's list of versions (``{"versions": {"values": [...]}}``)."""
    return {"versions": {"values": [_v3(base_url)]}}


def version(base_url: str) -> dict:
    """GET /identity/v3: the one version served."""
    return {"version": _v3(base_url)}


def project(base_url: str, project_id: str) -> dict:
    """A noauth2 project: its name is its id, it lives in the default domain."""
    return {"id": project_id, "name": project_id, "domain_id": DEFAULT_DOMAIN,
            "parent_id": DEFAULT_DOMAIN, "description": "", "enabled": True,
            "is_domain": False, "tags": [], "options": {},
            "links": {"self": f"{base_url}/identity/v3/projects/{project_id}"}}


def project_list(base_url: str, project_ids: list[str], query: str) -> dict:
    self_href = f"{base_url}/identity/v3/projects" + (f"?{query}" if query else "")
    return {"projects": [project(base_url, pid) for pid in project_ids],
            "links": {"self": self_href, "previous": None, "next": None}}
