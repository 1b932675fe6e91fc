import datetime

import pytest
from django.core.management import call_command

from ticketflower.testing.factories import TaskFactory, TransitionFactory, WorkflowFactory
from workflow_design.admin.dry_run_form import DryRunForm
from workflow_design.models import WorkflowDefinition
from workflow_design.rules.dry_run import workflow_dry_run

APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}


@pytest.fixture
def demo(db):
    call_command("loaddata", "demo", verbosity=0)
    return {w.slug: w for w in WorkflowDefinition.objects.all()}


def run(workflow, ticket=None, outputs=None, workflow_values=None, **kwargs):
    return workflow_dry_run(
        workflow=workflow,
        ticket_values=ticket or {},
        workflow_values=workflow_values or {},
        outputs=outputs or {},
        **kwargs,
    )


@pytest.mark.parametrize(
    ("ticket", "outputs", "path"),
    [
        (
            {"access_level": "admin"},
            {"manager-approval": {"decision": "approve"}, "security-review": {"approved": True}},
            ["manager-approval", "security-review", "provisioning", "confirmation"],
        ),
        (
            {"access_level": "admin"},
            {"manager-approval": {"decision": "approve"}, "security-review": {"approved": False}},
            ["manager-approval", "security-review", "rejection-notice"],
        ),
        (
            {"access_level": "write"},
            {"manager-approval": {"decision": "approve"}},
            ["manager-approval", "provisioning", "confirmation"],
        ),
        (
            {"access_level": "admin"},
            {"manager-approval": {"decision": "reject"}},
            ["manager-approval", "rejection-notice"],
        ),
    ],
    ids=["admin-approved", "security-refused", "non-admin-approved", "manager-rejects"],
)
def test_dry_run_it_access_request_branches(demo, ticket, outputs, path):
    result = run(demo["it-access-request"], ticket, outputs)
    assert result.outcome == "ended", result.message
    assert result.path == path
    assert result.steps[-1].next_title == "end"


def test_dry_run_it_access_default_access_level_is_read(demo):
    # The ticket field's default ("read") applies when no value is given.
    result = run(demo["it-access-request"], {}, {"manager-approval": {"decision": "approve"}})
    assert result.path == ["manager-approval", "provisioning", "confirmation"]
    first_check = result.steps[1].checks[0]
    assert first_check.result is False
    assert 'ticket.access_level = "read"' in first_check.reason


@pytest.mark.parametrize(
    ("amount", "outputs", "path"),
    [
        (
            6000,
            {"budget-approval": {"approved": True}, "finance-approval": {"approved": True}},
            ["budget-approval", "finance-approval", "ordering", "delivery-confirmation"],
        ),
        (
            6000,
            {"budget-approval": {"approved": True}, "finance-approval": {"approved": False}},
            ["budget-approval", "finance-approval", "rejection-notice"],
        ),
        (
            4999.5,
            {"budget-approval": {"approved": True}},
            ["budget-approval", "ordering", "delivery-confirmation"],
        ),
        (100, {"budget-approval": {"approved": False}}, ["budget-approval", "rejection-notice"]),
    ],
    ids=["finance-approves", "finance-refuses", "below-threshold", "budget-refused"],
)
def test_dry_run_purchase_request_branches(demo, amount, outputs, path):
    result = run(demo["purchase-request"], {"amount": amount}, outputs)
    assert result.outcome == "ended", result.message
    assert result.path == path


def test_dry_run_explains_each_condition(demo):
    result = run(demo["purchase-request"], {"amount": 6000}, {"budget-approval": {"approved": True}}, max_steps=3)
    budget = result.steps[1]
    assert budget.task_slug == "budget-approval"
    [check] = budget.checks
    assert check.result is True
    assert check.reason == ("true (output.approved = true, ticket.amount = 6000, workflow.finance_threshold = 5000)")
    assert budget.taken == "budget-approval-to-finance-approval"


