"""A ticket definition is refused, at its field list, when it would make valid conditions of its
workflow invalid (which would leave the designer refusing every save of that workflow)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, WorkflowFactory
from workflow_design.models import TicketDefinition, WorkflowTransition
from workflow_design.services import ticket_create, ticket_update, transition_update
from workflow_design.tests.admin.test_admin_designer_saving import ticket_post

AMOUNT = [{"name": "amount", "label": "Amount", "type": "number"}]
REASON = [{"name": "reason", "label": "Reason", "type": "text"}]


@pytest.fixture
def guarded(creator_a):
    """A workflow whose transition reads `ticket.amount`, and a ticket definition that has it."""
    workflow = WorkflowFactory(company=creator_a.company, slug="purchase", title="Purchase")
    review = TaskFactory(workflow=workflow, slug="review", title="Review", position=1)
    TicketFactory(workflow=workflow, slug="order", fields=AMOUNT)
    TransitionFactory(workflow=workflow, from_task=None, to_task=review, condition="ticket.amount > 10")
    return workflow


def test_new_ticket_definition_without_the_field_a_condition_reads_is_refused(guarded, creator_a):
    with pytest.raises(ValidationError) as refused:
        ticket_create(user=creator_a, company=creator_a.company, workflow=guarded, slug="note", title="Note")
    message = refused.value.message_dict["fields"][0]
    assert list(refused.value.message_dict) == ["fields"]
    assert "Purchase (purchase)" in message
    assert "start → Review" in message and "amount" in message
    assert not TicketDefinition.objects.filter(slug="note").exists()
    # With the field, or with another of its own beside it, it is made.
    made = ticket_create(
        user=creator_a, company=creator_a.company, workflow=guarded, slug="note", title="Note", fields=AMOUNT + REASON
    )
    assert made.pk is not None


def test_dropping_the_field_a_condition_reads_is_refused(guarded, creator_a):
    order = TicketDefinition.objects.get(slug="order")
    with pytest.raises(ValidationError) as refused:
        ticket_update(ticket=order, user=creator_a, fields=REASON)
    assert "start → Review" in refused.value.message_dict["fields"][0]
    order.refresh_from_db()
    assert order.fields[0]["name"] == "amount"
    # A change that leaves the fields alone is not checked against the conditions.
    assert ticket_update(ticket=order, user=creator_a, title="Order form").title == "Order form"


def test_moving_a_ticket_definition_to_a_workflow_whose_conditions_it_breaks_is_refused(guarded, creator_a):
    elsewhere = TicketFactory(workflow=WorkflowFactory(company=creator_a.company), slug="plain", fields=REASON)
    with pytest.raises(ValidationError) as refused:
        ticket_update(ticket=elsewhere, user=creator_a, workflow=guarded)
    assert "Purchase (purchase)" in refused.value.message_dict["fields"][0]


def test_conditions_already_invalid_are_not_charged_to_the_ticket_definition(creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    task = TaskFactory(workflow=workflow, slug="only", position=1)
    transition = TransitionFactory(workflow=workflow, from_task=None, to_task=task, condition="true")
    # Stored behind the checks' back: invalid before any ticket definition exists.
    WorkflowTransition.objects.filter(pk=transition.pk).update(condition="output.nothing == 1")
    made = ticket_create(user=creator_a, company=creator_a.company, workflow=workflow, slug="t", title="T")
    assert made.pk is not None


def test_api_answers_the_refusal_at_the_field_list(guarded, creator_a):
    api = APIClient()
    api.force_authenticate(creator_a)
    body = {"title": "Note", "slug": "note", "workflow": guarded.pk, "fields": REASON}
    response = api.post("/api/workflow/tickets/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["fields"]
    assert "start → Review" in response.json()["fields"][0]


def test_the_designer_keeps_saving_the_workflow(guarded, creator_a):
    """What the refusal protects: the workflow's own conditions stay valid and saveable."""
    with pytest.raises(ValidationError):
        ticket_create(user=creator_a, company=creator_a.company, workflow=guarded, slug="note", title="Note")
    transition = WorkflowTransition.objects.get(workflow=guarded)
    saved = transition_update(transition=transition, user=creator_a, priority=20)
    assert saved.priority == 20


def test_admin_shows_the_refusal_at_the_field_list(guarded, client_a):
    order = TicketDefinition.objects.get(slug="order")
    url = reverse("admin:workflow_design_ticketdefinition_change", args=[order.pk])
    response = client_a.post(url, ticket_post(order, fields=REASON))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"fields", "__all__"}  # the field's error and the page's "nothing was saved"
    assert "start → Review" in errors["fields"][0], errors
    order.refresh_from_db()
    assert order.fields[0]["name"] == "amount"
