"""Ticket definitions through the API."""

from __future__ import annotations

from ticketflower.testing.factories import CompanyRoleFactory, TicketFactory, WorkflowFactory
from workflow_design.models import TicketDefinition
from workflow_design.tests.api.samples import FIELDS, TK, created


def test_ticket_create_retrieve_update_delete(api, workflow, creator_a):
    CompanyRoleFactory(company=creator_a.company, slug="employee", name="Employee")
    body = {"workflow": workflow.pk, "title": "Laptop request", "slug": "laptop", "fields": FIELDS}
    body |= {"company_role_access": ["employee"], "edit_layout": [{"title": "Main", "fields": ["amount", "reason"]}]}
    ticket, data = created(api, creator_a, TK, body, TicketDefinition)
    assert data["json_schema"]["title"] == "Laptop request"
    assert list(data["json_schema"]["properties"]) == ["amount", "reason"]
    url = f"{TK}{ticket.pk}/"
    assert api.get(url).json()["slug"] == "laptop"
    assert api.patch(url, {"company_role_access": ["nobody"]}, format="json").status_code == 400
    assert api.patch(url, {"title": "Laptop"}, format="json").json()["title"] == "Laptop"
    assert api.delete(url).status_code == 204
    assert not TicketDefinition.objects.filter(pk=ticket.pk).exists()


def test_ticket_list_is_scoped(api, creator_a, company_b):
    TicketFactory(workflow=WorkflowFactory(company=creator_a.company), slug="ours")
    TicketFactory(workflow=WorkflowFactory(company=company_b), slug="theirs")
    assert [t["slug"] for t in api.get(TK).json()["results"]] == ["ours"]
