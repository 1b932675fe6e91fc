import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from users.roles import WORKFLOW_CREATOR

BEFORE = [("workflow_design", "0003_list_order_indexes")]
AFTER = [("workflow_design", "0006_transition_list_order")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_transition_migration_copies_the_workflows_company_and_the_source_position():
    # Given transitions of two companies' workflows, stored before transitions knew their company
    apps = _migrate(BEFORE)
    try:
        Company = apps.get_model("users", "Company")
        Workflow = apps.get_model("workflow_design", "WorkflowDefinition")
        Task = apps.get_model("workflow_design", "TaskDefinition")
        Transition = apps.get_model("workflow_design", "WorkflowTransition")
        made = {}
        for slug in ("north", "south"):
            company = Company.objects.create(name=slug.title(), slug=slug)
            workflow = Workflow.objects.create(company=company, title=f"{slug} flow", slug=f"{slug}-flow")
            task = Task.objects.create(company=company, workflow=workflow, title="Step", slug="step", position=4)
            Transition.objects.create(workflow=workflow, slug="start", to_task=task)
            Transition.objects.create(workflow=workflow, slug="end", from_task=task)
            made[workflow.pk] = company.pk

        # When the migrations run
        apps = _migrate(AFTER)
    finally:
        _migrate(_latest())  # the other tests need the current schema back

    # Then every transition carries its workflow's company and its source task's position
    Transition = apps.get_model("workflow_design", "WorkflowTransition")
    rows = list(Transition.objects.values_list("workflow_id", "company_id", "slug", "from_position"))
    assert len(rows) == 4
    assert all(company_id == made[workflow_id] for workflow_id, company_id, _slug, _position in rows)
    assert {(slug, position) for _workflow, _company, slug, position in rows} == {("start", 0), ("end", 4)}


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_ticket_revision_migration_starts_every_ticket_at_one():
    # Given a ticket definition stored before ticket definitions had a revision
    apps = _migrate([("workflow_design", "0006_transition_list_order")])
    try:
        Company = apps.get_model("users", "Company")
        Workflow = apps.get_model("workflow_design", "WorkflowDefinition")
        Ticket = apps.get_model("workflow_design", "TicketDefinition")
        company = Company.objects.create(name="North", slug="north")
        workflow = Workflow.objects.create(company=company, title="Flow", slug="flow")
        Ticket.objects.create(company=company, workflow=workflow, title="Request", slug="request")

        # When the migration runs
        apps = _migrate([("workflow_design", "0007_ticketdefinition_revision")])
    finally:
        _migrate(_latest())

    # Then the stored ticket starts at revision 1
    Ticket = apps.get_model("workflow_design", "TicketDefinition")
    assert list(Ticket.objects.values_list("slug", "revision")) == [("request", 1)]


@pytest.mark.django_db
def test_workflow_creator_group_has_design_model_permissions():
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    for model in ("workflowdefinition", "taskdefinition", "workflowtransition", "ticketdefinition"):
        for action in ("add", "change", "delete", "view", "import", "export"):
            assert ("workflow_design", f"{action}_{model}") in codenames
    assert ("workflow_design", "publish_workflowdefinition") in codenames
    assert not any(app == "users" for app, _ in codenames)


@pytest.mark.django_db
def test_workflow_creator_group_gets_design_permissions_back_after_migrate():
    group = Group.objects.get(name=WORKFLOW_CREATOR)
    group.permissions.clear()
    call_command("migrate", verbosity=0)
    assert group.permissions.filter(codename="change_taskdefinition").exists()
