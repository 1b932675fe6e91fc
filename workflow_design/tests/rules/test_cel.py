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


def test_condition_errors_accepts_demo_style_conditions(design):
    assert errors(design, 'output.decision == "approve" && ticket.access_level == "admin"') == []
    assert errors(design, "output.approved && ticket.amount > workflow.finance_threshold") == []
    assert errors(design, '"vip" in ticket.tags || !output.approved') == []
    assert errors(design, 'ticket.tags.exists(t, t == "urgent")') == []
    assert errors(design, "") == []


def test_condition_errors_syntax_error_has_position(design):
    [message] = errors(design, "output.approved &&")
    assert message.startswith("Syntax error at line 1, column 17")
    [message] = errors(design, "output.approved ==== true")
    assert "line 1, column 19" in message and "'=='" in message


def test_condition_errors_unknown_output_field_lists_known(design):
    [message] = errors(design, "output.aproved")
    assert "output.aproved" in message
    assert "Review" in message
    assert "decision, approved, comment" in message


def test_condition_errors_unknown_workflow_and_ticket_fields(design):
    [workflow_message] = errors(design, "ticket.amount > workflow.limit")
    assert "workflow.limit" in workflow_message and "finance_threshold" in workflow_message
    [ticket_message] = errors(design, "ticket.price > 5")
    assert "ticket.price" in ticket_message and "amount, access_level, tags" in ticket_message
    assert "purchase" in ticket_message


def test_condition_errors_ticket_field_must_be_in_every_ticket_definition(design):
    workflow, _review = design
    TicketFactory(workflow=workflow, slug="small", fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    assert errors(design, "ticket.amount > 1") == []
    [message] = errors(design, 'ticket.access_level == "admin"')
    assert "ticket.access_level" in message and "small" in message


def test_condition_errors_unknown_root_name(design):
    [message] = errors(design, "amount > 5")
    assert "Unknown name amount" in message and "ticket.<field>" in message


def test_condition_errors_start_transition_has_no_output(design):
    [message] = errors(design, "output.approved", from_task=False)
    assert "output.approved" in message and "start transition" in message
    assert errors(design, "ticket.amount > 100", from_task=False) == []


def test_condition_errors_boolean_compared_with_number(design):
    [message] = errors(design, "output.approved == 1")
    assert "output.approved (true/false)" in message and "1 (a number)" in message


def test_condition_errors_choice_value_not_among_choices(design):
    [message] = errors(design, 'output.decision == "aprove"')
    assert '"aprove" is not a choice of output.decision' in message and "approve, reject" in message
    [message] = errors(design, 'ticket.access_level in ["read", "root"]')
    assert '"root"' in message
    [message] = errors(design, '"gold" in ticket.tags')
    assert '"gold" is not a choice of ticket.tags' in message


def test_condition_errors_ordering_and_logic_types(design):
    [message] = errors(design, "output.approved > 1")
    assert "cannot be ordered" in message
    [message] = errors(design, "output.comment && output.approved")
    assert "&&" in message and "output.comment" in message
    [message] = errors(design, 'ticket.amount > "100"')
    assert "ticket.amount (a number)" in message and '"100" (text)' in message


def test_condition_errors_condition_must_give_true_or_false(design):
    [message] = errors(design, "ticket.amount")
    assert "must give true or false" in message and "ticket.amount" in message


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
