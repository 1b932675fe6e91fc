"""Races between creators: simultaneous imports and new versions leave one result, never two."""

import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from ticketflower.testing.factories import CompanyFactory, UserFactory, simple_workflow
from workflow_design.files.bundles import bundle_export
from workflow_design.models import WorkflowDefinition
from workflow_design.services.bundle_import import bundle_import
from workflow_design.services.lifecycle import workflow_new_version, workflow_publish


def run_together(*calls):
    """Start the calls at the same moment in their own threads (and connections)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except ValidationError as exc:
            outcomes[index] = ("refused", exc)
        finally:
            connection.close()  # each thread's own connection; left open it blocks teardown

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_same_bundle_imported_twice_at_once_creates_one_workflow():
    source = CompanyFactory(slug="source-co")
    target = CompanyFactory(slug="target-co")
    document = json.loads(json.dumps(bundle_export(workflow=simple_workflow(source, tasks=3))))
    importer_1 = UserFactory(company=target, email="one@target.example", creator=True)
    importer_2 = UserFactory(company=target, email="two@target.example", creator=True)

    outcomes = run_together(
        lambda: bundle_import(user=importer_1, document=document, dry_run=False),
        lambda: bundle_import(user=importer_2, document=document, dry_run=False),
    )

    results = [value for kind, value in outcomes if kind == "ok"]
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

    outcomes = run_together(
        lambda: workflow_new_version(workflow=WorkflowDefinition.objects.get(pk=workflow.pk), user=creator),
        lambda: workflow_new_version(workflow=WorkflowDefinition.objects.get(pk=workflow.pk), user=creator),
    )

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    drafts = WorkflowDefinition.objects.filter(company=company, slug=workflow.slug, status="draft")
    assert list(drafts.values_list("version", flat=True)) == [2]
    assert drafts.get().tasks.count() == 2
