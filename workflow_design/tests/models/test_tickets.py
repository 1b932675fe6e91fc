"""Ticket definitions: model rules and database constraints, each accepted and rejected once with its message."""

import pytest
from django.core.exceptions import ValidationError

from ticketflower.testing.factories import (
    CompanyFactory,
    CompanyRoleFactory,
    TaskFactory,
    TicketFactory,
    TransitionFactory,
    WorkflowFactory,
)
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.models.messages import messages_of

pytestmark = pytest.mark.django_db


def test_ticket_workflow_must_be_of_same_company():
    workflow = WorkflowFactory()
    ticket = TicketDefinition(company=CompanyFactory(), workflow=workflow, title="x", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "workflow of this ticket definition's company" in messages_of(excinfo, "workflow")


def test_ticket_role_access_only_company_roles():
    ticket = TicketFactory()
    CompanyRoleFactory(company=ticket.company, slug="employee")
    CompanyRoleFactory(slug="intruder")
    ticket.company_role_access = ["employee", "intruder"]
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "Unknown company role(s): intruder" in messages_of(excinfo, "company_role_access")
    ticket.company_role_access = ["employee"]
    ticket.full_clean()


def test_ticket_edit_layout_unknown_field_rejected():
    ticket = TicketFactory()
    ticket.fields = [{"name": "system", "label": "System", "type": "text"}]
    ticket.edit_layout = [{"title": "Main", "fields": ["system", "sytem"]}]
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "'sytem'" in messages_of(excinfo, "edit_layout")


def test_definition_natural_keys():
    task = TaskFactory(slug="review", workflow=WorkflowFactory(slug="onboard", company=CompanyFactory(slug="acme")))
    transition = TransitionFactory(workflow=task.workflow, to_task=task)
    ticket = TicketFactory(workflow=task.workflow, slug="hire")
    assert task.natural_key() == ("acme", "onboard", 1, "review")
    assert TaskDefinition.objects.get_by_natural_key(*task.natural_key()) == task
    assert WorkflowDefinition.objects.get_by_natural_key("acme", "onboard", 1) == task.workflow
    assert WorkflowTransition.objects.get_by_natural_key(*transition.natural_key()) == transition
    assert transition.slug == "start-to-review"
    assert TicketDefinition.objects.get_by_natural_key("acme", "hire", 1) == ticket
