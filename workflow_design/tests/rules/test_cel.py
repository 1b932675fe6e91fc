import pytest
from django.core.exceptions import ValidationError

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, WorkflowFactory
from workflow_design.rules.cel import (
    ConditionChecker,
    ConditionEvaluationError,
    WorkflowConditionScopes,
    condition_errors,
    condition_field_references,
    evaluate_condition,
)
from workflow_design.services import task_update, transition_update

DECISION = {
    "name": "decision",
    "label": "Decision",
    "type": "choice",
    "choices": [{"value": "approve", "label": "Approve"}, {"value": "reject", "label": "Reject"}],
}
APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}
COMMENT = {"name": "comment", "label": "Comment", "type": "long_text"}
TAGS = {"name": "tags", "label": "Tags", "type": "multiple_choice", "choices": [{"value": "urgent"}, {"value": "vip"}]}


@pytest.fixture
def design(company_a):
    workflow = WorkflowFactory(
        company=company_a, fields=[{"name": "finance_threshold", "label": "Threshold", "type": "integer"}]
    )
    review = TaskFactory(workflow=workflow, slug="review", title="Review", output_schema=[DECISION, APPROVED, COMMENT])
    TicketFactory(
        workflow=workflow,
        slug="purchase",
        fields=[
            {"name": "amount", "label": "Amount", "type": "number"},
            {
                "name": "access_level",
                "label": "Level",
                "type": "choice",
                "choices": [{"value": "read"}, {"value": "admin"}],
            },
            TAGS,
        ],
    )
    return workflow, review


def errors(design, condition, from_task=True):
    workflow, review = design
    return condition_errors(condition, workflow=workflow, from_task=review if from_task else None)


@pytest.mark.parametrize(
    ("condition", "from_task"),
    [
        ('output.decision == "approve" && ticket.access_level == "admin"', True),
        ("output.approved && ticket.amount > workflow.finance_threshold", True),
        ('"vip" in ticket.tags || !output.approved', True),
        ('ticket.tags.exists(t, t == "urgent")', True),
        ("", True),
        ("ticket.amount > 100", False),  # the start transition reads the ticket
    ],
)
def test_condition_errors_accepts_demo_style_conditions(design, condition, from_task):
    assert errors(design, condition, from_task=from_task) == []


def test_condition_errors_syntax_error_has_position(design):
    [message] = errors(design, "output.approved &&")
    assert message.startswith("Syntax error at line 1, column 17")


# Each condition has one error, whose message holds every one of the fragments.
ONE_ERROR = [
    pytest.param("output.approved ==== true", True, ["line 1, column 19", "'=='"], id="syntax-error-position"),
    pytest.param(
        "output.aproved", True, ["output.aproved", "Review", "decision, approved, comment"], id="unknown-output-field"
    ),
    pytest.param(
        "ticket.amount > workflow.limit", True, ["workflow.limit", "finance_threshold"], id="unknown-workflow-field"
    ),
    pytest.param(
        "ticket.price > 5", True, ["ticket.price", "amount, access_level, tags", "purchase"], id="unknown-ticket-field"
    ),
    pytest.param("amount > 5", True, ["Unknown name amount", "ticket.<field>"], id="unknown-root-name"),
    pytest.param(
        "output.approved", False, ["output.approved", "start transition"], id="start-transition-has-no-output"
    ),
    pytest.param(
        "output.approved == 1", True, ["output.approved (true/false)", "1 (a number)"], id="boolean-vs-number"
    ),
    pytest.param(
        'output.decision == "aprove"',
        True,
        ['"aprove" is not a choice of output.decision', "approve, reject"],
        id="output-choice-not-among-choices",
    ),
    pytest.param('ticket.access_level in ["read", "root"]', True, ['"root"'], id="ticket-choice-not-among-choices"),
    pytest.param('"gold" in ticket.tags', True, ['"gold" is not a choice of ticket.tags'], id="tag-not-among-choices"),
    pytest.param("output.approved > 1", True, ["cannot be ordered"], id="boolean-ordered"),
    pytest.param("output.comment && output.approved", True, ["&&", "output.comment"], id="text-in-logic"),
    pytest.param('ticket.amount > "100"', True, ["ticket.amount (a number)", '"100" (text)'], id="number-vs-text"),
    pytest.param("ticket.amount", True, ["must give true or false", "ticket.amount"], id="not-true-or-false"),
]


@pytest.mark.parametrize(("condition", "from_task", "fragments"), ONE_ERROR)
def test_condition_errors_message_names_the_fault(design, condition, from_task, fragments):
    [message] = errors(design, condition, from_task=from_task)
    assert [fragment for fragment in fragments if fragment not in message] == [], message


