"""The bundle commands and fixtures on the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ticketflower.testing.factories import UserFactory, simple_workflow
from users.models import Company, CompanyRole, User
from workflow_design import access
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "equipment-request.workflow-bundle.json"


def snapshot() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition, CompanyRole)
    }


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_then_import_into_another_company_with_dry_run_first(tmp_path, company_a, company_b):
    workflow = simple_workflow(company_a, tasks=30)
    target = tmp_path / "bundle.json"
    run("export_workflow", workflow.slug, "--company", company_a.slug, "--output", str(target))
    assert json.loads(target.read_text())["workflow"]["slug"] == workflow.slug

    before = snapshot()
    out, err = run("import_workflow", str(target), "--company", company_b.slug, "--dry-run")
    assert "Dry run, nothing saved. Would create" in out and "30 tasks" in out
    assert "tasks: 30/30" in err and "transitions: 31/31" in err  # progress while it runs
    assert snapshot() == before

    out, _ = run("import_workflow", str(target), "--company", company_b.slug)
    assert "Imported" in out
    copied = WorkflowDefinition.objects.get(company=company_b)
    assert copied.tasks.count() == 30 and copied.created_by is None
    creator_b = UserFactory(company=company_b, creator=True)
    assert access.workflows_for(creator_b).get() == copied


def test_import_of_a_bad_file_fails_and_changes_nothing(tmp_path, company_a):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ticketflower.workflow-bundle", "format_version": 1, "workflow": {"slug": "x"}}')
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_workflow", str(bad), "--company", company_a.slug, stdout=out, stderr=io.StringIO())
    assert "workflow.title" in out.getvalue()
    assert snapshot() == before

    nested = tmp_path / "nested.json"
    nested.write_text("[" * 3000 + "]" * 3000)
    with pytest.raises(CommandError, match="nested more than"):
        run("import_workflow", str(nested), "--company", company_a.slug)


def test_user_of_another_company_cannot_import(company_a, company_b):
    outsider = UserFactory(company=company_b, creator=True)
    before = snapshot()
    with pytest.raises(CommandError, match="You can create definitions only in your own company."):
        run("import_workflow", str(EXAMPLE), "--company", company_a.slug, "--user", outsider.email)
    assert snapshot() == before


def test_export_needs_the_export_permission(company_a, creator_a):
    from django.contrib.auth.models import Group

    from users.roles import WORKFLOW_CREATOR
    from workflow_design.policy import DENIED, Action

    workflow = simple_workflow(company_a, tasks=1)
    out, _ = run("export_workflow", workflow.slug, "--company", company_a.slug, "--user", creator_a.email)
    assert json.loads(out)["workflow"]["slug"] == workflow.slug
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    group.permissions.remove(*group.permissions.filter(codename__startswith="export_"))
    with pytest.raises(CommandError, match=str(DENIED[Action.EXPORT])):
        run("export_workflow", workflow.slug, "--company", company_a.slug, "--user", creator_a.email)


def test_export_of_another_companys_workflow_is_not_found(company_a, company_b):
    workflow = simple_workflow(company_a, tasks=1)
    outsider = UserFactory(company=company_b, creator=True)
    with pytest.raises(CommandError, match=f'alpha has no workflow "{workflow.slug}".'):
        run("export_workflow", workflow.slug, "--company", company_a.slug, "--user", outsider.email)


def test_documented_bundle_imports_with_missing_roles_created(company_a, creator_a):
    out, _ = run(
        "import_workflow",
        str(EXAMPLE),
        "--company",
        company_a.slug,
        "--user",
        creator_a.email,
        "--create-missing-roles",
    )
    assert "roles created: employee, it-support, manager" in out
    workflow = WorkflowDefinition.objects.get(company=company_a)
    assert workflow.created_by == creator_a
    assert CompanyRole.objects.get(company=company_a, slug="it-support").name == "IT support"


def test_fixtures_dumped_with_natural_keys_load_on_an_empty_database(tmp_path):
    call_command("loaddata", "demo", verbosity=0)
    dump = tmp_path / "dump.json"
    call_command(
        "dumpdata",
        "users.company",
        "users.companyrole",
        "users.user",
        "workflow_design.workflowdefinition",
        "workflow_design.taskdefinition",
        "workflow_design.workflowtransition",
        "workflow_design.ticketdefinition",
        "--natural-foreign",
        "--natural-primary",
        "--output",
        str(dump),
        verbosity=0,
    )
    expected = snapshot_by_natural_key()
    # Empty the database of everything the dump holds (and of what loading it recreates).
    WorkflowTransition.objects.all().delete()
    TicketDefinition.objects.all().delete()
    TaskDefinition.objects.all().delete()
    WorkflowDefinition.objects.all().delete()
    User.objects.all().delete()
    CompanyRole.objects.all().delete()
    groups = [c.creators_group for c in Company.objects.all()]
    Company.objects.all().delete()
    for group in groups:
        if group is not None:
            group.delete()

    call_command("loaddata", str(dump), verbosity=0)
    assert snapshot_by_natural_key() == expected
    creator = User.objects.get(email="creator@acme.example")
    workflow = access.workflows_for(creator).get()
    assert access.tasks_for(creator).filter(workflow=workflow).count() == workflow.tasks.count()


def snapshot_by_natural_key() -> dict:
    return {
        "workflows": sorted(w.natural_key() + (w.title,) for w in WorkflowDefinition.objects.all()),
        "tasks": sorted(t.natural_key() + (t.title,) for t in TaskDefinition.objects.all()),
        "transitions": sorted(t.natural_key() + (t.condition, t.priority) for t in WorkflowTransition.objects.all()),
        "tickets": sorted(t.natural_key() for t in TicketDefinition.objects.all()),
        "users": sorted(User.objects.values_list("email", "company__slug")),
    }
