"""The routing analysis through the linter: each defect caught with a ticket the dry run strands or
misroutes, and the valid look-alikes left alone."""

import pytest
from django.core.cache import caches

from ticketflower.testing import factories
from workflow_design.rules.cel import evaluate_condition
from workflow_design.rules.dry_run import STUCK, workflow_dry_run
from workflow_design.rules.linting import lint_workflow

AMOUNT = {"name": "amount", "label": "Amount", "type": "integer", "min": 0, "required": True}
APPROVED = {"name": "approved", "label": "Approved", "type": "boolean", "required": True}
DECISION = {
    "name": "decision",
    "label": "Decision",
    "type": "choice",
    "required": True,
    "choices": [{"value": "approve"}, {"value": "reject"}, {"value": "ask"}],
}
NOTE = {"name": "note", "label": "Note", "type": "text"}


@pytest.fixture
def workflow(company_a):
    return factories.WorkflowFactory(company=company_a, slug="flow")


def decide(workflow, schema, conditions):
    """start → decide; from decide one transition to the end per condition, in this order."""
    task = factories.TaskFactory(workflow=workflow, slug="decide", title="Decide", output_schema=schema)
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=task, priority=1, condition="")
    made = [
        factories.TransitionFactory(
            workflow=workflow, from_task=task, to_task=None, priority=10 * (i + 1), condition=c, slug=f"branch-{i}"
        )
        for i, c in enumerate(conditions)
    ]
    return task, made


def found(workflow, code):
    return [f for f in lint_workflow(workflow) if f.code == code]


def dry_run(workflow, example):
    return workflow_dry_run(
        workflow=workflow,
        ticket_values=example["ticket"],
        workflow_values=example["workflow"],
        outputs={example["task"]: example["output"]} if example["task"] else {},
    )


@pytest.mark.parametrize(
    ("schema", "conditions"),
    [
        ([APPROVED], ["output.approved == true"]),
        ([DECISION], ['output.decision == "approve"', 'output.decision == "reject"']),
        ([AMOUNT], ["output.amount > 1000", "output.amount < 500"]),
        ([{**APPROVED, "required": False}], ["output.approved", "!output.approved"]),
    ],
)
def test_routing_uncovered_values_strand_the_counterexample(workflow, schema, conditions):
    decide(workflow, schema, conditions)
    [finding] = found(workflow, "uncovered-values")
    assert (finding.level, finding.object_type, finding.object_slug) == ("error", "task", "decide")
    assert "no-default" not in {f.code for f in lint_workflow(workflow)}
    result = dry_run(workflow, finding.counterexample)
    assert result.outcome == STUCK and result.steps[-1].task_slug == "decide"


@pytest.mark.parametrize(
    ("schema", "condition"),
    [
        ([AMOUNT], "output.amount > 5000 && output.amount < 300"),
        ([AMOUNT], "output.amount < 0"),
        ([DECISION], 'output.decision == "approve" && output.decision == "reject"'),
        ([DECISION], 'output.decision in ["approve"] && output.decision in ["reject", "ask"]'),
        ([NOTE], 'has(output.note) && output.note.startsWith("a") && output.note.startsWith("b")'),
    ],
)
def test_routing_never_true_condition(workflow, schema, condition):
    _task, (branch, _default) = decide(workflow, schema, [condition, ""])
    [finding] = found(workflow, "never-true")
    assert (finding.level, finding.object_type, finding.object_id) == ("error", "transition", branch.pk)


@pytest.mark.parametrize(
    ("schema", "conditions", "dead"),
    [
        ([AMOUNT], ["true", "output.amount > 5", ""], 1),
        ([AMOUNT], ["output.amount > 1000", "output.amount > 5000", ""], 1),
        ([DECISION], ['output.decision == "ask"', 'output.decision == "ask"', ""], 1),
        ([DECISION], ['output.decision != "ask"', 'output.decision == "approve"', ""], 1),
    ],
)
def test_routing_dead_transition_shown_by_a_ticket_the_earlier_one_takes(workflow, schema, conditions, dead):
    _task, made = decide(workflow, schema, conditions)
    [finding] = [f for f in found(workflow, "dead-transition") if f.level == "error"]
    assert finding.object_id == made[dead].pk
    example = finding.counterexample
    step = dry_run(workflow, example).steps[1]
    assert step.taken == made[0].slug
    assert evaluate_condition(conditions[dead], ticket={}, workflow={}, output=example["output"]) is True


