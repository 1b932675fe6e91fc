"""Workflow transitions: model rules and database constraints, each accepted and rejected once with its message."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ticketflower.testing.factories import CompanyFactory, TaskFactory, TransitionFactory, WorkflowFactory
from workflow_design.models import WorkflowTransition
from workflow_design.tests.models.messages import messages_of

pytestmark = pytest.mark.django_db


def test_transition_tasks_must_be_in_its_workflow():
    task = TaskFactory()
    foreign_task = TaskFactory(workflow=WorkflowFactory(company=task.company))
    transition = WorkflowTransition(workflow=task.workflow, slug="t", from_task=task, to_task=foreign_task)
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert f"The task {foreign_task.slug} is not part of this workflow." in messages_of(excinfo, "to_task")
    transition.to_task = None
    transition.full_clean()


def test_transition_start_to_end_rejected_by_model_and_database():
    workflow = WorkflowFactory()
    transition = WorkflowTransition(workflow=workflow, slug="nothing")
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert "needs a from task or a to task" in messages_of(excinfo, "to_task")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowTransition.objects.create(workflow=workflow, company=workflow.company, slug="nothing")


def test_transition_company_is_its_workflows():
    task = TaskFactory()
    transition = WorkflowTransition(workflow=task.workflow, slug="go", to_task=task)
    transition.full_clean()
    assert transition.company_id == task.workflow.company_id


def test_transition_company_other_than_its_workflows_rejected():
    task = TaskFactory()
    other = CompanyFactory()
    transition = WorkflowTransition(workflow=task.workflow, company=other, slug="go", to_task=task)
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert "The workflow belongs to another company than the transition." in messages_of(excinfo, "workflow")


def test_transition_slug_unique_per_workflow():
    task = TaskFactory()
    transition = TransitionFactory(workflow=task.workflow, to_task=task, slug="go")
    TransitionFactory(to_task=TaskFactory(), slug="go")  # another workflow: accepted
    duplicate = WorkflowTransition(workflow=transition.workflow, slug="go", to_task=transition.to_task)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "already has a transition with this slug" in str(excinfo.value)
