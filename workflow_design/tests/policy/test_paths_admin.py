"""The permission table through the admin: its pages, lifecycle pages, bundle pages and object permissions."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.urls import reverse

from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.policy import Action
from workflow_design.tests.policy.conftest import DRAFT, IMPORTED, PUBLISHED, World
from workflow_design.tests.policy.seen import Seen, admin_page_seen, assert_cell
from workflow_design.tests.policy.table import ALLOWED, NOT_FOUND, cells


def url(name: str, *args) -> str:
    return reverse(f"admin:workflow_design_workflowdefinition_{name}", args=args)


def form_data(w: World, role: str, workflow: WorkflowDefinition | None = None, **values) -> dict:
    """The POST of the workflow page without task or transition rows."""
    data = {
        "title": workflow.title if workflow else "Added",
        "slug": workflow.slug if workflow else "added",
        "description": "",
        "ext_ref": "[]",
        "fields": "[]",
        "display_layout": "[]",
        **{f"{prefix}-{key}": value for prefix in ("tasks", "transitions") for key, value in MANAGEMENT.items()},
        **values,
    }
    if workflow is not None:
        data["opened_revision"] = str(workflow.revision)
    elif w.users[role].is_superuser:
        data["company"] = str(w.alpha.pk)
    return data


MANAGEMENT = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def changelist(client, w: World, role: str) -> Seen:
    response = client.get(url("changelist"))
    listed = response.status_code == 200 and url("change", w.draft_pk) in response.content.decode()
    result = admin_page_seen(response, listed, "changelist")
    if result.outcome == ALLOWED and not listed:
        return Seen(NOT_FOUND, False, detail="changelist answered 200 without the row")
    return result


def change_page(client, w: World, role: str) -> Seen:
    response = client.get(url("change", w.draft_pk))
    return admin_page_seen(
        response, response.status_code == 200 and "Expenses" in response.content.decode(), "change page"
    )


def add(client, w: World, role: str) -> Seen:
    response = client.post(url("add"), form_data(w, role))
    done = WorkflowDefinition.objects.filter(slug="added", company=w.own_company(role)).exists()
    return admin_page_seen(response, done, "add page")


def change(client, w: World, role: str) -> Seen:
    response = client.post(url("change", w.draft_pk), form_data(w, role, w.draft(), title="Renamed"))
    return admin_page_seen(response, w.draft().title == "Renamed", "change page POST")


def delete(client, w: World, role: str) -> Seen:
    response = client.post(url("delete", w.draft_pk), {"post": "yes"})
    return admin_page_seen(response, not WorkflowDefinition.objects.filter(pk=w.draft_pk).exists(), "delete page POST")


def publish(client, w: World, role: str) -> Seen:
    response = client.post(url("publish", w.ready_pk), {"confirm": "yes"})
    return admin_page_seen(response, w.ready().status == DefinitionStatus.PUBLISHED, "publish/ POST")


def archive(client, w: World, role: str) -> Seen:
    response = client.post(url("archive", w.published_pk), {"confirm": "yes"})
    return admin_page_seen(response, w.published().status == DefinitionStatus.ARCHIVED, "archive/ POST")


def new_version(client, w: World, role: str) -> Seen:
    response = client.post(url("new_version", w.published_pk), {"confirm": "yes"})
    done = WorkflowDefinition.objects.filter(company=w.alpha, slug=PUBLISHED, version=2).exists()
    return admin_page_seen(response, done, "new-version/ POST")


def bundle_import(client, w: World, role: str) -> Seen:
    data = {"document": json.dumps(w.bundle), "confirm": "1"}
    if w.users[role].is_superuser:
        data["company"] = str(w.alpha.pk)
    response = client.post(url("bundle_import"), data)
    done = WorkflowDefinition.objects.filter(slug=IMPORTED, company=w.own_company(role)).exists()
    return admin_page_seen(response, done, "bundle-import/ POST")


def bundle_export(client, w: World, role: str) -> Seen:
    response = client.get(url("bundle_export", w.draft_pk))
    done = response.status_code == 200 and json.loads(response.content)["workflow"]["slug"] == DRAFT
    return admin_page_seen(response, done, "<id>/bundle/")


def object_permissions(client, w: World, role: str) -> Seen:
    response = client.get(url("permissions", w.draft_pk))
    done = response.status_code == 200 and "Expenses" in response.content.decode()
    return admin_page_seen(response, done, "<id>/permissions/")


def run_action(client, name: str, pk: int, **extra):
    """A changelist action on one selected row."""
    return client.post(url("changelist"), {"action": name, "_selected_action": [str(pk)], "index": "0", **extra})


def action_seen(response, done: bool, what: str) -> Seen:
    """A changelist action that found nothing to act on did nothing and said nothing: not found."""
    result = admin_page_seen(response, done, what)
    if result.outcome == ALLOWED and not done:
        return Seen(NOT_FOUND, False, detail=f"{what} answered {response.status_code} and did nothing")
    return result


def delete_selected(client, w: World, role: str) -> Seen:
    response = run_action(client, "delete_selected", w.draft_pk, post="yes")
    done = not WorkflowDefinition.objects.filter(pk=w.draft_pk).exists()
    return action_seen(response, done, "action delete_selected")


def publish_selected(client, w: World, role: str) -> Seen:
    response = run_action(client, "publish_selected", w.ready_pk)
    return action_seen(response, w.ready().status == DefinitionStatus.PUBLISHED, "action publish_selected")


def archive_selected(client, w: World, role: str) -> Seen:
    response = run_action(client, "archive_selected", w.published_pk)
    return action_seen(response, w.published().status == DefinitionStatus.ARCHIVED, "action archive_selected")


def new_version_selected(client, w: World, role: str) -> Seen:
    response = run_action(client, "new_version_selected", w.published_pk)
    done = WorkflowDefinition.objects.filter(company=w.alpha, slug=PUBLISHED, version=2).exists()
    return action_seen(response, done, "action new_version_selected")


def export_bundles(client, w: World, role: str) -> Seen:
    response = run_action(client, "export_bundles", w.draft_pk)
    done = (
        response.get("Content-Type") == "application/json" and json.loads(response.content)["workflow"]["slug"] == DRAFT
    )
    return action_seen(response, done, "action export_bundles")


PAGES: dict[Action, tuple[Callable[..., Seen], ...]] = {
    Action.VIEW: (changelist, change_page),
    Action.ADD: (add,),
    Action.CHANGE: (change,),
    Action.DELETE: (delete, delete_selected),
    Action.PUBLISH: (publish, publish_selected),
    Action.ARCHIVE: (archive, archive_selected),
    Action.NEW_VERSION: (new_version, new_version_selected),
    Action.IMPORT: (bundle_import,),
    Action.EXPORT: (bundle_export, export_bundles),
    Action.GRANT: (object_permissions,),
}

CASES = [
    pytest.param(page, action, role, expected, id=f"{page.__name__}-{role}")
    for action, role, expected in cells()
    for page in PAGES[action]
]


@pytest.mark.parametrize(("page", "action", "role", "expected"), CASES)
def test_admin_follows_the_table(w, client, page, action, role, expected):
    client.force_login(w.users[role])
    assert_cell(page(client, w, role), action=action, role=role, expected=expected, messages=False)


def test_admin_asks_for_staff_status_before_the_policy(w, client):
    """Staff status is Django's own gate: a creator without it is sent to the login page."""
    client.force_login(w.not_staff_creator)
    response = client.get(url("change", w.draft_pk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