def test_routing_default_kept_after_an_exhaustive_branch_is_not_reported(workflow):
    decide(workflow, [APPROVED], ["output.approved", "!output.approved", ""])
    assert lint_workflow(workflow) == []


def test_routing_optional_field_read_without_has(workflow):
    amount = {**AMOUNT, "required": False}
    _task, made = decide(workflow, [amount], ["output.amount > 100", "!has(output.amount) || output.amount <= 100"])
    findings = lint_workflow(workflow)
    [unset] = [f for f in findings if f.code == "unset-field"]
    assert (unset.level, unset.object_id) == ("warning", made[0].pk)
    assert unset.counterexample["unset"] == ["output.amount"] and "output.amount" in unset.message
    step = dry_run(workflow, unset.counterexample).steps[1]
    assert step.checks[0].result is None and step.taken == made[1].slug
    assert not [f for f in findings if f.code == "uncovered-values"]


def test_routing_loop_whose_exit_is_never_true(workflow):
    review = factories.TaskFactory(workflow=workflow, slug="review", output_schema=[AMOUNT])
    rework = factories.TaskFactory(workflow=workflow, slug="rework")
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=review, priority=1)
    exit_ = factories.TransitionFactory(
        workflow=workflow, from_task=review, to_task=None, priority=10, condition="output.amount < 0", slug="out"
    )
    factories.TransitionFactory(workflow=workflow, from_task=review, to_task=rework, priority=20)
    factories.TransitionFactory(workflow=workflow, from_task=rework, to_task=review, priority=10)
    findings = lint_workflow(workflow)
    [no_exit] = [f for f in findings if f.code == "no-exit"]
    assert no_exit.level == "error" and "review" in no_exit.message and "rework" in no_exit.message
    assert ("never-true", exit_.pk) in {(f.code, f.object_id) for f in findings}
    result = workflow_dry_run(
        workflow=workflow, ticket_values={}, workflow_values={}, outputs={"review": {"amount": 0}}, max_steps=20
    )
    assert result.outcome == "loop"


@pytest.mark.parametrize(
    ("schema", "conditions"),
    [
        ([APPROVED], ["output.approved == true", "output.approved == false"]),
        ([APPROVED], ["output.approved", "!output.approved"]),
        ([DECISION], ['output.decision == "approve"', 'output.decision == "reject"', 'output.decision == "ask"']),
        ([DECISION], ['output.decision in ["approve", "ask"]', 'output.decision == "reject"']),
        ([AMOUNT], ["output.amount > 5000", "output.amount > 1000", ""]),
        ([AMOUNT], ["output.amount >= 1000", "output.amount < 1000"]),
        ([{**AMOUNT, "required": False}], ["has(output.amount) && output.amount > 10", ""]),
    ],
)
def test_routing_valid_look_alikes_lint_clean(workflow, schema, conditions):
    decide(workflow, schema, conditions)
    assert lint_workflow(workflow) == []


def test_routing_rework_loop_and_guarded_self_loop_lint_clean(workflow):
    review = factories.TaskFactory(workflow=workflow, slug="review", output_schema=[APPROVED])
    rework = factories.TaskFactory(workflow=workflow, slug="rework", output_schema=[{**APPROVED, "name": "again"}])
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=review, priority=1)
    factories.TransitionFactory(
        workflow=workflow, from_task=review, to_task=None, priority=10, condition="output.approved"
    )
    factories.TransitionFactory(workflow=workflow, from_task=review, to_task=rework, priority=20)
    factories.TransitionFactory(
        workflow=workflow, from_task=rework, to_task=rework, priority=10, condition="output.again == true"
    )
    factories.TransitionFactory(workflow=workflow, from_task=rework, to_task=review, priority=20)
    assert lint_workflow(workflow) == []


