"""Published definitions are read-only (409); publish, new version and lint."""

from __future__ import annotations

from ticketflower.testing.factories import TaskFactory, TicketFactory, simple_workflow
from workflow_design.models import DefinitionStatus
from workflow_design.tests.api.samples import TK, TR, T, W, publish


def test_published_definitions_refuse_every_change_with_409(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    ticket = TicketFactory(workflow=workflow, slug="published-ticket")
    published = api.post(f"{W}{workflow.pk}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    task = workflow.tasks.first()
    transition = workflow.transitions.first()
    attempts = [
        api.patch(f"{W}{workflow.pk}/", {"title": "Changed"}, format="json"),
        api.delete(f"{W}{workflow.pk}/"),
        api.patch(f"{T}{task.pk}/", {"title": "Changed"}, format="json"),
        api.delete(f"{T}{task.pk}/"),
        api.post(f"{W}{workflow.pk}/tasks/", {"title": "New", "slug": "new"}, format="json"),
        api.post(T, {"workflow": workflow.pk, "title": "New", "slug": "new"}, format="json"),
        api.patch(f"{TR}{transition.pk}/", {"priority": 1}, format="json"),
        api.delete(f"{TR}{transition.pk}/"),
        api.post(f"{W}{workflow.pk}/publish/"),
    ]
    ticket.refresh_from_db()
    if ticket.status == DefinitionStatus.PUBLISHED:
        attempts.append(api.patch(f"{TK}{ticket.pk}/", {"title": "Changed"}, format="json"))
    for response in attempts:
        assert response.status_code in (409, 400), response.json()
    conflicts = [r for r in attempts if r.status_code == 409]
    # Everything but the task created through the flat route (whose workflow choice lists
    # only what the user may change) is a 409 conflict with a message saying why.
    assert len(conflicts) >= len(attempts) - 1
    for response in conflicts:
        messages = " ".join(m for ms in response.json().values() for m in ms)
        assert "read-only" in messages or "only a draft" in messages
    workflow.refresh_from_db()
    assert workflow.title != "Changed" and workflow.tasks.count() == 2 and workflow.transitions.count() == 3


def test_publish_refused_while_lint_errors(api, workflow):
    TaskFactory(workflow=workflow, slug="orphan")
    response = api.post(f"{W}{workflow.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_new_version_copies_a_published_workflow_as_a_draft(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    publish(workflow)
    response = api.post(f"{W}{workflow.pk}/new-version/")
    assert response.status_code == 201
    data = response.json()
    assert (data["slug"], data["version"], data["status"]) == (workflow.slug, 2, "draft")
    assert data["created_by"] == creator_a.pk
    assert api.get(f"{W}{data['id']}/tasks/").json()["count"] == 2
    again = api.post(f"{W}{workflow.pk}/new-version/")
    assert again.status_code == 409
    assert "already a draft" in again.json()["non_field_errors"][0]


def test_lint_returns_findings_with_the_object_at_fault(api, workflow, creator_a):
    orphan = TaskFactory(workflow=workflow, slug="orphan")
    response = api.get(f"{W}{workflow.pk}/lint/")
    assert response.status_code == 200
    report = response.json()
    assert report["workflow"] == workflow.pk
    assert report["ok"] is False and report["errors"] >= 1
    finding = next(f for f in report["findings"] if f["object_slug"] == "orphan")
    assert {"level", "code", "message", "object_type", "object_slug", "object_id", "pointer", "hint"} <= set(finding)
    assert finding["pointer"] == "/tasks/0" and finding["hint"]
    assert finding["object_type"] == "task" and finding["object_id"] == orphan.pk
    clean = simple_workflow(creator_a.company)
    assert api.get(f"{W}{clean.pk}/lint/").json()["errors"] == 0
