"""/identity: the few Identity v3 reads the stock clients make in noauth2 mode.

``openstack quota show|set PROJECT`` and ``limits show --project PROJECT`` look PROJECT up
in Identity v3 (openstacksdk's ``find_project``: ``GET /v3/projects/PROJECT``, then
``GET /v3/projects?name=PROJECT``) before they call the Compute API. Without Keystone
there is nobody to ask, so this module answers those reads itself, under the root
``/identity`` (devstack's layout for Keystone) with its version documents.

What it does: in noauth2 a project is whatever id a token names (``user:project``);
nothing registers projects, so every id is a project, whose name is its id, in the
domain ``default``. An administrator (token user ``admin``) can look up any id or name;
any other caller only its own project (Keystone's default policy: another project's id is
403, a name filter matches only the caller's own project).

What it does not do: authenticate (no ``/v3/auth/tokens``), list every project (there is
no registry to list: ``GET /identity/v3/projects`` without ``name`` is 501), or serve
users, domains, roles or the catalog. Anything else under ``/identity`` is a 501
``notImplemented`` fault. It is not mounted with ``[api] auth_strategy = keystone``:
Keystone is then the identity service, and these paths are a 404 like any unknown one.
"""
import re

import falcon

from mininova.api import faults
from mininova.api.views import identity as views

# NOTE: its version documents answer without a token (api/auth.py's PUBLIC_PATHS).
ROOT = "/identity"


def _visible(ctxt, project_id: str) -> bool:
    return bool(ctxt.is_admin) or project_id == ctxt.project_id


class Versions:
    """GET /identity: the versions Keystone would list (v3 only)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = views.versions(req.prefix)


class VersionV3:
    """GET /identity/v3: where clients discover the v3 endpoint."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = views.version(req.prefix)


class ProjectCollection:
    """GET /identity/v3/projects?name=P: the project P, when the caller may see it."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        name = req.get_param("name", default=None)
        if name is None:
            raise falcon.HTTPNotImplemented(description=(
                "mininova's noauth2 Identity subset has no project registry to list: "
                "filter by name (?name=) or GET /identity/v3/projects/{project_id}."))
        domain = req.get_param("domain_id")
        ctxt = req.context.ctxt
        found = ([name] if name and _visible(ctxt, name)
                 and domain in (None, views.DEFAULT_DOMAIN) else [])
        resp.media = views.project_list(req.prefix, found, req.query_string)


class ProjectItem:
    """GET /identity/v3/projects/{project_id}: every id is a project in noauth2."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, project_id: str) -> None:
        if not _visible(req.context.ctxt, project_id):
            raise falcon.HTTPForbidden(description=(
                f"Only an administrator or a member of project {project_id} may show it."))
        resp.media = {"project": views.project(req.prefix, project_id)}


def _not_served(req: falcon.Request, resp: falcon.Response, **kwargs) -> None:
    resp.status = falcon.HTTP_501
    resp.media = faults.fault_body(501, (
        f"{req.method} {req.path} is not served: mininova's noauth2 Identity subset "
        "answers only the version documents and project look-ups (GET "
        "/identity/v3/projects/{project_id}, GET /identity/v3/projects?name=)."))


def add_routes(app: falcon.App) -> None:
    """Mount the subset on ``app``: its routes, and a 501 for the rest of /identity."""
    app.add_route(ROOT, Versions())
    app.add_route(ROOT + "/v3", VersionV3())
    app.add_route(ROOT + "/v3/projects", ProjectCollection())
    app.add_route(ROOT + "/v3/projects/{project_id}", ProjectItem())
    app.add_sink(_not_served, prefix=re.compile(re.escape(ROOT) + r"(?=/|$)"))
