"""File import and export in the admin: previews, confirm, refusals, permissions, bundles."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from ticketflower.testing.factories import TaskFactory, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from users.roles import WORKFLOW_CREATOR
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

pytestmark = pytest.mark.django_db

WF_IMPORT = reverse("admin:workflow_design_workflowdefinition_import")
WF_PROCESS = reverse("admin:workflow_design_workflowdefinition_process_import")
WF_EXPORT = reverse("admin:workflow_design_workflowdefinition_export")
WF_CHANGELIST = reverse("admin:workflow_design_workflowdefinition_changelist")
TASK_IMPORT = reverse("admin:workflow_design_taskdefinition_import")
BUNDLE_IMPORT = reverse("admin:workflow_design_workflowdefinition_bundle_import")
CSV, XLSX, JSON = "0", "1", "2"


def snapshot() -> dict:
    """Every definition row's content: a refusal must leave all of it as it was."""
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition)
    }


def upload(name: str, content: bytes | str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8") if isinstance(content, str) else content)


def preview(client, url, name, content, fmt=CSV):
    return client.post(url, {"import_file": upload(name, content), "format": fmt, "resource": "0"})


def confirm(client, response, url=WF_PROCESS):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(url, {k: ("" if v is None else v) for k, v in data.items()})


def test_workflow_csv_import_previews_then_creates_in_own_company(client_a, creator_a, company_a):
    content = "slug,title,description\nonboarding,Onboarding,New staff\n"
    response = preview(client_a, WF_IMPORT, "wf.csv", content)
    assert response.status_code == 200
    assert "New: 1" in response.content.decode()
    assert not WorkflowDefinition.objects.exists()  # the preview saved nothing

    response = confirm(client_a, response)
    assert response.status_code == 302
    workflow = WorkflowDefinition.objects.get()
    assert (workflow.slug, workflow.company, workflow.created_by, workflow.version) == (
        "onboarding",
        company_a,
        creator_a,
        1,
    )


def test_import_with_one_invalid_row_saves_nothing_and_names_row_and_column(client_a, company_a):
    WorkflowFactory(company=company_a, slug="kept", title="Kept")
    before = snapshot()
    content = 'slug,title,ext_ref\ngood,Good,[]\nbad,Bad,[{"system": "jira"}]\n'
    response = preview(client_a, WF_IMPORT, "wf.csv", content)
    page = response.content.decode()
    assert "nothing will be imported" in page
    assert "ext_ref" in page and "reference is required" in page
    assert "Traceback" not in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert snapshot() == before


def test_oversized_file_is_refused_before_parsing(client_a):
    before = snapshot()
    with override_settings(TICKETFLOWER_MAX_UPLOAD_BYTES=100):
        response = preview(client_a, WF_IMPORT, "wf.csv", "slug,title\n" + "x,y\n" * 100)
    assert "files up to" in response.content.decode()
    assert snapshot() == before


def test_file_whose_extension_disagrees_with_the_format_is_refused(client_a):
    response = preview(client_a, WF_IMPORT, "wf.xlsx", "slug,title\na,A\n", fmt=CSV)
    assert "choose the format it has" in response.content.decode()


def test_csv_sent_as_xlsx_is_refused_with_a_message(client_a):
    before = snapshot()
    response = preview(client_a, WF_IMPORT, "wf.xlsx", "slug,title\na,A\n", fmt=XLSX)
    assert "This is not an XLSX file" in response.content.decode()
    assert snapshot() == before


def test_task_import_cannot_name_another_companys_workflow(client_a, company_b):
    simple_workflow(company_b, tasks=1)
    other = WorkflowDefinition.objects.get(company=company_b)
    before = snapshot()
    response = preview(client_a, TASK_IMPORT, "t.csv", f"workflow,slug,title\n{other.slug},x,X\n")
    page = response.content.decode()
    assert f"Workflow &quot;{other.slug}&quot; was not found." in page
    assert snapshot() == before


def test_published_workflow_cannot_be_changed_by_import(client_a, company_a):
    workflow = WorkflowFactory(company=company_a, slug="live", title="Live")
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status="published")
    before = snapshot()
    response = preview(client_a, WF_IMPORT, "wf.csv", "slug,version,title\nlive,1,Changed\n")
    assert "read-only" in response.content.decode()
    assert snapshot() == before


def test_export_neutralises_formulas_and_holds_only_own_company(client_a, company_a, company_b):
    WorkflowFactory(company=company_a, slug="mine", title='=HYPERLINK("http://evil")')
    WorkflowFactory(company=company_b, slug="theirs", title="Theirs")
    fields = {f"workflowresource_{name}": "on" for name in ("slug", "version", "title")}
    response = client_a.post(WF_EXPORT, {"format": CSV, "resource": "0", **fields})
    assert response.status_code == 200
    text = response.content.decode()
    assert "'=HYPERLINK" in text
    assert "theirs" not in text


def test_import_and_export_need_their_permissions(client, creator_a):
    # The creator role without its import and export permissions.
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    group.permissions.remove(*group.permissions.filter(codename__regex=r"^(import|export)_"))
    client.force_login(creator_a)
    assert client.get(WF_CHANGELIST).status_code == 200
    assert client.get(WF_IMPORT).status_code == 403
    assert client.get(WF_EXPORT).status_code == 403
    assert client.get(BUNDLE_IMPORT).status_code == 403


