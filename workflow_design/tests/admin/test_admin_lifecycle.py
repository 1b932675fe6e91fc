import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import remove_perm

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, simple_workflow
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.services import task_update
from workflow_design.services.lifecycle import workflow_new_version, workflow_publish

APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}


def url(name, *args):
    return reverse(f"admin:workflow_design_workflowdefinition_{name}", args=args)


def approval_workflow(company, *, extra_tasks=0, user=None):
    """start → review → (approved: end | otherwise: step-2 → … → end)."""
    workflow = simple_workflow(company, tasks=1 + extra_tasks, user=user)
    review = workflow.tasks.get(slug="step-1")
    task_update(task=review, user=user, title="Review", output_schema=[APPROVED])
    TransitionFactory(
        workflow=workflow, from_task=review, to_task=None, priority=1, condition="output.approved", slug="approved"
    )
    TicketFactory(workflow=workflow, fields=[{"name": "amount", "label": "Amount", "type": "number"}])
    return workflow


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def broken(company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=2, user=creator_a)
    orphan = TaskFactory(workflow=workflow, slug="orphan", title="Orphan")
    return workflow, orphan


def test_change_page_shows_lint_findings_and_marks_tasks(broken, creator_a, client):
    workflow, orphan = broken
    client.force_login(creator_a)
    response = client.get(url("change", workflow.pk))
    assert response.status_code == 200
    assert [(f.code, f.object_slug) for f in response.context["lint_findings"]] == [
        ("unreachable-task", "orphan"),
        ("dead-end-task", "orphan"),
    ]
    assert response.context["diagram_highlight_ids"] == {orphan.pk}
    assert response.context["lifecycle_links"]["publish"] == url("publish", workflow.pk)
    body = response.content.decode()
    assert 'id="lint-panel"' in body and "unreachable-task" in body
    assert "cannot be reached from any start transition" in body


