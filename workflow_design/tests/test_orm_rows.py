"""Rows made without the services (the ORM, a shell, a data migration) belong to their company:
its workflow creators find them in the admin and the API, and nobody else does."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from guardian.shortcuts import assign_perm

from workflow_design import access
from workflow_design.models import (
    TaskDefinition,
    TaskDefinitionGroupObjectPermission,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowDefinitionGroupObjectPermission,
    WorkflowTransition,
)
from workflow_design.signals import grant_ungranted_definitions

API = "/api/workflow"
API_PATHS = {
    WorkflowDefinition: "workflows",
    TaskDefinition: "tasks",
    WorkflowTransition: "transitions",
    TicketDefinition: "tickets",
}


@pytest.fixture
def orm_rows(company_a):
    """One of each definition made with plain `objects.create`, without slugs."""
    workflow = WorkflowDefinition.objects.create(company=company_a, title="Laptop request")
    task = TaskDefinition.objects.create(workflow=workflow, title="Manager review", position=1)
    transition = WorkflowTransition.objects.create(workflow=workflow, to_task=task)
    ticket = TicketDefinition.objects.create(workflow=workflow, title="New laptop")
    return {
        WorkflowDefinition: workflow,
        TaskDefinition: task,
        WorkflowTransition: transition,
        TicketDefinition: ticket,
    }


def _admin_url(obj, view, *args):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
def test_orm_rows_get_slugs_derived_from_their_titles(orm_rows):
    slugs = {model: obj.slug for model, obj in orm_rows.items()}
    assert slugs == {
        WorkflowDefinition: "laptop-request",
        TaskDefinition: "manager-review",
        WorkflowTransition: "start-to-manager-review",
        TicketDefinition: "new-laptop",
    }


@pytest.mark.django_db
def test_orm_rows_found_in_admin_by_company_creator(client, creator_a, orm_rows):
    client.force_login(creator_a)
    for obj in orm_rows.values():
        changelist = client.get(_admin_url(obj, "changelist"))
        assert changelist.status_code == 200
        assert _admin_url(obj, "change", obj.pk) in changelist.content.decode(), obj
        change = client.get(_admin_url(obj, "change", obj.pk))
        assert change.status_code == 200, obj
        assert obj.slug in change.content.decode(), obj


@pytest.mark.django_db
def test_orm_rows_found_in_api_by_company_creator(client, creator_a, orm_rows):
    client.force_login(creator_a)
    for model, obj in orm_rows.items():
        listed = client.get(f"{API}/{API_PATHS[model]}/")
        assert listed.status_code == 200
        assert [row["slug"] for row in listed.json()["results"]] == [obj.slug], model
        detail = client.get(f"{API}/{API_PATHS[model]}/{obj.pk}/")
        assert detail.status_code == 200, model
        assert detail.json()["id"] == obj.pk


@pytest.mark.django_db
def test_task_posted_to_orm_workflow_is_created(client, creator_a, orm_rows):
    workflow = orm_rows[WorkflowDefinition]
    client.force_login(creator_a)
    flat = client.post(
        f"{API}/tasks/",
        {"workflow": workflow.pk, "title": "Order laptop", "slug": "order-laptop", "position": 2},
        content_type="application/json",
    )
    nested = client.post(
        f"{API}/workflows/{workflow.pk}/tasks/",
        {"title": "Hand over", "slug": "hand-over", "position": 3},
        content_type="application/json",
    )
    assert (flat.status_code, nested.status_code) == (201, 201), (flat.content, nested.content)
    assert list(workflow.tasks.order_by("position").values_list("slug", flat=True)) == [
        "manager-review",
        "order-laptop",
        "hand-over",
    ]


@pytest.mark.django_db
def test_two_orm_tasks_without_slug_get_distinct_slugs(orm_rows):
    workflow = orm_rows[WorkflowDefinition]
    first = TaskDefinition.objects.create(workflow=workflow, title="Order laptop")
    second = TaskDefinition.objects.create(workflow=workflow, title="Order laptop")
    assert (first.slug, second.slug) == ("order-laptop", "order-laptop-2")


@pytest.mark.django_db
def test_orm_rows_hidden_from_another_companys_creator(client, creator_b, orm_rows):
    client.force_login(creator_b)
    for model, obj in orm_rows.items():
        assert client.get(_admin_url(obj, "change", obj.pk)).status_code == 404, model
        assert client.get(f"{API}/{API_PATHS[model]}/{obj.pk}/").status_code == 404, model
        assert client.get(f"{API}/{API_PATHS[model]}/").json()["results"] == [], model


@pytest.mark.django_db
def test_orm_row_granted_once(orm_rows, company_a):
    workflow = orm_rows[WorkflowDefinition]
    grants = WorkflowDefinitionGroupObjectPermission.objects.filter(content_object=workflow)
    assert sorted(grants.values_list("permission__codename", flat=True)) == [
        "change_workflowdefinition",
        "delete_workflowdefinition",
        "view_workflowdefinition",
    ]
    assert set(grants.values_list("group_id", flat=True)) == {company_a.creators_group_id}
    workflow.title = "Laptop request (changed)"
    workflow.save()  # a later save grants nothing more
    assert grants.count() == 3


def _bulk_rows(company, n):
    """A workflow and `n` tasks inserted with a queryset's `bulk_create`: no signal, no grant."""
    [workflow] = WorkflowDefinition.objects.bulk_create(
        [WorkflowDefinition(company=company, title="Bulk", slug="bulk")]
    )
    tasks = TaskDefinition.objects.bulk_create(
        [
            TaskDefinition(company=company, workflow=workflow, title=f"Step {i}", slug=f"step-{i}", position=i)
            for i in range(n)
        ]
    )
    return workflow, tasks


