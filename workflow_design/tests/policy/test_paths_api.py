"""The permission table through the REST API (/api/workflow/workflows/), signed in with a session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.policy import Action
from workflow_design.tests.policy.conftest import DRAFT, IMPORTED, PUBLISHED, World
from workflow_design.tests.policy.seen import SIGNED_OUT, Seen, assert_cell, http_outcome
from workflow_design.tests.policy.table import ALLOWED, NOT_FOUND, cells

W = "/api/workflow/workflows/"


def body(response):
    if not response.content or "json" not in response.get("Content-Type", ""):
        return {}
    return response.json()


def seen(response, done: bool, what: str) -> Seen:
    data = body(response)
    message = SIGNED_OUT if response.status_code == 401 else ""
    if response.status_code == 403 and isinstance(data, dict):
        message = str(data.get("detail", data))
    return Seen(
        outcome=http_outcome(response.status_code),
        done=done,
        message=message,
        detail=f"{what} answered {response.status_code} {str(data)[:200]}",
    )


def listing(api, w: World, role: str) -> Seen:
    response = api.get(W)
    data = body(response)
    listed = response.status_code == 200 and w.draft_pk in [row["id"] for row in data.get("results", [])]
    result = seen(response, listed, "GET list")
    if result.outcome == ALLOWED and not listed:
        return Seen(NOT_FOUND, False, detail="GET list answered 200 without the row")
    return result


def retrieve(api, w: World, role: str) -> Seen:
    response = api.get(f"{W}{w.draft_pk}/")
    return seen(response, response.status_code == 200 and body(response).get("slug") == DRAFT, "GET <id>/")


def create(api, w: World, role: str) -> Seen:
    data = {"title": "Added", "slug": "added"}
    if w.users[role].is_superuser:
        data["company"] = w.alpha.pk
    response = api.post(W, data, format="json")
    done = WorkflowDefinition.objects.filter(slug="added", company=w.own_company(role)).exists()
    return seen(response, done, "POST")


def patch(api, w: World, role: str) -> Seen:
    response = api.patch(f"{W}{w.draft_pk}/", {"title": "Renamed"}, format="json")
    return seen(response, w.draft().title == "Renamed", "PATCH <id>/")


def delete(api, w: World, role: str) -> Seen:
    response = api.delete(f"{W}{w.draft_pk}/")
    return seen(response, not WorkflowDefinition.objects.filter(pk=w.draft_pk).exists(), "DELETE <id>/")


def publish(api, w: World, role: str) -> Seen:
    response = api.post(f"{W}{w.ready_pk}/publish/")
    return seen(response, w.ready().status == DefinitionStatus.PUBLISHED, "POST <id>/publish/")


def new_version(api, w: World, role: str) -> Seen:
    response = api.post(f"{W}{w.published_pk}/new-version/")
    done = WorkflowDefinition.objects.filter(company=w.alpha, slug=PUBLISHED, version=2).exists()
    return seen(response, done, "POST <id>/new-version/")


def import_bundle(api, w: World, role: str) -> Seen:
    # A superuser names the company, as in `POST` (`company`).
    query = f"?company={w.alpha.pk}" if w.users[role].is_superuser else ""
    response = api.post(f"{W}import-bundle/{query}", w.bundle, format="json")
    done = WorkflowDefinition.objects.filter(slug=IMPORTED, company=w.own_company(role)).exists()
    return seen(response, done, "POST import-bundle/")


def bundle(api, w: World, role: str) -> Seen:
    response = api.get(f"{W}{w.draft_pk}/bundle/")
    done = response.status_code == 200 and body(response).get("workflow", {}).get("slug") == DRAFT
    return seen(response, done, "GET <id>/bundle/")


# The API has no archive and no object-permission endpoint (see docs/permissions.md).
ENDPOINTS: dict[Action, tuple[Callable[..., Seen], ...]] = {
    Action.VIEW: (listing, retrieve),
    Action.ADD: (create,),
    Action.CHANGE: (patch,),
    Action.DELETE: (delete,),
    Action.PUBLISH: (publish,),
    Action.NEW_VERSION: (new_version,),
    Action.IMPORT: (import_bundle,),
    Action.EXPORT: (bundle,),
}

CASES = [
    pytest.param(endpoint, action, role, expected, id=f"{endpoint.__name__}-{role}")
    for action, role, expected in cells(ENDPOINTS)
    for endpoint in ENDPOINTS[action]
]


@pytest.mark.parametrize(("endpoint", "action", "role", "expected"), CASES)
def test_api_follows_the_table(w, endpoint, action, role, expected):
    api = APIClient()
    api.force_login(w.users[role])
    assert_cell(endpoint(api, w, role), action=action, role=role, expected=expected, messages=True)


def test_api_does_not_ask_for_staff_status(w):
    api = APIClient()
    api.force_login(w.not_staff_creator)
    response = api.patch(f"{W}{w.draft_pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    assert w.draft().title == "Renamed"


def test_api_ignores_a_company_named_by_a_creator(w):
    api = APIClient()
    api.force_login(w.users["creator"])
    response = api.post(W, {"title": "Added", "slug": "added", "company": w.beta.pk}, format="json")
    assert response.status_code == 201, response.content
    assert WorkflowDefinition.objects.get(slug="added").company == w.alpha
