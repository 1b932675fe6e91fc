"""Task definitions: model rules and database constraints, each accepted and rejected once with its message."""

import pytest
from django.core.exceptions import ValidationError

from ticketflower.testing.factories import CompanyFactory, CompanyRoleFactory, TaskFactory, WorkflowFactory
from workflow_design.models import TaskDefinition
from workflow_design.tests.models.messages import messages_of

pytestmark = pytest.mark.django_db


def test_task_slug_unique_per_workflow():
    task = TaskFactory(slug="review")
    TaskFactory(slug="review")  # other workflow: accepted
    duplicate = TaskDefinition(workflow=task.workflow, company=task.company, title="x", slug="review")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "This workflow already has a task with this slug." in str(excinfo.value)


def test_task_company_must_equal_workflow_company():
    workflow = WorkflowFactory()
    other = CompanyFactory()
    task = TaskDefinition(workflow=workflow, company=other, title="x", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "another company" in messages_of(excinfo, "workflow")
    TaskDefinition(workflow=workflow, company=workflow.company, title="x", slug="x").full_clean()


def test_task_assignee_role_must_be_of_same_company():
    workflow = WorkflowFactory()
    foreign_role = CompanyRoleFactory()
    task = TaskDefinition(workflow=workflow, company=workflow.company, title="x", slug="x", assignee_role=foreign_role)
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "role of this workflow's company" in messages_of(excinfo, "assignee_role")
    task.assignee_role = CompanyRoleFactory(company=workflow.company)
    task.full_clean()


def test_task_invalid_output_schema_rejected():
    workflow = WorkflowFactory()
    task = TaskDefinition(
        workflow=workflow,
        company=workflow.company,
        title="x",
        slug="x",
        output_schema=[{"name": "decision", "label": "Decision", "type": "choice", "choices": []}],
    )
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "needs at least one choice" in messages_of(excinfo, "output_schema")
