"""Workflow definitions: model rules and database constraints, each accepted and rejected once with its message."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ticketflower.testing.factories import CompanyFactory, WorkflowFactory
from workflow_design.models import WorkflowDefinition
from workflow_design.tests.models.messages import messages_of

pytestmark = pytest.mark.django_db


def test_workflow_slug_version_unique_per_company():
    workflow = WorkflowFactory(slug="onboarding")
    WorkflowFactory(slug="onboarding")  # another company: accepted
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status="published")
    duplicate = WorkflowDefinition(company=workflow.company, title="x", slug="onboarding", version=1, status="archived")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "already has this version of a workflow with this slug" in str(excinfo.value)
    WorkflowDefinition(company=workflow.company, title="x", slug="onboarding", version=2).full_clean()  # next version


def test_workflow_one_draft_per_slug_checked_by_database():
    workflow = WorkflowFactory(slug="onboarding")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowDefinition.objects.create(company=workflow.company, title="x", slug="onboarding", version=2)


def test_workflow_invalid_fields_named_in_message():
    workflow = WorkflowFactory.build(
        company=CompanyFactory(), fields=[{"name": "Bad Name", "label": "x", "type": "text"}]
    )
    with pytest.raises(ValidationError) as excinfo:
        workflow.full_clean()
    assert "Field 1 (Bad Name)" in messages_of(excinfo, "fields")


def test_workflow_layout_unknown_field_named():
    workflow = WorkflowFactory.build(
        company=CompanyFactory(),
        fields=[{"name": "sla_days", "label": "SLA", "type": "integer"}],
        display_layout=[{"title": "Main", "fields": ["sla_days", "ghost"]}],
    )
    with pytest.raises(ValidationError) as excinfo:
        workflow.full_clean()
    assert "'ghost'" in messages_of(excinfo, "display_layout")


def test_status_check_constraint_in_database():
    workflow = WorkflowFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowDefinition.objects.filter(pk=workflow.pk).update(status="bogus")
