"""The audit trail and protection against lost updates."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.urls import reverse

from ticketflower.testing.factories import TaskFactory, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from workflow_design import services
from workflow_design.access import audit_entries_for, audit_entries_of
from workflow_design.models import AuditEntry, TaskDefinition, TicketDefinition, WorkflowDefinition
from workflow_design.services.audit import audit_channel
from workflow_design.tests.admin.designer_pages import designer_post


@pytest.mark.django_db
def test_workflow_update_records_who_path_and_what(company_a, creator_a):
    workflow = WorkflowFactory(company=company_a, title="Old title", created_by=creator_a)
    with audit_channel("api"):
        services.workflow_update(workflow=workflow, user=creator_a, title="New title")
    entry = audit_entries_of(workflow).filter(action="changed").get()
    assert entry.actor == creator_a and entry.actor_email == creator_a.email
    assert entry.channel == "api"
    assert entry.changes == {"title": ["Old title", "New title"]}
    assert entry.company == company_a


@pytest.mark.django_db
def test_every_service_records_an_entry(company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=2, user=creator_a)
    task = workflow.tasks.first()
    services.task_update(task=task, user=creator_a, title="Renamed")
    ticket = TicketFactory(workflow=workflow, created_by=creator_a)
    services.ticket_update(ticket=ticket, user=creator_a, description="Why")
    services.ticket_delete(ticket=ticket, user=creator_a)
    actions = list(AuditEntry.objects.values_list("content_type__model", "action"))
    assert ("workflowdefinition", "created") in actions
    assert actions.count(("taskdefinition", "created")) == 2
    assert actions.count(("workflowtransition", "created")) == 3
    assert ("taskdefinition", "changed") in actions
    assert ("ticketdefinition", "changed") in actions
    assert ("ticketdefinition", "deleted") in actions


@pytest.mark.django_db
def test_deleted_definition_keeps_its_history(company_a, creator_a, company_admin_a):
    workflow = WorkflowFactory(company=company_a, title="Short-lived", created_by=creator_a)
    pk = workflow.pk
    services.workflow_delete(workflow=workflow, user=creator_a)
    assert not WorkflowDefinition.objects.filter(pk=pk).exists()
    trail = audit_entries_for(company_admin_a).filter(object_id=pk)
    assert set(trail.values_list("action", flat=True)) == {"created", "deleted"}
    assert audit_entries_for(creator_a).count() == 0  # the company-wide trail is for company admins


@pytest.mark.django_db
def test_admin_history_page_shows_audit(client, company_a, creator_a):
    workflow = WorkflowFactory(company=company_a, title="Old title", created_by=creator_a)
    services.workflow_update(workflow=workflow, user=creator_a, title="Audited title")
    client.force_login(creator_a)
    page = client.get(reverse("admin:workflow_design_workflowdefinition_history", args=[workflow.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Old title" in body and "Audited title" in body
    assert creator_a.email in body


@pytest.mark.django_db
def test_audit_trail_admin_scoped_to_company(client, company_a, company_b, company_admin_a, creator_b):
    WorkflowFactory(company=company_b, title="Zebra confidential", created_by=creator_b)
    WorkflowFactory(company=company_a, title="Alpha visible")
    client.force_login(company_admin_a)
    body = client.get(reverse("admin:workflow_design_auditentry_changelist")).content.decode()
    assert "Alpha visible" in body
    assert "Zebra" not in body


@pytest.mark.django_db
def test_stale_revision_refused_and_nothing_overwritten(company_a, creator_a):
    workflow = WorkflowFactory(company=company_a, title="Original")
    opened = workflow.revision
    first = WorkflowDefinition.objects.get(pk=workflow.pk)
    services.workflow_update(workflow=first, user=creator_a, expected_revision=opened, title="First save")
    second = WorkflowDefinition.objects.get(pk=workflow.pk)
    second.revision = opened  # what the second editor saw when they opened the page
    with pytest.raises(ValidationError) as excinfo:
        services.workflow_update(workflow=second, user=creator_a, expected_revision=opened, title="Second save")
    assert excinfo.value.code == "stale"
    assert "Someone else changed the workflow" in excinfo.value.messages[0]
    assert WorkflowDefinition.objects.get(pk=workflow.pk).title == "First save"


@pytest.mark.django_db
def test_task_change_makes_open_workflow_stale(company_a, creator_a):
    workflow = WorkflowFactory(company=company_a)
    opened = WorkflowDefinition.objects.get(pk=workflow.pk).revision
    TaskFactory(workflow=workflow)  # someone adds a task
    with pytest.raises(ValidationError):
        services.workflow_update(workflow=workflow, user=creator_a, expected_revision=opened, title="Mine")


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_one_wins(company_a, creator_a):
    workflow = WorkflowFactory(company=company_a, title="Original")
    opened = workflow.revision
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(title):
        close_old_connections()
        try:
            mine = WorkflowDefinition.objects.get(pk=workflow.pk)
            barrier.wait(timeout=10)
            services.workflow_update(workflow=mine, user=creator_a, expected_revision=opened, title=title)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()  # each thread's own connection; left open it blocks teardown

    threads = [threading.Thread(target=save, args=(f"Editor {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["saved", "stale"]
    final = WorkflowDefinition.objects.get(pk=workflow.pk)
    assert final.title in {"Editor 1", "Editor 2"}
    assert final.revision == opened + 1


@pytest.mark.django_db
def test_publish_and_new_version_are_audited(company_a, creator_a):
    from workflow_design.services.lifecycle import workflow_new_version, workflow_publish

    workflow = simple_workflow(company_a, tasks=2, user=creator_a)
    workflow_publish(workflow=workflow, user=creator_a)
    new = workflow_new_version(workflow=workflow, user=creator_a)
    assert audit_entries_of(workflow).filter(action="published", actor=creator_a).exists()
    entry = audit_entries_of(new).get(action="new_version")
    assert entry.changes == {"version": [1, 2]}
    assert AuditEntry.objects.filter(content_type__model="taskdefinition", action="created").count() == 4
    workflow_publish(workflow=new, user=creator_a)
    assert audit_entries_of(workflow).filter(action="archived").exists()


@pytest.mark.django_db
def test_admin_second_save_of_stale_page_refused(client, company_a, creator_a):
    from django.test import Client

    workflow = WorkflowFactory(company=company_a, title="Original", slug="shared-flow")
    other = UserFactory(company=company_a, email="other@alpha.example", creator=True)
    url = reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])
    client.force_login(creator_a)
    page = client.get(url).content.decode()
    assert f'name="opened_revision" value="{workflow.revision}"' in page

    def post(who, title):
        # The page as opened before either save: no rows, the revision it showed.
        return who.post(
            url, designer_post(workflow, tasks=[], transitions=[], title=title, opened_revision=workflow.revision)
        )

    second = Client()
    second.force_login(other)
    assert post(second, "First editor's title").status_code == 302
    refused = post(client, "Second editor's title")
    assert refused.status_code == 200
    assert "Someone else changed the workflow definition shared-flow" in refused.content.decode()
    assert WorkflowDefinition.objects.get(pk=workflow.pk).title == "First editor's title"


@pytest.mark.django_db
def test_admin_task_page_stale_save_refused(client, company_a, creator_a):
    task = TaskFactory(workflow=WorkflowFactory(company=company_a), slug="review", title="Review")
    url = reverse("admin:workflow_design_taskdefinition_change", args=[task.pk])
    client.force_login(creator_a)
    page = client.get(url).content.decode()
    opened = WorkflowDefinition.objects.get(pk=task.workflow_id).revision
    assert f'name="opened_revision" value="{opened}"' in page
    services.task_update(task=task, user=creator_a, title="Changed meanwhile")  # another editor
    response = client.post(
        url,
        {
            "title": "Mine",
            "slug": "review",
            "position": "1",
            "task_type": "FORM",
            "description": "",
            "assignee_role": "",
            "input_schema": "[]",
            "output_schema": "[]",
            "opened_revision": str(opened),
        },
    )
    assert response.status_code == 200
    assert "Someone else changed the workflow" in response.content.decode()
    assert TaskDefinition.objects.get(pk=task.pk).title == "Changed meanwhile"


def _ticket_page_data(workflow, *, title: str, opened_revision: str) -> dict:
    return {
        "title": title,
        "slug": "laptop",
        "description": "",
        "workflow": str(workflow.pk),
        "ext_ref": "[]",
        "fields": "[]",
        "company_role_access": "[]",
        "edit_layout": "[]",
        "display_layout": "[]",
        "opened_revision": opened_revision,
    }


@pytest.mark.django_db
def test_admin_ticket_page_stale_save_refused(client, company_a, creator_a):
    # Given a ticket definition page opened by one creator
    workflow = WorkflowFactory(company=company_a)
    ticket = TicketFactory(workflow=workflow, slug="laptop", title="Laptop")
    url = reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk])
    client.force_login(creator_a)
    page = client.get(url).content.decode()
    opened = str(ticket.revision)
    assert f'name="opened_revision" value="{opened}"' in page

    # When another editor saves first, then the page's save is refused and theirs kept
    services.ticket_update(ticket=ticket, user=creator_a, title="Changed meanwhile")
    refused = client.post(url, _ticket_page_data(workflow, title="Mine", opened_revision=opened))
    assert refused.status_code == 200
    assert "Someone else changed the ticket definition laptop" in refused.content.decode()
    assert TicketDefinition.objects.get(pk=ticket.pk).title == "Changed meanwhile"


@pytest.mark.django_db
def test_admin_ticket_page_save_without_a_conflict_is_kept(client, company_a, creator_a):
    workflow = WorkflowFactory(company=company_a)
    ticket = TicketFactory(workflow=workflow, slug="laptop", title="Laptop")
    client.force_login(creator_a)
    url = reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk])
    form = client.get(url).context["adminform"].form

    response = client.post(
        url, _ticket_page_data(workflow, title="Laptop, new", opened_revision=form["opened_revision"].value())
    )

    assert response.status_code == 302
    assert TicketDefinition.objects.get(pk=ticket.pk).title == "Laptop, new"


@pytest.mark.django_db
def test_audit_channel_follows_the_path(client, company_a, creator_a, tmp_path):
    import json as json_module

    from django.core.management import call_command

    from workflow_design.files.bundles import bundle_export

    client.force_login(creator_a)
    response = client.post(
        "/api/workflow/workflows/", {"title": "Via API", "slug": "via-api"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    via_api = WorkflowDefinition.objects.get(slug="via-api")
    assert audit_entries_of(via_api).get(action="created").channel == "api"

    bundle = tmp_path / "bundle.json"
    from workflow_design.services.lifecycle import workflow_publish

    source = simple_workflow(company_a, tasks=1)
    workflow_publish(workflow=source, user=creator_a)  # the import becomes its next draft version
    bundle.write_text(json_module.dumps(bundle_export(workflow=source)))
    other = UserFactory(company=company_a, email="cli@alpha.example", creator=True)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    call_command(
        "import_workflow",
        str(bundle),
        "--company",
        company_a.slug,
        "--user",
        other.email,
        "--as-new-version",
        stdout=None,
    )
    channels = set(AuditEntry.objects.exclude(pk__in=before).values_list("channel", flat=True))
    assert channels == {"command"}
