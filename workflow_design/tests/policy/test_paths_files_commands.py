"""The permission table through per-model files (the admin's import and export) and the bundle commands."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from workflow_design.models import WorkflowDefinition
from workflow_design.policy import Action
from workflow_design.tests.policy.conftest import DRAFT, IMPORTED, World
from workflow_design.tests.policy.seen import SIGNED_OUT, Seen, admin_page_seen, assert_cell
from workflow_design.tests.policy.table import ALLOWED, NOT_FOUND, REFUSED, cells

IMPORT = reverse("admin:workflow_design_workflowdefinition_import")
PROCESS = reverse("admin:workflow_design_workflowdefinition_process_import")
EXPORT = reverse("admin:workflow_design_workflowdefinition_export")
CSV = "0"


# Files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.IMPORT, Action.EXPORT]))
def test_file_hooks_follow_the_table(w, action, role, expected):
    """Model-wide questions: another company's creator may import, and export their own rows."""
    request = RequestFactory().get("/admin/")
    request.user = w.user(role)
    model_admin = admin.site.get_model_admin(WorkflowDefinition)
    hook = model_admin.has_import_permission if action is Action.IMPORT else model_admin.has_export_permission
    assert hook(request) is (expected != REFUSED)


def import_csv(client, w: World, role: str, content: str):
    """Preview the file, then confirm the preview; the preview's answer when it offers no confirmation."""
    data = {"import_file": SimpleUploadedFile("workflows.csv", content.encode()), "format": CSV, "resource": "0"}
    if w.users[role].is_superuser:
        data["company"] = str(w.alpha.pk)
    response = client.post(IMPORT, data)
    form = (response.context or {}).get("confirm_form") if response.status_code == 200 else None
    if form is None:
        return response
    values = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(PROCESS, {key: "" if value is None else value for key, value in values.items()})


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.IMPORT]))
def test_file_import_of_a_new_row_follows_the_table(w, client, action, role, expected):
    client.force_login(w.users[role])
    response = import_csv(client, w, role, f"slug,title\n{IMPORTED},Imported\n")
    done = WorkflowDefinition.objects.filter(slug=IMPORTED, company=w.own_company(role)).exists()
    seen = admin_page_seen(response, done, "file import")
    if seen.outcome == ALLOWED and not done:
        seen = Seen("nothing imported", False, detail=seen.detail)
    assert_cell(seen, action=action, role=role, expected=expected, messages=False)


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.CHANGE]))
def test_file_row_naming_a_stored_row_follows_the_table(w, client, action, role, expected):
    """A row naming the draft's slug changes it; another company's creator gets a new row of their own."""
    client.force_login(w.users[role])
    response = import_csv(client, w, role, f"slug,title\n{DRAFT},Renamed\n")
    changed = w.draft().title == "Renamed"
    seen = admin_page_seen(response, changed, "file import")
    if seen.outcome == ALLOWED and not changed:
        made_own = (
            WorkflowDefinition.objects.filter(slug=DRAFT, title="Renamed", company=w.own_company(role))
            .exclude(pk=w.draft_pk)
            .exists()
        )
        seen = Seen(NOT_FOUND if made_own else "nothing changed", False, detail=seen.detail)
    assert_cell(seen, action=action, role=role, expected=expected, messages=False)


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.EXPORT]))
def test_file_export_follows_the_table(w, client, action, role, expected):
    client.force_login(w.users[role])
    fields = {f"workflowresource_{name}": "on" for name in ("slug", "version", "title")}
    response = client.post(EXPORT, {"format": CSV, "resource": "0", **fields})
    lines = response.content.decode().splitlines() if response.status_code == 200 else []
    exported = any(line.startswith(f"{DRAFT},") for line in lines)
    seen = admin_page_seen(response, exported, "file export")
    if seen.outcome == ALLOWED and not exported:
        seen = Seen(NOT_FOUND, False, detail=f"the file holds {lines[:3]}")
    assert_cell(seen, action=action, role=role, expected=expected, messages=False)


# Commands ---------------------------------------------------------------------------------


def command_seen(run, done, what: str) -> Seen:
    out, err = io.StringIO(), io.StringIO()
    try:
        run(out, err)
    except CommandError as exc:
        message = str(exc)
        if "No active user" in message:
            return Seen(REFUSED, done(out), SIGNED_OUT, detail=f"{what}: {message}")
        outcome = NOT_FOUND if "has no workflow" in message else REFUSED
        return Seen(outcome, done(out), message, detail=f"{what}: {message}")
    return Seen(ALLOWED, done(out), detail=f"{what}: {err.getvalue()[:200]}")


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.EXPORT]))
def test_export_command_follows_the_table(w, action, role, expected):
    user = w.users[role]

    def run(out, err):
        call_command("export_workflow", DRAFT, "--company", "alpha", "--user", user.email, stdout=out, stderr=err)

    def done(out):
        text = out.getvalue()
        return bool(text) and json.loads(text)["workflow"]["slug"] == DRAFT

    seen = command_seen(run, done, "export_workflow")
    assert_cell(seen, action=action, role=role, expected=expected, messages=True)


@pytest.mark.parametrize(("action", "role", "expected"), cells([Action.IMPORT]))
def test_import_command_follows_the_table(w, tmp_path, action, role, expected):
    user, company = w.users[role], w.own_company(role)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(w.bundle), encoding="utf-8")

    def run(out, err):
        call_command(
            "import_workflow", str(path), "--company", company.slug, "--user", user.email, stdout=out, stderr=err
        )

    def done(out):
        return WorkflowDefinition.objects.filter(slug=IMPORTED, company=company).exists()

    seen = command_seen(run, done, "import_workflow")
    assert_cell(seen, action=action, role=role, expected=expected, messages=True)


def test_commands_without_a_user_act_as_the_operator(w, tmp_path):
    out = io.StringIO()
    call_command("export_workflow", DRAFT, "--company", "alpha", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["workflow"]["slug"] == DRAFT
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(w.bundle), encoding="utf-8")
    call_command("import_workflow", str(path), "--company", "beta", stdout=io.StringIO(), stderr=io.StringIO())
    imported = WorkflowDefinition.objects.get(slug=IMPORTED)
    assert (imported.company, imported.created_by) == (w.beta, None)


def test_import_command_refuses_another_company_for_a_creator(w, tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(w.bundle), encoding="utf-8")
    with pytest.raises(CommandError, match="You can create definitions only in your own company."):
        call_command(
            "import_workflow",
            str(path),
            "--company",
            "beta",
            "--user",
            w.users["creator"].email,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not WorkflowDefinition.objects.filter(slug=IMPORTED).exists()
