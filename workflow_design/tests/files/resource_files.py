"""Files of the per-model resources as a user exports and imports them, a workflow that uses every
column, and the rows of the design tables to compare before and after an import."""

from __future__ import annotations

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, TicketFactory, TransitionFactory
from ticketflower.testing.factories import WorkflowFactory as WF
from workflow_design import access
from workflow_design.files.formats import SafeCSV
from workflow_design.files.resources import RESOURCES
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

# The order a set of files is imported in: each names only what the earlier ones made.
IMPORT_ORDER = (WorkflowDefinition, TaskDefinition, TicketDefinition, WorkflowTransition)
APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


def snapshot() -> dict:
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in IMPORT_ORDER}


def export(model, user, fmt):
    resource = RESOURCES[model](user=user)
    data = fmt().export_data(resource.export(access.definitions_for(user, model)))
    return data.encode("utf-8") if isinstance(data, str) else data


def run_import(model, user, data: bytes, fmt=SafeCSV, *, dry_run=False, company=None):
    dataset = fmt().create_dataset(data)
    return RESOURCES[model](user=user, company=company).import_data(dataset, dry_run=dry_run, user=user)


def errors_of(result) -> list[str]:
    found = [str(e.error) for e in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            found += [f"row {row.number} {column}: {m}" for m in messages]
    return found


def rich_workflow(company, user=None):
    for slug in ("manager", "employee"):
        CompanyRoleFactory(company=company, slug=slug, name=slug.title())
    manager = company.roles.get(slug="manager")
    workflow = WF(
        company=company,
        slug="purchase",
        title="Purchase, with “quotes” & commas",
        description="Line one\nline two",
        ext_ref=[{"system": "jira", "reference": "P-1", "url": "https://jira.example.com/P-1"}],
        fields=[{"name": "budget", "label": "Budget", "type": "number", "required": False}],
        created_by=user,
    )
    review = TaskFactory(
        workflow=workflow, slug="review", title="-Review", position=1, assignee_role=manager, output_schema=APPROVED
    )
    order = TaskFactory(workflow=workflow, slug="order", title="Order", position=2)
    TicketFactory(
        workflow=workflow,
        company=company,
        slug="purchase-ticket",
        title="@Buy",
        fields=[{"name": "amount", "label": "Amount", "type": "number"}],
        company_role_access=["employee"],
    )
    TransitionFactory(workflow=workflow, from_task=None, to_task=review, slug="begin")
    TransitionFactory(
        workflow=workflow, from_task=review, to_task=order, condition="output.approved == true", priority=5
    )
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, priority=50)
    TransitionFactory(workflow=workflow, from_task=order, to_task=None)
    return workflow
