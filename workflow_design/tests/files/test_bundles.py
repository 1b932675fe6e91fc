"""Workflow bundles: export → import into another company → export, previews, refusals, cost."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ticketflower.testing.factories import CompanyRoleFactory, UserFactory, WorkflowFactory
from users.models import CompanyRole
from workflow_design import access
from workflow_design.files.bundle_reader import read_bundle
from workflow_design.files.bundles import BUNDLE_FORMAT, bundle_dumps, bundle_export
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services.bundle_import import bundle_import

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "equipment-request.workflow-bundle.json"


def example() -> dict:
    return read_bundle(EXAMPLE.read_bytes())


def snapshot() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, CompanyRole)
    }


def roles(company, *slugs):
    for slug in slugs:
        CompanyRoleFactory(company=company, slug=slug, name=slug.replace("-", " ").title())


def test_documented_example_imports_as_documented(creator_a, company_a):
    roles(company_a, "employee", "manager", "it-support")
    result = bundle_import(user=creator_a, document=example(), dry_run=False)
    assert result.ok, result.errors
    workflow = WorkflowDefinition.objects.get(company=company_a)
    assert (workflow.slug, workflow.version, workflow.status, workflow.created_by) == (
        "equipment-request",
        1,
        "draft",
        creator_a,
    )
    assert list(workflow.tasks.order_by("position").values_list("slug", flat=True)) == [
        "manager-approval",
        "hand-over",
    ]
    assert workflow.transitions.count() == 4
    assert TicketDefinition.objects.get(company=company_a).workflow == workflow
    # Everything made is visible to the company's creators through the access layer.
    assert access.tasks_for(creator_a).count() == 2 and access.transitions_for(creator_a).count() == 4


def test_export_import_export_gives_the_same_bundle_byte_for_byte(creator_a, creator_b, company_a, company_b):
    roles(company_a, "employee", "manager", "it-support")
    bundle_import(user=creator_a, document=example(), dry_run=False)
    source = WorkflowDefinition.objects.get(company=company_a)
    exported = bundle_dumps(bundle_export(workflow=source))

    preview = bundle_import(user=creator_b, document=json.loads(exported), dry_run=True)
    assert preview.missing_roles == ["employee", "it-support", "manager"]
    assert not preview.ok  # the roles are missing and not to be created
    result = bundle_import(user=creator_b, document=json.loads(exported), dry_run=False, create_missing_roles=True)
    assert result.ok, result.errors
    assert result.created_roles == ["employee", "it-support", "manager"]
    copied = WorkflowDefinition.objects.get(company=company_b)
    assert bundle_dumps(bundle_export(workflow=copied)) == exported
    assert not {'"company":', '"id":', '"created_by":', '"version":'} & {
        w for w in exported.split() if w.startswith('"')
    }


def test_dry_run_reports_what_would_be_created_and_changes_nothing(creator_a, company_a):
    roles(company_a, "employee", "manager", "it-support")
    before = snapshot()
    result = bundle_import(user=creator_a, document=example(), dry_run=True)
    assert snapshot() == before
    report = result.as_dict()
    assert report["ok"] and report["dry_run"] and not report["saved"]
    assert report["workflow"] == {"slug": "equipment-request", "title": "Equipment request", "version": 1, "id": None}
    assert report["created"]["tasks"] == ["manager-approval", "hand-over"]
    assert sorted(report["created"]["transitions"]) == ["approved", "declined", "done", "start"]
    assert report["created"]["tickets"] == ["equipment"]
    assert report["clashes"] == [] and report["errors"] == []


def test_slug_clash_is_refused_unless_imported_as_next_version(creator_a, company_a):
    roles(company_a, "employee", "manager", "it-support")
    bundle_import(user=creator_a, document=example(), dry_run=False)
    before = snapshot()
    result = bundle_import(user=creator_a, document=example(), dry_run=False)
    assert {c["kind"] for c in result.clashes} == {"workflow", "ticket"}
    assert {e["path"] for e in result.errors} == {"workflow.slug", "tickets[0].slug"}
    assert snapshot() == before

    # With the current version published, the bundle becomes the next draft version.
    WorkflowDefinition.objects.filter(company=company_a).update(status="published")
    TicketDefinition.objects.filter(company=company_a).update(status="published")
    result = bundle_import(user=creator_a, document=example(), dry_run=False, as_new_version=True)
    assert result.ok, result.errors
    assert sorted(WorkflowDefinition.objects.values_list("version", "status")) == [(1, "published"), (2, "draft")]
    assert sorted(TicketDefinition.objects.values_list("version", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(format="something-else"), "format", "not a workflow bundle"),
        (lambda d: d.update(format_version=2), "format_version", "not supported"),
        (lambda d: d.update(extra=1), "extra", "Unknown key"),
        (lambda d: d["tasks"][1].update(position="two"), "tasks[1].position", "whole number"),
        (lambda d: d["tasks"][0].update(slug="Not a slug!"), "tasks[0].slug", "slug"),
        (lambda d: d["transitions"][0].update(to_task="ghost"), "transitions[0].to_task", 'No task "ghost"'),
        (lambda d: d["transitions"][1].update(condition="output.nope == 1"), "transitions[1].condition", "nope"),
        (lambda d: d["tickets"][0].update(fields="not a list"), "tickets[0].fields", "list"),
        (lambda d: d["workflow"].pop("title"), "workflow.title", "blank"),
    ],
)
def test_bad_bundle_names_the_path_and_changes_nothing(change, path, words, creator_a, company_a):
    roles(company_a, "employee", "manager", "it-support")
    document = copy.deepcopy(example())
    change(document)
    before = snapshot()
    result = bundle_import(user=creator_a, document=document, dry_run=False)
    assert not result.ok
    messages = [e["message"] for e in result.errors if e["path"] == path]
    assert messages and any(words.lower() in m.lower() for m in messages), result.errors
    assert snapshot() == before


def test_missing_role_without_creation_is_an_error_at_the_task(creator_a, company_a):
    roles(company_a, "employee", "manager")
    before = snapshot()
    result = bundle_import(user=creator_a, document=example(), dry_run=False)
    assert result.missing_roles == ["it-support"]
    assert [e["path"] for e in result.errors] == ["tasks[1].assignee_role"]
    assert snapshot() == before


def test_only_workflow_creators_import_and_only_into_their_company(company_a, company_b, creator_a):
    plain = UserFactory(company=company_a)
    with pytest.raises(PermissionDenied):
        bundle_import(user=plain, document=example(), dry_run=True)
    with pytest.raises(PermissionDenied):
        bundle_import(user=creator_a, document=example(), dry_run=True, company=company_b)


def test_superuser_imports_into_a_chosen_company(superuser, company_b):
    roles(company_b, "employee", "manager", "it-support")
    result = bundle_import(user=superuser, document=example(), dry_run=False, company=company_b)
    assert result.ok, result.errors
    assert WorkflowDefinition.objects.get().company == company_b


def test_import_reads_only_own_company_for_clashes(creator_a, creator_b, company_a, company_b):
    WorkflowFactory(company=company_b, slug="equipment-request")
    roles(company_a, "employee", "manager", "it-support")
    result = bundle_import(user=creator_a, document=example(), dry_run=True)
    assert result.ok and result.clashes == []


def big_bundle(tasks: int) -> dict:
    document = {
        "format": BUNDLE_FORMAT,
        "format_version": 1,
        "workflow": {"slug": "big", "title": "Big"},
        "tasks": [{"slug": f"t{i}", "title": f"Task {i}", "position": i} for i in range(tasks)],
        "transitions": [{"slug": "start", "from_task": None, "to_task": "t0"}],
        "tickets": [],
    }
    document["transitions"] += [
        {"slug": f"t{i}-next", "from_task": f"t{i}", "to_task": f"t{i + 1}" if i + 1 < tasks else None}
        for i in range(tasks)
    ]
    return document


def designed_bundle(tasks: int, slug: str) -> dict:
    """`tasks` tasks with a role and an output form, three transitions a task and a start, a ticket:
    the shapes of the designer's workflows (20 tasks make 61 transitions, 200 make 601)."""
    approved = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]
    document = big_bundle(tasks)
    document["workflow"] = {"slug": slug, "title": slug.title()}
    for task in document["tasks"]:
        task.update(assignee_role="manager", output_schema=approved)
    document["transitions"] += [
        {"slug": f"t{i}-stop", "from_task": f"t{i}", "to_task": None, "condition": "!output.approved", "priority": 5}
        for i in range(tasks)
    ]
    document["transitions"] += [
        {"slug": f"t{i}-back", "from_task": f"t{i}", "to_task": "t0", "priority": 50} for i in range(tasks)
    ]
    document["tickets"] = [{"slug": f"{slug}-ticket", "title": "Ticket", "company_role_access": ["manager"]}]
    document["roles"] = [{"slug": "manager", "name": "Manager"}]
    return document


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "import"])
def test_bundle_import_costs_the_same_queries_at_20_and_200_tasks(dry_run, creator_a, company_a):
    roles(company_a, "manager")
    counts = {}
    # The same user object both times, as a caller holding one would: the first import finds
    # nothing cached on it, the second finds what the first cached.
    for tasks in (20, 200):
        document = designed_bundle(tasks, f"designed-{tasks}")
        assert len(document["transitions"]) == 3 * tasks + 1
        with CaptureQueriesContext(connection) as queries:
            result = bundle_import(user=creator_a, document=document, dry_run=dry_run)
        assert result.ok, result.errors[:3]
        assert len(result.created_transitions) == 3 * tasks + 1
        counts[tasks] = len(queries)
    assert counts[20] == counts[200], counts
    assert WorkflowDefinition.objects.count() == (0 if dry_run else 2)
    if not dry_run:
        assert access.transitions_for(creator_a).count() == 61 + 601
