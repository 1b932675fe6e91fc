"""Races between creators: simultaneous imports and new versions leave one result, never two."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ticketflower.testing.concurrency import run_at_once
from ticketflower.testing.factories import CompanyFactory, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from workflow_design.files.bundles import bundle_export
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.services import workflow_create
from workflow_design.services.bundle_import import bundle_import
from workflow_design.services.create import write_or_refuse_clash
from workflow_design.services.lifecycle import workflow_new_version, workflow_publish
from workflow_design.services.rows import RowErrors


@pytest.mark.django_db(transaction=True)
def test_same_bundle_imported_twice_at_once_creates_one_workflow():
    source = CompanyFactory(slug="source-co")
    target = CompanyFactory(slug="target-co")
    document = json.loads(json.dumps(bundle_export(workflow=simple_workflow(source, tasks=3))))
    importer_1 = UserFactory(company=target, email="one@target.example", creator=True)
    importer_2 = UserFactory(company=target, email="two@target.example", creator=True)

    outcomes = run_at_once(
        lambda: bundle_import(user=importer_1, document=document, dry_run=False),
        lambda: bundle_import(user=importer_2, document=document, dry_run=False),
        refusal=ValidationError,
    )

    results = [outcome for outcome in outcomes if not isinstance(outcome, ValidationError)]
    assert sorted(result.ok for result in results) == [False, True]
    refused = next(result for result in results if not result.ok)
    assert refused.errors and refused.errors[0]["message"]
    imported = WorkflowDefinition.objects.filter(company=target)
    assert imported.count() == 1
    assert imported.get().tasks.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_new_versions_at_once_make_one_draft():
    company = CompanyFactory(slug="race-co")
    creator = UserFactory(company=company, email="racer@race.example", creator=True)
    workflow = simple_workflow(company, tasks=2, user=creator)
    workflow_publish(workflow=workflow, user=creator)

    outcomes = run_at_once(
        lambda: workflow_new_version(workflow=WorkflowDefinition.objects.get(pk=workflow.pk), user=creator),
        lambda: workflow_new_version(workflow=WorkflowDefinition.objects.get(pk=workflow.pk), user=creator),
        refusal=ValidationError,
    )

    made = [outcome for outcome in outcomes if isinstance(outcome, WorkflowDefinition)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert (len(made), len(refused)) == (1, 1), outcomes
    drafts = WorkflowDefinition.objects.filter(company=company, slug=workflow.slug, status="draft")
    assert list(drafts.values_list("version", flat=True)) == [2]
    assert drafts.get().tasks.count() == 2


# A unique clash another writer won between the checks and the write ----------------------------


def _clash(row, make):
    """Write `row` after a rival's row with its slug was stored behind the checks' back."""
    make()
    with pytest.raises(RowErrors) as refused:
        write_or_refuse_clash(type(row), [row], lambda: type(row)._default_manager.bulk_create([row]))
    return refused.value.rows[0].message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (1, "This company already has this version of a workflow with this slug."),
        (2, "This workflow already has a draft version; edit that one."),
    ],
    ids=["same-version", "second-draft"],
)
def test_clash_at_the_write_is_the_slug_error_of_a_workflow(version, expected):
    company = CompanyFactory(slug="clash-co")
    row = WorkflowDefinition(company=company, slug="twin", title="Twin", version=version)
    message = _clash(row, lambda: WorkflowFactory(company=company, slug="twin", version=1))
    assert message == {"slug": [expected]}
    assert WorkflowDefinition.objects.filter(slug="twin").count() == 1


@pytest.mark.django_db
def test_clash_at_the_write_is_the_slug_error_of_a_ticket_definition():
    workflow = WorkflowFactory(company=CompanyFactory(slug="clash-co"))
    row = TicketDefinition(company=workflow.company, workflow=workflow, slug="twin", title="Twin", version=1)
    message = _clash(row, lambda: TicketFactory(workflow=workflow, slug="twin"))
    assert message == {"slug": ["This company already has this version of a ticket definition with this slug."]}


@pytest.mark.django_db
def test_other_integrity_errors_are_not_taken_for_a_clash():
    company = CompanyFactory(slug="clash-co")
    row = WorkflowDefinition(company=company, slug="odd", title="Odd", version=1, status="no-such-status")
    with pytest.raises(IntegrityError):
        write_or_refuse_clash(WorkflowDefinition, [row], lambda: WorkflowDefinition.objects.bulk_create([row]))


@pytest.mark.django_db
def test_duplicate_slug_of_a_stored_definition_is_refused_at_the_slug(creator_a):
    WorkflowFactory(company=creator_a.company, slug="taken")
    with pytest.raises(ValidationError) as refused:
        workflow_create(user=creator_a, company=creator_a.company, title="Again", slug="taken")
    assert set(refused.value.message_dict) == {"slug"}