def test_routing_outside_the_subset_is_named_not_guessed(workflow):
    decide(workflow, [NOTE], ['has(output.note) && output.note.matches("^x")'])
    findings = lint_workflow(workflow)
    assert {f.code for f in findings} == {"not-analysed", "no-default"}
    assert "matches()" in next(f for f in findings if f.code == "not-analysed").message


def test_routing_loop_a_ticket_value_keeps_a_ticket_in(workflow):
    factories.TicketFactory(workflow=workflow, fields=[{**AMOUNT, "type": "number"}])
    review = factories.TaskFactory(workflow=workflow, slug="review", output_schema=[APPROVED])
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=review, priority=1)
    factories.TransitionFactory(
        workflow=workflow, from_task=review, to_task=None, priority=10, condition="ticket.amount <= 100"
    )
    factories.TransitionFactory(workflow=workflow, from_task=review, to_task=review, priority=20)
    [finding] = found(workflow, "no-exit")
    assert finding.level == "error" and finding.object_slug == "review"
    example = finding.counterexample
    assert example["ticket"]["amount"] > 100
    result = workflow_dry_run(
        workflow=workflow,
        ticket_values=example["ticket"],
        workflow_values=example["workflow"],
        outputs={"review": {"approved": True}},
        max_steps=10,
    )
    assert result.outcome == "loop"


def test_routing_loop_whose_ticket_exit_is_guaranteed_by_its_entry_lints_clean(workflow):
    factories.TicketFactory(workflow=workflow, fields=[AMOUNT])
    review = factories.TaskFactory(workflow=workflow, slug="review", output_schema=[APPROVED])
    factories.TransitionFactory(
        workflow=workflow, from_task=None, to_task=review, priority=1, condition="ticket.amount <= 100"
    )
    other = factories.TaskFactory(workflow=workflow, slug="other")
    factories.TransitionFactory(workflow=workflow, from_task=None, to_task=other, priority=2)
    factories.TransitionFactory(workflow=workflow, from_task=other, to_task=None, priority=10)
    factories.TransitionFactory(
        workflow=workflow, from_task=review, to_task=None, priority=10, condition="ticket.amount <= 100"
    )
    factories.TransitionFactory(workflow=workflow, from_task=review, to_task=review, priority=20)
    assert lint_workflow(workflow) == []


def test_routing_budget_spent_names_the_unfinished_task(workflow, settings):
    caches["routing"].clear()  # a result kept from another workflow with these conditions would answer
    settings.TICKETFLOWER_ROUTING_WORKFLOW_BUDGET_MS = 0
    decide(workflow, [AMOUNT], ["output.amount > 10"])
    findings = lint_workflow(workflow)
    unfinished = {(f.level, f.object_type, f.object_slug) for f in findings if f.code == "routing-unfinished"}
    assert unfinished == {("warning", "task", "decide"), ("warning", "workflow", "flow")}
    assert "no-default" in {f.code for f in findings}  # not decided, so the plain warning stays
    settings.TICKETFLOWER_ROUTING_WORKFLOW_BUDGET_MS = 4000
    assert "uncovered-values" in {f.code for f in lint_workflow(workflow)}


def test_routing_dates_compared_with_written_dates(workflow):
    due = {"name": "due", "label": "Due", "type": "date", "required": True}
    _task, (late, early) = decide(workflow, [due], ['output.due > "2025-06-30"', 'output.due < "2025-06-01"'])
    [uncovered] = found(workflow, "uncovered-values")
    day = uncovered.counterexample["output"]["due"]
    assert "2025-06-01" <= day <= "2025-06-30"
    assert dry_run(workflow, uncovered.counterexample).outcome == STUCK


def test_routing_number_field_bounds_and_decimals(workflow):
    price = {"name": "price", "label": "Price", "type": "number", "required": True, "min": 0, "max": 10}
    _task, made = decide(workflow, [price], ["output.price > 10", "output.price >= 2.5", ""])
    findings = lint_workflow(workflow)
    assert {(f.code, f.object_id) for f in findings} == {("never-true", made[0].pk)}