def test_bundle_export_from_workflow_page_and_404_for_another_company(client_a, company_a, company_b):
    mine = simple_workflow(company_a, tasks=2)
    theirs = simple_workflow(company_b, tasks=2)
    response = client_a.get(reverse("admin:workflow_design_workflowdefinition_bundle_export", args=[mine.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["workflow"]["slug"] == mine.slug
    assert "attachment" in response["Content-Disposition"]
    response = client_a.get(reverse("admin:workflow_design_workflowdefinition_bundle_export", args=[theirs.pk]))
    assert response.status_code == 404
    page = client_a.get(reverse("admin:workflow_design_workflowdefinition_change", args=[mine.pk]))
    assert "Export bundle" in page.content.decode()


def test_bundle_export_action_zips_several_workflows(client_a, company_a):
    first = simple_workflow(company_a, tasks=1)
    second = simple_workflow(company_a, tasks=1)
    response = client_a.post(WF_CHANGELIST, {"action": "export_bundles", "_selected_action": [first.pk, second.pk]})
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted([f"{first.slug}-v1.workflow-bundle.json", f"{second.slug}-v1.workflow-bundle.json"])


def test_bundle_import_previews_then_creates_a_draft_in_own_company(client, company_a, company_b, creator_b):
    source = simple_workflow(company_a, tasks=3)
    TicketFactory(workflow=source, company=company_a, slug="access")
    client.force_login(UserFactory(company=company_a, creator=True))
    bundle = client.get(reverse("admin:workflow_design_workflowdefinition_bundle_export", args=[source.pk])).content

    client.force_login(creator_b)
    response = client.post(BUNDLE_IMPORT, {"bundle_file": upload("b.json", bundle)})
    page = response.content.decode()
    assert "Preview" in page and "step-1, step-2, step-3" in page
    assert not WorkflowDefinition.objects.filter(company=company_b).exists()

    form = response.context["confirm_form"]
    data = {name: form.initial.get(name) for name in ("document", "as_new_version", "create_missing_roles")}
    response = client.post(BUNDLE_IMPORT, {**{k: v for k, v in data.items() if v}, "confirm": "1"})
    assert response.status_code == 302
    imported = WorkflowDefinition.objects.get(company=company_b)
    assert imported.status == "draft" and imported.tasks.count() == 3 and imported.transitions.count() == 4
    assert TicketDefinition.objects.get(company=company_b).workflow == imported

    # The same bundle again clashes; the preview offers the next version.
    response = client.post(BUNDLE_IMPORT, {"bundle_file": upload("b.json", bundle)})
    assert "already has" in response.content.decode()
    assert response.context.get("confirm_form") is None


def test_bundle_import_refuses_deeply_nested_json(client_a):
    before = snapshot()
    response = client_a.post(BUNDLE_IMPORT, {"bundle_file": upload("b.json", "[" * 5000 + "]" * 5000)})
    assert "nested more than" in response.content.decode()
    assert snapshot() == before


def test_task_xlsx_round_trip_through_the_admin(client_a, company_a):
    workflow = WorkflowFactory(company=company_a, slug="wf")
    TaskFactory(workflow=workflow, slug="check", title="+Check", position=1)
    fields = {f"taskresource_{name}": "on" for name in ("workflow", "workflow_version", "slug", "title", "position")}
    exported = client_a.post(
        reverse("admin:workflow_design_taskdefinition_export"), {"format": XLSX, "resource": "0", **fields}
    ).content
    assert exported.startswith(b"PK")
    TaskDefinition.objects.all().delete()
    response = preview(client_a, TASK_IMPORT, "tasks.xlsx", exported, fmt=XLSX)
    assert "New: 1" in response.content.decode()
    confirm(client_a, response, reverse("admin:workflow_design_taskdefinition_process_import"))
    assert TaskDefinition.objects.get().title == "+Check"


def test_superuser_chooses_the_company_for_a_file_import(client, superuser, company_b):
    client.force_login(superuser)
    response = client.post(
        WF_IMPORT,
        {"import_file": upload("wf.csv", "slug,title\nplatform,Platform\n"), "format": CSV, "company": company_b.pk},
    )
    assert "New: 1" in response.content.decode()
    confirm(client, response)
    assert WorkflowDefinition.objects.get(slug="platform").company == company_b


def test_demo_workflow_moves_from_one_company_to_another_with_one_export_and_one_import(client):
    from django.core.management import call_command

    from users.models import User

    call_command("loaddata", "demo", verbosity=0)
    acme = User.objects.get(email="creator@acme.example")
    globex = User.objects.get(email="creator@globex.example")
    source = WorkflowDefinition.objects.get(company=acme.company, slug="it-access-request")

    client.force_login(acme)
    bundle = client.get(reverse("admin:workflow_design_workflowdefinition_bundle_export", args=[source.pk])).content

    client.force_login(globex)
    response = client.post(BUNDLE_IMPORT, {"bundle_file": upload("demo.json", bundle), "create_missing_roles": "on"})
    assert response.context["result"].ok, response.context["result"].errors
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name) for name in ("document", "as_new_version", "create_missing_roles")}
    response = client.post(BUNDLE_IMPORT, {**{k: v for k, v in data.items() if v}, "confirm": "1"})
    assert response.status_code == 302
    moved = WorkflowDefinition.objects.get(company=globex.company, slug="it-access-request")
    assert json.loads(bundle) == json.loads(
        client.get(reverse("admin:workflow_design_workflowdefinition_bundle_export", args=[moved.pk])).content
    )