def test_dry_run_workflow_values_override_defaults(demo):
    result = run(
        demo["purchase-request"],
        {"amount": 6000},
        {"budget-approval": {"approved": True}},
        workflow_values={"finance_threshold": 10000},
    )
    assert result.path == ["budget-approval", "ordering", "delivery-confirmation"]


def test_dry_run_missing_value_is_reported_and_not_taken(demo):
    result = run(demo["it-access-request"], {"access_level": "admin"}, {})
    manager = result.steps[1]
    assert [c.result for c in manager.checks] == [None, None, True]
    assert "No value for the field decision" in manager.checks[0].reason
    assert result.path == ["manager-approval", "rejection-notice"]


@pytest.fixture
def review_loop(company_a):
    workflow = WorkflowFactory(company=company_a)
    review = TaskFactory(workflow=workflow, slug="review", title="Review", output_schema=[APPROVED])
    rework = TaskFactory(workflow=workflow, slug="rework", title="Rework")
    TransitionFactory(workflow=workflow, from_task=None, to_task=review)
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, priority=10, condition="output.approved")
    TransitionFactory(workflow=workflow, from_task=review, to_task=rework, priority=20)
    TransitionFactory(workflow=workflow, from_task=rework, to_task=review)
    return workflow


def test_dry_run_loop_stops_at_step_limit(review_loop):
    result = run(review_loop, outputs={"review": {"approved": False}}, max_steps=7)
    assert result.outcome == "loop"
    assert len(result.steps) == 7
    assert "Stopped after 7 steps" in result.message and "review" in result.message


def test_dry_run_loop_exits_on_a_later_visit(review_loop):
    result = run(review_loop, outputs={"review": [{"approved": False}, {"approved": True}]})
    assert result.outcome == "ended"
    assert result.path == ["review", "rework", "review"]


def test_dry_run_stuck_without_default(company_a):
    workflow = WorkflowFactory(company=company_a)
    review = TaskFactory(workflow=workflow, slug="review", title="Review", output_schema=[APPROVED])
    TransitionFactory(workflow=workflow, from_task=None, to_task=review)
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, condition="output.approved")
    result = run(workflow, outputs={"review": {"approved": False}})
    assert result.outcome == "stuck"
    assert "stuck at the task Review" in result.message and "no default" in result.message


def test_dry_run_form_is_generated_from_field_schemas(demo):
    workflow = demo["purchase-request"]
    tasks = list(workflow.tasks.order_by("position"))
    form = DryRunForm(
        {
            "ticket__amount": "6000.5",
            "workflow__finance_threshold": "5000",
            f"output__{tasks[0].pk}__approved": "true",
            f"output__{tasks[2].pk}__expected_delivery": "2026-12-01",
            "max_steps": "20",
        },
        workflow=workflow,
        tasks=tasks,
        tickets=list(workflow.ticket_definitions.all()),
    )
    assert form.is_valid(), form.errors
    assert form.fields["workflow__finance_threshold"].initial == 5000
    assert [title for title, _fields in form.grouped()][:3] == ["Ticket", "Workflow", "Output of Budget approval"]
    values = form.sample_values()
    assert values["ticket_values"] == {"amount": 6000.5}
    assert values["workflow_values"] == {"finance_threshold": 5000}
    assert values["outputs"] == {"budget-approval": {"approved": True}, "ordering": {"expected_delivery": "2026-12-01"}}
    assert values["max_steps"] == 20
    assert datetime.date.fromisoformat(values["outputs"]["ordering"]["expected_delivery"])
    assert run(workflow, **{"ticket": values["ticket_values"], "outputs": values["outputs"]}).path[1] == (
        "finance-approval"
    )


def test_dry_run_form_rejects_a_choice_outside_the_schema(demo):
    workflow = demo["it-access-request"]
    tasks = list(workflow.tasks.order_by("position"))
    form = DryRunForm(
        {f"output__{tasks[0].pk}__decision": "maybe", "max_steps": "50"},
        workflow=workflow,
        tasks=tasks,
        tickets=list(workflow.ticket_definitions.all()),
    )
    assert not form.is_valid()
    assert "maybe" in str(form.errors[f"output__{tasks[0].pk}__decision"])
