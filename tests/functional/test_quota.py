"""Quotas and project isolation as a tenant sees them through the API."""
import uuid


def _project_client(api):
    project = "quota-" + uuid.uuid4().hex[:8]
    return project, api.clone(token=f"member:{project}")


def test_quota_exhaustion_and_return(api, servers):
    project, user = _project_client(api)
    resp = api.request("PUT", f"/v2.1/os-quota-sets/{project}",
                       body={"quota_set": {"instances": 2}})
    assert resp.status_code == 200, resp.text
    first = user.create_server("q1", "1", servers.image_id).json()["server"]["id"]
    servers.track(first)
    second = user.create_server("q2", "1", servers.image_id).json()["server"]["id"]
    servers.track(second)

    over = user.create_server("q3", "1", servers.image_id)
    assert over.status_code == 403, over.text
    message = over.json()["forbidden"]["message"]
    assert "Quota exceeded for instances: Requested 1, but already used 2 of 2" in message
    absolute = user.get("/v2.1/limits").json()["limits"]["absolute"]
    assert (absolute["totalInstancesUsed"], absolute["maxTotalInstances"]) == (2, 2)

    # Deleting gives the usage back at once.
    api.wait_for_status(first, "ACTIVE")
    assert user.delete(f"/v2.1/servers/{first}").status_code == 204
    api.wait_for_deleted(first)
    again = user.create_server("q4", "1", servers.image_id)
    assert again.status_code == 202, again.text
    servers.track(again.json()["server"]["id"])


def test_failed_build_gives_its_usage_back(api, servers):
    project, user = _project_client(api)
    api.request("PUT", f"/v2.1/os-quota-sets/{project}",
                body={"quota_set": {"instances": 1, "ram": -1}})
    failed = user.create_server("huge", "99", servers.image_id).json()["server"]["id"]
    servers.track(failed)
    api.wait_for_status(failed, "ERROR")
    ok = user.create_server("fits", "1", servers.image_id)
    assert ok.status_code == 202, ok.text
    servers.track(ok.json()["server"]["id"])


def test_admin_only_operations_are_403_for_members(api):
    _, user = _project_client(api)
    for method, path, body in (("GET", "/v2.1/os-services", None),
                               ("PUT", "/v2.1/os-quota-sets/other",
                                {"quota_set": {"instances": 50}}),
                               ("GET", "/v2.1/os-quota-sets/other", None)):
        kwargs = {"body": body} if body is not None else {}
        resp = user.request(method, path, **kwargs)
        assert resp.status_code == 403, f"{method} {path}: {resp.status_code} {resp.text}"
        assert resp.json()["forbidden"]["code"] == 403