@pytest.mark.django_db
def test_sweep_grants_rows_inserted_without_signal(company_a, creator_a):
    workflow, tasks = _bulk_rows(company_a, 3)
    assert not access.workflows_for(creator_a).exists()
    assert grant_ungranted_definitions() == 3 + 3 * 3
    assert list(access.workflows_for(creator_a)) == [workflow]
    assert set(access.tasks_for(creator_a)) == set(tasks)
    assert grant_ungranted_definitions() == 0  # an up-to-date database is left as it is


@pytest.mark.django_db
def test_sweep_grants_rows_of_a_data_migration(company_a, creator_a):
    # A data migration's models are the historical ones: their saves reach no receiver.
    state = MigrationExecutor(connection).loader.project_state()
    Workflow = state.apps.get_model("workflow_design", "WorkflowDefinition")
    made = Workflow.objects.create(company_id=company_a.pk, title="Migrated", slug="migrated")
    assert not access.workflows_for(creator_a).exists()
    grant_ungranted_definitions()
    assert [w.pk for w in access.workflows_for(creator_a)] == [made.pk]


@pytest.mark.django_db
def test_sweep_leaves_narrowed_grants_as_they_are(company_a, creator_a, company_admin_a):
    workflow, [task] = _bulk_rows(company_a, 1)
    grant_ungranted_definitions()
    # A company admin shares one task with themselves only, and takes the delete right off the workflow.
    TaskDefinitionGroupObjectPermission.objects.filter(content_object=task).delete()
    assign_perm("view_taskdefinition", company_admin_a, task)
    WorkflowDefinitionGroupObjectPermission.objects.filter(
        content_object=workflow, permission__codename="delete_workflowdefinition"
    ).delete()
    assert grant_ungranted_definitions() == 0
    assert not access.tasks_for(creator_a).exists()
    assert not access.user_may(creator_a, "delete", workflow)


@pytest.mark.django_db
def test_migrate_grants_rows_inserted_without_signal(company_a, creator_a):
    workflow, _tasks = _bulk_rows(company_a, 2)
    call_command("migrate", verbosity=0)
    assert list(access.workflows_for(creator_a)) == [workflow]
    assert access.tasks_for(creator_a).count() == 2
