"""Definitions move between databases as fixtures named by natural keys (slugs, not ids)."""

import json

import pytest
from django.core.management import call_command

from ticketflower.testing.factories import CompanyFactory, TicketFactory, simple_workflow
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

DESIGN_MODELS = (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition)


def _rows() -> dict[str, list[tuple]]:
    return {
        "workflows": sorted(WorkflowDefinition.objects.values_list("company__slug", "slug", "version")),
        "tasks": sorted(TaskDefinition.objects.values_list("workflow__slug", "slug", "position")),
        "transitions": sorted(
            WorkflowTransition.objects.values_list("workflow__slug", "slug", "from_task__slug", "to_task__slug")
        ),
        "tickets": sorted(TicketDefinition.objects.values_list("workflow__slug", "slug", "version")),
    }


@pytest.mark.django_db
def test_natural_key_fixture_loads_back_in_dependency_order(tmp_path):
    # Given a company's workflow with its tasks, transitions and a ticket definition
    company = CompanyFactory(slug="north")
    workflow = simple_workflow(company, tasks=3)
    TicketFactory(company=company, workflow=workflow)
    before = _rows()
    dump = tmp_path / "design.json"

    # When they are dumped by natural keys, removed, and loaded back
    call_command(
        "dumpdata",
        *(f"workflow_design.{model._meta.model_name}" for model in DESIGN_MODELS),
        natural_foreign=True,
        natural_primary=True,
        output=str(dump),
    )
    TicketDefinition.objects.all().delete()
    WorkflowDefinition.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)

    # Then every row is back, and the file names rows by slug, each after what it refers to
    assert _rows() == before
    order = [entry["model"] for entry in json.loads(dump.read_text())]
    assert order.index("workflow_design.workflowdefinition") < order.index("workflow_design.taskdefinition")
    assert order.index("workflow_design.workflowdefinition") < order.index("workflow_design.ticketdefinition")
    assert max(i for i, m in enumerate(order) if m.endswith("taskdefinition")) < order.index(
        "workflow_design.workflowtransition"
    )
    assert all("pk" not in entry for entry in json.loads(dump.read_text()))
