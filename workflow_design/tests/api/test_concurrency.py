"""No lost updates: the revision a client last read (`expected_revision` or `If-Match`)."""

from __future__ import annotations

import pytest

from ticketflower.testing.factories import TicketFactory, WorkflowFactory, simple_workflow
from workflow_design.tests.api.samples import TK, T, W


def test_stale_workflow_revision_is_refused_with_409(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    seen = api.get(f"{W}{workflow.pk}/").json()["revision"]
    first = api.patch(f"{W}{workflow.pk}/", {"title": "First", "expected_revision": seen}, format="json")
    assert first.status_code == 200
    second = api.patch(f"{W}{workflow.pk}/", {"title": "Second", "expected_revision": seen}, format="json")
    assert second.status_code == 409
    assert "Someone else changed" in second.json()["non_field_errors"][0]
    task = workflow.tasks.first()
    stale_task = api.patch(f"{T}{task.pk}/", {"title": "Late"}, format="json", HTTP_IF_MATCH=f'"{seen}"')
    assert stale_task.status_code == 409
    stale_delete = api.delete(f"{T}{task.pk}/", HTTP_IF_MATCH=str(seen))
    assert stale_delete.status_code == 409
    workflow.refresh_from_db()
    task.refresh_from_db()
    assert workflow.title == "First" and task.title != "Late"
    current = api.get(f"{W}{workflow.pk}/").json()["revision"]
    fresh = api.patch(f"{T}{task.pk}/", {"title": "Fresh", "expected_revision": current}, format="json")
    assert fresh.status_code == 200
    assert api.patch(f"{W}{workflow.pk}/", {"title": "X"}, HTTP_IF_MATCH="abc").status_code == 400


def test_stale_ticket_revision_is_refused_with_409(api, creator_a):
    ticket = TicketFactory(workflow=WorkflowFactory(company=creator_a.company))
    seen = api.get(f"{TK}{ticket.pk}/").json()["revision"]
    first = api.patch(f"{TK}{ticket.pk}/", {"title": "One", "expected_revision": seen}, format="json")
    assert first.status_code == 200
    assert first.json()["revision"] > seen
    late = api.patch(f"{TK}{ticket.pk}/", {"title": "Two"}, format="json", HTTP_IF_MATCH=f'"{seen}"')
    assert late.status_code == 409
    assert "Someone else changed" in late.json()["non_field_errors"][0]
    ticket.refresh_from_db()
    assert ticket.title == "One"
    current = first.json()["revision"]
    fresh = api.patch(f"{TK}{ticket.pk}/", {"title": "Three"}, format="json", HTTP_IF_MATCH=str(current))
    assert fresh.status_code == 200
    assert api.patch(f"{TK}{ticket.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH="abc").status_code == 400


@pytest.mark.parametrize("kind", ["workflow", "ticket"])
def test_stale_delete_is_refused_with_409(api, workflow, kind):
    row = workflow if kind == "workflow" else TicketFactory(workflow=workflow)
    url = f"{W if kind == 'workflow' else TK}{row.pk}/"
    seen = api.get(url).json()["revision"]
    assert api.patch(url, {"title": "Changed"}, format="json").status_code == 200
    stale = api.delete(url, HTTP_IF_MATCH=f'"{seen}"')
    assert stale.status_code == 409
    assert type(row).objects.filter(pk=row.pk).exists()
    assert api.delete(url, HTTP_IF_MATCH=f'"{seen + 1}"').status_code == 204