def test_change_page_clean_workflow_has_no_findings(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    response = client.get(url("change", workflow.pk))
    assert response.context["lint_findings"] == []
    assert response.context["diagram_highlight_ids"] == set()
    assert "No problems found" in response.content.decode()


def test_publish_action_refused_lists_findings(broken, creator_a, client):
    workflow, _orphan = broken
    client.force_login(creator_a)
    response = client.post(
        url("changelist"), {"action": "publish_selected", "_selected_action": [workflow.pk]}, follow=True
    )
    [message] = messages_of(response)
    assert str(workflow) in message and '"Orphan" (orphan)' in message
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_publish_and_new_version_actions(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    response = client.post(
        url("changelist"), {"action": "publish_selected", "_selected_action": [workflow.pk]}, follow=True
    )
    assert messages_of(response) == [f"Published: {workflow}."]
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.PUBLISHED
    response = client.post(
        url("changelist"), {"action": "new_version_selected", "_selected_action": [workflow.pk]}, follow=True
    )
    new = WorkflowDefinition.objects.get(slug=workflow.slug, version=2)
    assert messages_of(response) == [f"New draft versions: {new}."]
    assert new.status == DefinitionStatus.DRAFT and new.tasks.count() == workflow.tasks.count()


def test_publish_page_lists_errors_without_a_button(broken, creator_a, client):
    workflow, _orphan = broken
    client.force_login(creator_a)
    response = client.get(url("publish", workflow.pk))
    body = response.content.decode()
    assert "cannot be published" in body and "unreachable-task" in body
    assert "Yes, publish" not in body
    response = client.post(url("publish", workflow.pk), {"confirm": "yes"}, follow=True)
    assert "was not published" in messages_of(response)[0]
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_publish_page_confirms_and_publishes(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    assert "Yes, publish" in client.get(url("publish", workflow.pk)).content.decode()
    response = client.post(url("publish", workflow.pk), {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == url("change", workflow.pk)
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.PUBLISHED
    page = client.get(url("change", workflow.pk))
    assert page.context["lifecycle_links"].keys() == {"dry_run", "new_version", "archive"}


def test_new_version_page_creates_draft_and_opens_it(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    workflow_publish(workflow=workflow, user=creator_a)
    client.force_login(creator_a)
    response = client.post(url("new_version", workflow.pk), {"confirm": "yes"})
    new = WorkflowDefinition.objects.get(slug=workflow.slug, version=2)
    assert response["Location"] == url("change", new.pk)
    response = client.post(url("new_version", workflow.pk), {"confirm": "yes"}, follow=True)
    assert "already a draft" in messages_of(response)[-1]
    assert WorkflowDefinition.objects.filter(slug=workflow.slug).count() == 2


def test_dry_run_page_shows_the_path(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    review = workflow.tasks.get(slug="step-1")
    client.force_login(creator_a)
    page = client.get(url("dry_run", workflow.pk))
    assert f'name="output__{review.pk}__approved"' in page.content.decode()
    assert 'name="ticket__amount"' in page.content.decode()
    response = client.post(url("dry_run", workflow.pk), {f"output__{review.pk}__approved": "true", "max_steps": "10"})
    result = response.context["result"]
    assert result.outcome == "ended" and result.path == ["step-1"]
    body = response.content.decode()
    assert "The ticket reaches the end after 1 tasks." in body
    assert "output.approved = true" in body


def test_dry_run_page_reports_loop(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    review = workflow.tasks.get(slug="step-1")
    TransitionFactory(workflow=workflow, from_task=review, to_task=review, priority=5, condition="!output.approved")
    client.force_login(creator_a)
    response = client.post(url("dry_run", workflow.pk), {f"output__{review.pk}__approved": "false", "max_steps": "5"})
    assert response.context["result"].outcome == "loop"
    assert "Stopped after 5 steps" in response.content.decode()


def test_compare_page_lists_changes(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    workflow_publish(workflow=workflow, user=creator_a)
    new = workflow_new_version(workflow=workflow, user=creator_a)
    task_update(task=new.tasks.get(slug="step-1"), user=creator_a, title="Careful review")
    client.force_login(creator_a)
    page = client.get(url("change", new.pk))
    assert page.context["other_versions"][0]["compare_url"] == url("compare", new.pk, workflow.pk)
    response = client.get(url("compare", new.pk, workflow.pk))
    body = response.content.decode()
    assert "Task step-1: title changed from Review to Careful review." in body
    assert f"Changes from {workflow} to {new}" in body


def test_lifecycle_steps_need_change_on_the_workflow(company_a, creator_a, client):
    # Given a draft and a published workflow the creators may see but not change
    draft = approval_workflow(company_a, user=creator_a)
    published = approval_workflow(company_a, user=creator_a)
    WorkflowDefinition.objects.filter(pk=published.pk).update(slug="published-one")
    workflow_publish(workflow=WorkflowDefinition.objects.get(pk=published.pk), user=creator_a)
    for workflow in (draft, published):
        remove_perm("change_workflowdefinition", company_a.creators_group, workflow)
    client.force_login(creator_a)

    # Then the change pages offer only the dry run
    assert client.get(url("change", draft.pk)).context["lifecycle_links"].keys() == {"dry_run"}
    assert client.get(url("change", published.pk)).context["lifecycle_links"].keys() == {"dry_run"}

    # And each step is refused (not hidden: the workflow is seen), and nothing happens
    for name, workflow in (("publish", draft), ("new_version", published), ("archive", published)):
        assert client.get(url(name, workflow.pk)).status_code == 403, name
        assert client.post(url(name, workflow.pk), {"confirm": "yes"}).status_code == 403, name
    assert WorkflowDefinition.objects.get(pk=draft.pk).status == DefinitionStatus.DRAFT
    assert WorkflowDefinition.objects.get(pk=published.pk).status == DefinitionStatus.PUBLISHED
    assert not WorkflowDefinition.objects.filter(slug="published-one", version=2).exists()

    # And the changelist actions leave them as they are
    client.post(url("changelist"), {"action": "new_version_selected", "_selected_action": [published.pk]})
    assert not WorkflowDefinition.objects.filter(slug="published-one", version=2).exists()


@pytest.fixture
def foreign(company_b):
    workflow = approval_workflow(company_b)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(title="Zebra secret workflow")
    return workflow


@pytest.mark.parametrize("name", ["dry_run", "publish", "new_version", "archive"])
def test_lifecycle_pages_hide_other_company(foreign, creator_a, client, name):
    client.force_login(creator_a)
    assert client.get(url(name, foreign.pk)).status_code == 404
    assert client.post(url(name, foreign.pk), {"confirm": "yes"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == DefinitionStatus.DRAFT
    assert WorkflowDefinition.objects.filter(slug=foreign.slug).count() == 1


def test_compare_page_hides_other_company(foreign, company_a, creator_a, client):
    own = approval_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    for args in ((own.pk, foreign.pk), (foreign.pk, own.pk), (foreign.pk, foreign.pk), ("x", own.pk)):
        response = client.get(url("compare", *args))
        assert response.status_code == 404
        assert "Zebra" not in response.content.decode()


def test_actions_skip_other_company_rows(foreign, creator_a, client):
    client.force_login(creator_a)
    client.post(url("changelist"), {"action": "publish_selected", "_selected_action": [foreign.pk]})
    foreign.refresh_from_db()
    assert foreign.status == DefinitionStatus.DRAFT


def _count(client, method, path, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data or {})
    assert response.status_code == 200
    return len(captured)


def test_lifecycle_pages_run_constant_queries(company_a, creator_a, client, django_assert_max_num_queries):
    small = approval_workflow(company_a, user=creator_a)
    large = approval_workflow(company_a, extra_tasks=20, user=creator_a)
    client.force_login(creator_a)
    pages = []
    for workflow in (small, large):
        review = workflow.tasks.get(slug="step-1")
        pages.append(
            [
                ("get", url("dry_run", workflow.pk), None),
                ("post", url("dry_run", workflow.pk), {f"output__{review.pk}__approved": "false", "max_steps": "50"}),
                ("get", url("publish", workflow.pk), None),
            ]
        )
    for (method, small_path, data), (_m, large_path, large_data) in zip(pages[0], pages[1], strict=True):
        small_count = _count(client, method, small_path, data)
        with django_assert_max_num_queries(small_count):
            response = getattr(client, method)(large_path, large_data or {})
        assert response.status_code == 200
    workflow_publish(workflow=small, user=creator_a)
    workflow_publish(workflow=large, user=creator_a)
    small_new = workflow_new_version(workflow=small, user=creator_a)
    large_new = workflow_new_version(workflow=large, user=creator_a)
    small_count = _count(client, "get", url("compare", small_new.pk, small.pk))
    with django_assert_max_num_queries(small_count):
        assert "define the same" in client.get(url("compare", large_new.pk, large.pk)).content.decode()
