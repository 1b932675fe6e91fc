"""The permission table against the policy classes themselves, and docs/permissions.md against the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.policy import (
    DENIED,
    Action,
    is_designer,
    policy_for,
    task_policy,
    ticket_policy,
    transition_policy,
    workflow_policy,
)
from workflow_design.tests.policy.table import (
    ACTION_NAMES,
    ALLOWED,
    NOT_FOUND,
    REFUSED,
    ROLES,
    ROW_ACTIONS,
    TABLE,
    cells,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def seen_by_policy(user, action: Action, obj, policy=workflow_policy) -> str:
    """The table's word for what the policy answers, asked in the documented order."""
    if not policy.user_has_permission(user, action):
        return REFUSED
    if action not in ROW_ACTIONS:
        return ALLOWED
    if not policy.instances_user_has_permission_for(user, Action.VIEW).filter(pk=obj.pk).exists():
        return NOT_FOUND
    return ALLOWED if policy.user_has_permission_for_instance(user, action, obj) else REFUSED


@pytest.mark.parametrize(("action", "role", "expected"), cells())
def test_policy_answers_the_table(w, action, role, expected):
    user, draft = w.user(role), w.draft()
    assert seen_by_policy(user, action, draft) == expected


@pytest.mark.parametrize("model", [TaskDefinition, WorkflowTransition, TicketDefinition])
@pytest.mark.parametrize("role", ROLES)
def test_part_and_ticket_policies_answer_the_same_table(w, model, role):
    """Tasks, transitions and ticket definitions: the workflow's rules for every action they have."""
    user, policy = w.user(role), policy_for(model)
    obj = (
        model.objects.get(pk=w.ticket_pk) if model is TicketDefinition else model.objects.filter(workflow=w.ready_pk)[0]
    )
    answers = {action: seen_by_policy(user, action, obj, policy) for action in policy.actions()}
    assert answers == {action: TABLE[action][role] for action in policy.actions()}


@pytest.mark.parametrize(("action", "role", "expected"), cells())
def test_policy_require_refuses_with_the_one_message(w, action, role, expected):
    user = w.user(role)
    obj = w.draft() if action in ROW_ACTIONS else None
    if expected == ALLOWED:
        workflow_policy.require(user, action, obj)
        if obj is not None:
            assert workflow_policy.user_has_permission_for_instance(user, action, obj)
            assert workflow_policy.instances_user_has_permission_for(user, action).filter(pk=obj.pk).exists()
        return
    with pytest.raises(PermissionDenied) as refused:
        workflow_policy.require(user, action, obj)
    assert str(refused.value) == str(DENIED[action])
    if obj is not None:
        assert not workflow_policy.user_has_permission_for_instance(user, action, obj)
        assert not workflow_policy.instances_user_has_permission_for(user, action).filter(pk=obj.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_company_for_new_is_own_company_or_the_superusers_choice(w, role):
    user = w.user(role)
    if user.is_superuser:
        assert workflow_policy.company_for_new(user, w.beta) == w.beta
        with pytest.raises(ValidationError) as refused:
            workflow_policy.company_for_new(user)  # a superuser without a company names one
        assert refused.value.message_dict == {"company": ["Choose the company the new definition belongs to."]}
        return
    assert workflow_policy.company_for_new(user) == user.company
    assert workflow_policy.company_for_new(user, user.company) == user.company
    other = w.beta if user.company == w.alpha else w.alpha
    with pytest.raises(PermissionDenied) as refused:
        workflow_policy.company_for_new(user, other)
    assert str(refused.value) == "You can create definitions only in your own company."


def test_staff_status_is_not_part_of_the_role(w):
    user = w.not_staff_creator
    assert is_designer(user)
    assert workflow_policy.user_has_permission_for_instance(user, Action.CHANGE, w.draft())


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_part_needs_change_on_its_workflow(w, role):
    user, draft = w.user(role), w.draft()
    expected = TABLE[Action.CHANGE][role] == ALLOWED
    for policy in (task_policy, transition_policy):
        assert policy.user_may_add_to(user, draft) is expected
        if not expected:
            with pytest.raises(PermissionDenied, match="You may view this workflow but not change it."):
                policy.require_add_to(user, draft)


def test_lifecycle_actions_are_the_workflows_only():
    lifecycle = {Action.PUBLISH, Action.ARCHIVE, Action.NEW_VERSION}
    assert lifecycle <= set(workflow_policy.actions())
    for policy in (task_policy, transition_policy, ticket_policy):
        assert not lifecycle & set(policy.actions())
    assert {policy_for(model) for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition)} == {
        workflow_policy,
        task_policy,
        transition_policy,
    }
    assert policy_for(TicketDefinition) is ticket_policy


def test_every_action_has_a_row_and_a_message():
    assert set(TABLE) == set(Action) == set(DENIED) == set(ACTION_NAMES)


def _doc_table() -> tuple[list[str], dict[str, list[str]]]:
    """The heading and rows of the document's table whose first column is "action" and has a role per column."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        heading = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if heading[0] == "action" and heading[1:] == list(ROLES.values()):
            rows = {}
            for row in lines[index + 2 :]:
                if not row.startswith("|"):
                    break
                name, *values = (cell.strip() for cell in row.strip().strip("|").split("|"))
                rows[name] = values
            return heading, rows
    raise AssertionError(f"{DOC.name} has no table with the columns: action | {' | '.join(ROLES.values())}")


def test_the_document_states_the_table():
    _heading, rows = _doc_table()
    assert rows == {ACTION_NAMES[action]: list(row.values()) for action, row in TABLE.items()}


def test_the_document_states_each_actions_rule():
    text = DOC.read_text(encoding="utf-8")
    # The rule of each action (role, model permission, object permission) is listed once.
    for action in Action:
        assert re.search(rf"^\| {re.escape(ACTION_NAMES[action])} \| designer", text, flags=re.M), action
    for codename in ("publish_workflowdefinition", "import_workflowdefinition", "export_workflowdefinition"):
        assert f"`{codename}`" in text
