"""Roles, object permissions and the access layer."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from ticketflower.testing.factories import TEST_PASSWORD, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from users.models import User
from workflow_design import access
from workflow_design.models import (
    TaskDefinitionGroupObjectPermission,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowDefinitionGroupObjectPermission,
    WorkflowTransitionGroupObjectPermission,
)
from workflow_design.tests.admin.designer_pages import ADD_URL, designer_post, errors_in

ROOT = Path(__file__).resolve().parents[2]
DESIGN_CHANGELIST = "admin:workflow_design_workflowdefinition_changelist"


@pytest.mark.django_db
def test_creation_grants_company_creators_group(company_a, creator_a, creator_b):
    workflow = simple_workflow(company_a, tasks=2)
    group = company_a.creators_group
    perms = set(
        WorkflowDefinitionGroupObjectPermission.objects.filter(content_object=workflow).values_list(
            "group_id", "permission__codename"
        )
    )
    assert perms == {
        (group.pk, "view_workflowdefinition"),
        (group.pk, "change_workflowdefinition"),
        (group.pk, "delete_workflowdefinition"),
    }
    assert TaskDefinitionGroupObjectPermission.objects.filter(content_object__workflow=workflow).count() == 6
    assert list(access.workflows_for(creator_a)) == [workflow]
    assert list(access.workflows_for(creator_b)) == []


@pytest.mark.django_db
def test_superuser_sees_every_company(company_a, company_b, superuser):
    simple_workflow(company_a)
    simple_workflow(company_b)
    assert access.workflows_for(superuser).count() == 2


@pytest.mark.django_db
def test_global_model_permissions_do_not_widen_access(company_a, company_b, creator_a):
    simple_workflow(company_b)
    assert creator_a.has_perm("workflow_design.view_workflowdefinition")  # the system role's model permission
    assert access.workflows_for(creator_a).count() == 0


@pytest.mark.django_db
def test_staff_without_creator_role_cannot_reach_design_admin(client, company_a):
    simple_workflow(company_a)
    plain = UserFactory(company=company_a, email="plain@alpha.example")
    client.force_login(plain)
    index = client.get("/admin/").content.decode()
    assert "Workflow definitions" not in index
    assert client.get(reverse(DESIGN_CHANGELIST)).status_code == 403


@pytest.mark.django_db
def test_inactive_creator_is_refused(client, creator_a):
    creator_a.is_active = False
    creator_a.save()
    response = client.post(reverse("admin:login"), {"username": creator_a.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert access.workflows_for(creator_a).count() == 0


@pytest.mark.django_db
def test_creator_sees_design_models_on_admin_index(client, creator_a):
    client.force_login(creator_a)
    index = client.get("/admin/").content.decode()
    assert "Workflow definitions" in index
    assert "Ticket definitions" in index
    assert "Users" not in index  # a plain creator does not manage users


@pytest.mark.django_db
def test_company_and_created_by_set_from_request_user(client_a, creator_a, company_b):
    response = client_a.post(ADD_URL, designer_post(title="Onboarding", slug="onboarding", company=company_b.pk))
    assert response.status_code == 302, errors_in(response.content.decode())
    workflow = WorkflowDefinition.objects.get(slug="onboarding")
    assert workflow.company == creator_a.company
    assert workflow.created_by == creator_a


@pytest.mark.django_db
def test_object_permissions_page_only_for_company_admins(client, company_a, creator_a, company_admin_a):
    workflow = WorkflowFactory(company=company_a)
    url = reverse("admin:workflow_design_workflowdefinition_permissions", args=[workflow.pk])
    client.force_login(creator_a)
    # A creator may not grant (the policy's table): refused alike for a stored and a missing id.
    missing = reverse("admin:workflow_design_workflowdefinition_permissions", args=[workflow.pk + 10_000])
    assert (client.get(url).status_code, client.get(missing).status_code) == (403, 403)
    change = client.get(reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk]))
    assert url not in change.content.decode()
    client.force_login(company_admin_a)
    page = client.get(url)
    assert page.status_code == 200
    assert f"{company_a.slug}:workflow_creators" in page.content.decode()


@pytest.mark.django_db
def test_object_permissions_refuse_user_of_other_company(client, company_a, company_admin_a, creator_b):
    workflow = WorkflowFactory(company=company_a)
    client.force_login(company_admin_a)
    url = reverse("admin:workflow_design_workflowdefinition_permissions", args=[workflow.pk])
    response = client.post(url, {"user": creator_b.email, "submit_manage_user": "1"})
    assert response.status_code == 200
    assert "No user of this company has this email address." in response.content.decode()
    manage = reverse(
        "admin:workflow_design_workflowdefinition_permissions_manage_user", args=[workflow.pk, creator_b.pk]
    )
    assert client.post(manage, {"permissions": ["view_workflowdefinition"]}).status_code == 404
    assert not creator_b.has_perm("workflow_design.view_workflowdefinition", workflow)
    assert access.workflows_for(creator_b).count() == 0


@pytest.mark.django_db
def test_object_permissions_refuse_group_of_other_company(client, company_a, company_b, company_admin_a):
    workflow = WorkflowFactory(company=company_a)
    client.force_login(company_admin_a)
    url = reverse("admin:workflow_design_workflowdefinition_permissions", args=[workflow.pk])
    response = client.post(url, {"group": company_b.creators_group.name, "submit_manage_group": "1"})
    assert "No group of this company has this name." in response.content.decode()


@pytest.mark.django_db
def test_object_permissions_share_with_same_company_user(client, company_a, company_admin_a):
    workflow = WorkflowFactory(company=company_a)
    colleague = UserFactory(company=company_a, email="colleague@alpha.example", creator=True)
    client.force_login(company_admin_a)
    url = reverse("admin:workflow_design_workflowdefinition_permissions", args=[workflow.pk])
    response = client.post(url, {"user": colleague.email, "submit_manage_user": "1"})
    assert response.status_code == 302
    assert response.url.endswith(f"/permissions/user-manage/{colleague.pk}/")


@pytest.mark.django_db
def test_restricting_one_definition_hides_it(company_a, creator_a, company_admin_a):
    shared = WorkflowFactory(company=company_a, title="Shared")
    private = WorkflowFactory(company=company_a, title="Private")
    group = company_a.creators_group
    for action in ("view", "change", "delete"):
        remove_perm(f"{action}_workflowdefinition", group, private)
    assign_perm("view_workflowdefinition", company_admin_a, private)
    assert list(access.workflows_for(creator_a)) == [shared]
    assert set(access.workflows_for(company_admin_a)) == {shared, private}
    assert not access.user_may(company_admin_a, "change", private)


@pytest.mark.django_db
@pytest.mark.parametrize("holder", ["user", "group"])
def test_grant_on_another_companys_definition_reaches_nothing(company_a, company_b, creator_a, holder):
    # Given grants on every definition of another company, to the creator or their company's group
    theirs = simple_workflow(company_b, tasks=2)
    TicketFactory(company=company_b, workflow=theirs)
    grantee = creator_a if holder == "user" else company_a.creators_group
    for rows in (
        [theirs],
        list(theirs.tasks.all()),
        list(theirs.transitions.all()),
        list(TicketDefinition.objects.filter(workflow=theirs)),
    ):
        for row in rows:
            assign_perm(f"view_{row._meta.model_name}", grantee, row)
    # Then none of them is visible: the access layer stays inside the user's company
    for model in access.DESIGN_MODELS:
        assert not access.definitions_for(creator_a, model).exists(), model
    assert not access.user_may(creator_a, "view", theirs)


@pytest.mark.django_db
@pytest.mark.parametrize("model_name", ["taskdefinition", "workflowtransition"])
def test_rows_of_one_workflow_are_its_visible_parts(company_a, company_b, creator_a, superuser, model_name):
    model = apps.get_model("workflow_design", model_name)
    # Given two workflows of the creator's company, one part of the first hidden, and another company's
    first, second = simple_workflow(company_a, tasks=3), simple_workflow(company_a, tasks=2)
    theirs = simple_workflow(company_b, tasks=2)
    hidden = model.objects.filter(workflow=first).first()
    remove_perm(f"view_{model._meta.model_name}", company_a.creators_group, hidden)
    assign_perm(f"view_{model._meta.model_name}", creator_a, model.objects.filter(workflow=theirs).first())
    of_first = set(model.objects.filter(workflow=first).exclude(pk=hidden.pk))
    # Then the creator gets the first workflow's visible parts alone, counted and listed alike
    for workflow, expected in (
        (first, of_first),
        (second, set(model.objects.filter(workflow=second))),
        (theirs, set()),
    ):
        rows = access.definitions_for(creator_a, model, workflow_id=workflow.pk)
        assert set(rows) == expected and rows.count() == len(expected)
    # and a superuser every part of any company's workflow
    assert set(access.definitions_for(superuser, model, workflow_id=theirs.pk)) == set(
        model.objects.filter(workflow=theirs)
    )


@pytest.mark.django_db
def test_rows_of_one_workflow_test_grants_row_by_row(company_a, creator_a):
    # Given a workflow's tasks, counted for the whole company and for the workflow alone
    workflow = simple_workflow(company_a, tasks=2)
    tasks = apps.get_model("workflow_design", "taskdefinition")
    with CaptureQueriesContext(connection) as queries:
        access.definitions_for(creator_a, tasks).count()
        access.definitions_for(creator_a, tasks, workflow_id=workflow.pk).count()
    company_count, workflow_count = (q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"])
    # Then the company's count reads the grants as one set, and one workflow's looks each up
    assert "EXISTS" not in company_count and "EXISTS" in workflow_count


@pytest.mark.django_db
def test_deleting_definition_leaves_no_permission_rows(company_a):
    workflow = simple_workflow(company_a, tasks=3)
    assert WorkflowTransitionGroupObjectPermission.objects.count() == 12
    workflow.delete()
    assert WorkflowDefinitionGroupObjectPermission.objects.count() == 0
    assert TaskDefinitionGroupObjectPermission.objects.count() == 0
    assert WorkflowTransitionGroupObjectPermission.objects.count() == 0


@pytest.mark.django_db
def test_user_leaving_creator_role_loses_company_group(company_a, creator_a):
    from django.contrib.auth.models import Group

    from users.services import user_sync_company_groups

    creator_a.groups.remove(Group.objects.get(name="workflow_creator"))
    user_sync_company_groups(user=creator_a)
    creator_a = User.objects.get(pk=creator_a.pk)
    assert not creator_a.groups.filter(pk=company_a.creators_group_id).exists()


# Only the access layer, the models, services and migrations scope rows by company.
ALLOWED = (
    "users/access.py",
    "workflow_design/access.py",
    "users/models.py",
    "workflow_design/models/",
    "users/services.py",
    "workflow_design/services/",
    "workflow_design/files/bundles.py",
)
COMPANY_FILTER = re.compile(r"\.(filter|exclude|get|get_or_create)\([^)]*\bcompany(_id|__\w+)?\s*=")


def test_no_company_filtering_outside_access_layer():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "bench/")) or "/migrations/" in relative or "/tests/" in relative:
            continue
        if relative.startswith(ALLOWED) or relative.startswith("ticketflower/testing/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if COMPANY_FILTER.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