def test_condition_errors_ticket_field_must_be_in_every_ticket_definition(design):
    workflow, _review = design
    TicketFactory(workflow=workflow, slug="small", fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    assert errors(design, "ticket.amount > 1") == []
    [message] = errors(design, 'ticket.access_level == "admin"')
    assert "ticket.access_level" in message and "small" in message


def test_transition_clean_puts_condition_error_on_condition_field(design):
    workflow, review = design
    with pytest.raises(ValidationError) as caught:
        TransitionFactory(workflow=workflow, from_task=review, to_task=None, condition="output.nope")
    assert list(caught.value.message_dict) == ["condition"]
    assert "output.nope" in caught.value.message_dict["condition"][0]
    assert not workflow.transitions.exists()


def test_transition_update_refuses_condition_broken_by_output_change(design):
    workflow, review = design
    transition = TransitionFactory(workflow=workflow, from_task=review, to_task=None, condition="output.approved")
    task_update(task=review, user=None, output_schema=[DECISION])
    with pytest.raises(ValidationError) as caught:
        transition_update(transition=transition, user=None, priority=5)
    assert "output.approved" in caught.value.message_dict["condition"][0]


def test_evaluate_condition_true_false_and_default():
    values = {"ticket": {"amount": 6000.0}, "workflow": {"finance_threshold": 5000}, "output": {"approved": True}}
    assert evaluate_condition("output.approved && ticket.amount > workflow.finance_threshold", **values) is True
    values["ticket"]["amount"] = 4999.5
    assert evaluate_condition("output.approved && ticket.amount > workflow.finance_threshold", **values) is False
    assert evaluate_condition("", ticket={}, workflow={}, output={}) is True


def test_evaluate_condition_missing_value_and_non_boolean_result():
    with pytest.raises(ConditionEvaluationError) as caught:
        evaluate_condition('output.decision == "approve"', ticket={}, workflow={}, output={})
    assert "decision" in str(caught.value)
    with pytest.raises(ConditionEvaluationError) as caught:
        evaluate_condition("ticket.amount", ticket={"amount": 3}, workflow={}, output={})
    assert "instead of true or false" in str(caught.value)


def test_evaluate_condition_never_runs_python():
    with pytest.raises(ConditionEvaluationError):
        evaluate_condition("__import__('os').system('true')", ticket={}, workflow={}, output={})


# The linter's remembering checker ---------------------------------------------------------

CONDITIONS = [
    'output.decision == "approve" && ticket.access_level == "admin"',
    "output.approved && ticket.amount > workflow.finance_threshold",
    "output.aproved",
    "output.approved == 1",
    'output.decision == "aprove"',
    "ticket.amount > workflow.limit",
    "ticket.price > 5",
    "amount > 5",
    "output.approved &&",
    "ticket.amount",
]


def test_condition_checker_agrees_with_condition_errors_in_every_scope(design):
    workflow, review = design
    # Same output form as review under another title, a different form, and the start.
    twin = TaskFactory(workflow=workflow, slug="twin", title="Twin", output_schema=review.output_schema)
    other = TaskFactory(workflow=workflow, slug="other", title="Other", output_schema=[COMMENT])
    scopes = WorkflowConditionScopes(workflow=workflow, ticket_definitions=workflow.ticket_definitions.all())
    checker = ConditionChecker()
    for _round in range(2):  # the second round answers from the checker's memory
        for source in (review, twin, other, None):
            for condition in CONDITIONS:
                expected = condition_errors(condition, workflow=workflow, from_task=source)
                assert checker.errors(condition, scopes.for_task(source)) == expected, (source, condition)


def test_condition_checker_names_the_task_of_each_transition(design):
    workflow, review = design
    twin = TaskFactory(workflow=workflow, slug="twin", title="Twin", output_schema=review.output_schema)
    scopes = WorkflowConditionScopes(workflow=workflow, ticket_definitions=workflow.ticket_definitions.all())
    checker = ConditionChecker()
    [review_message] = checker.errors("output.aproved", scopes.for_task(review))
    [twin_message] = checker.errors("output.aproved", scopes.for_task(twin))
    assert "the task Review has" in review_message and "the task Twin has" in twin_message
    # A caller changing the list it got does not change the next answer.
    checker.errors("output.aproved", scopes.for_task(review)).append("changed")
    assert checker.errors("output.aproved", scopes.for_task(review)) == [review_message]


def test_condition_checker_tells_scopes_with_different_fields_apart(design, company_a):
    workflow, review = design
    other_workflow = WorkflowFactory(company=company_a, fields=[{"name": "limit", "label": "Limit", "type": "integer"}])
    checker = ConditionChecker()
    here = WorkflowConditionScopes(workflow=workflow, ticket_definitions=workflow.ticket_definitions.all())
    there = WorkflowConditionScopes(workflow=other_workflow, ticket_definitions=[])
    [message] = checker.errors("workflow.limit > 3", here.for_task(None))
    assert "Known workflow fields: finance_threshold" in message
    assert checker.errors("workflow.limit > 3", there.for_task(None)) == []


def test_condition_field_references_are_a_fresh_set_each_time():
    references = condition_field_references("output.approved && ticket.amount > workflow.limit")
    assert references == {"output.approved", "ticket.amount", "workflow.limit"}
    references.add("changed")
    assert "changed" not in condition_field_references("output.approved && ticket.amount > workflow.limit")
    assert condition_field_references("output.approved &&") == set()
