"""Slugs derived from titles for definitions saved without one, unique where the database says."""

import pytest

from ticketflower.testing.factories import CompanyFactory, TaskFactory, WorkflowFactory
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition, free_slug

pytestmark = pytest.mark.django_db


def test_free_slug_suffixes_and_cuts_to_length():
    assert free_slug("review", set(), max_length=80) == "review"
    assert free_slug("review", {"review", "review-2"}, max_length=80) == "review-3"
    assert free_slug("a" * 90, set(), max_length=80) == "a" * 80
    assert free_slug("a" * 90, {"a" * 80}, max_length=80) == "a" * 78 + "-2"


def test_task_slug_derived_from_title_with_suffixes_in_its_workflow():
    workflow = WorkflowFactory()
    first = TaskDefinition.objects.create(workflow=workflow, title="Manager review")
    second = TaskDefinition.objects.create(workflow=workflow, title="Manager review")
    third = TaskDefinition.objects.create(workflow=workflow, title="Manager review")
    elsewhere = TaskDefinition.objects.create(
        workflow=WorkflowFactory(company=workflow.company), title="Manager review"
    )
    assert [first.slug, second.slug, third.slug] == ["manager-review", "manager-review-2", "manager-review-3"]
    assert elsewhere.slug == "manager-review"
    assert first.company_id == workflow.company_id


def test_slug_falls_back_to_the_kind_when_the_title_gives_none():
    workflow = WorkflowDefinition.objects.create(company=CompanyFactory(), title="???")
    task = TaskDefinition.objects.create(workflow=workflow, title="")
    ticket = TicketDefinition.objects.create(workflow=workflow, title="!!")
    assert (workflow.slug, task.slug, ticket.slug) == ("workflow", "task", "ticket")
    assert ticket.company_id == workflow.company_id


def test_given_slug_is_kept():
    workflow = WorkflowFactory()
    task = TaskDefinition.objects.create(workflow=workflow, title="Manager review", slug="approve")
    assert task.slug == "approve"


def test_workflow_slug_unique_per_company_and_version_and_among_drafts():
    company = CompanyFactory()
    published = WorkflowDefinition.objects.create(company=company, title="Onboarding", status="published")
    WorkflowDefinition.objects.create(company=CompanyFactory(), title="Onboarding")  # another company
    same_version = WorkflowDefinition.objects.create(company=company, title="Onboarding")
    archived = WorkflowDefinition(company=company, title="Onboarding", version=2, status="archived")
    later_draft = WorkflowDefinition(company=company, title="Onboarding", version=3)
    assert published.slug == "onboarding"
    assert same_version.slug == "onboarding-2"
    assert archived.ensure_slug() == "onboarding"  # nothing else is version 2
    assert later_draft.ensure_slug() == "onboarding"  # a draft, but not of `onboarding`
    later_draft.slug = ""
    WorkflowDefinition.objects.filter(pk=published.pk).update(status="draft", version=9)
    assert later_draft.ensure_slug() == "onboarding-3"  # one draft per slug, whatever its version


def test_ticket_slug_unique_per_company_and_version():
    workflow = WorkflowFactory()
    first = TicketDefinition.objects.create(workflow=workflow, title="Laptop request")
    second = TicketDefinition.objects.create(workflow=workflow, title="Laptop request")
    assert (first.slug, second.slug) == ("laptop-request", "laptop-request-2")


def test_transition_slug_names_its_ends():
    task = TaskFactory(slug="review")
    workflow = task.workflow
    start = WorkflowTransition.objects.create(workflow=workflow, to_task=task)
    again = WorkflowTransition.objects.create(workflow=workflow, to_task=task, priority=20)
    end = WorkflowTransition.objects.create(workflow=workflow, from_task=task)
    assert (start.slug, again.slug, end.slug) == ("start-to-review", "start-to-review-2", "review-to-end")
    assert end.company_id == workflow.company_id
    assert WorkflowTransition.default_slug(from_task=task, to_task=None) == "review-to-end"


def test_transition_takes_its_source_task_position():
    task = TaskFactory(position=7)
    transition = WorkflowTransition.objects.create(workflow=task.workflow, from_task=task)
    assert WorkflowTransition.objects.get(pk=transition.pk).from_position == 7


def test_ensure_slug_with_taken_slugs_reads_nothing(django_assert_num_queries):
    workflow = WorkflowFactory()
    taken = {"review"}
    rows = [TaskDefinition(workflow=workflow, company=workflow.company, title="Review") for _ in range(3)]
    with django_assert_num_queries(0):
        slugs = [row.ensure_slug(taken=taken) for row in rows]
    assert slugs == ["review-2", "review-3", "review-4"]
    assert taken == {"review", "review-2", "review-3", "review-4"}


def test_save_with_update_fields_stores_the_derived_slug():
    task = TaskFactory()
    TaskDefinition.objects.filter(pk=task.pk).update(slug="")
    task.slug = ""
    task.title = "Order laptop"
    task.save(update_fields=["title"])
    assert TaskDefinition.objects.get(pk=task.pk).slug == "order-laptop"
